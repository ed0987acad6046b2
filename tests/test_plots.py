"""Figure builders that skip plotly's validation for speed: what they send is still a valid figure, and the
frozen copy Streamlit is given equals plotly's own serialization of the same figure."""
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from optim_viz import arena, plots, surfaces


@pytest.fixture(scope="module")
def race():
    s = surfaces.get("elongated_bowl")
    entries = {n: dict(arena.hyper_tuple(n, lr=arena.default_lr(s, n))) for n in ("sgd", "momentum", "adam")}
    entries["sgd"]["lr"] = 0.15  # diverges: NaN after the divergence step must survive the encoding
    return s, arena.race(s, entries, np.array(s.start), 120)


def builders(s, paths):
    return {"race": plots.race_figure(s, paths, s.start), "loss": plots.loss_figure(s, paths),
            "3d": plots.surface3d_figure(s, paths)}


@pytest.mark.parametrize("name", ["race", "loss", "3d"])
def test_spec_figures_validate_as_plotly_figures(race, name):
    fig = builders(*race)[name]
    valid = go.Figure(fig.to_dict())  # raises on any misspelt or misplaced property
    assert len(valid.data) == len(fig.figure.data) > 0


@pytest.mark.parametrize("name", ["race", "loss", "3d"])
def test_frozen_spec_sends_what_plotly_would_send(race, name):
    fig = builders(*race)[name]
    ours = fig.to_dict()
    theirs = json.loads(pio.to_json(fig.figure, validate=False))
    assert _decoded(ours) == _decoded(theirs)


def _decoded(v):
    """Typed arrays as lists (NaN as None) so two encodings of the same numbers compare equal."""
    from helpers import array

    if isinstance(v, dict):
        if "bdata" in v:
            a = np.asarray(array(v), float).ravel()
            return [None if np.isnan(x) else round(float(x), 12) for x in a]
        return {k: _decoded(x) for k, x in v.items()}
    if isinstance(v, list):
        if v and all(isinstance(x, (int, float)) or x is None for x in v):
            return [None if x is None or x != x else round(float(x), 12) for x in v]
        return [_decoded(x) for x in v]
    return v


def test_frozen_copy_of_a_plotly_figure_is_made_once_and_equals_it():
    fig = go.Figure(go.Scatter(x=np.arange(5.0), y=np.arange(5.0) ** 2, name="p"), layout=dict(title="t"))
    f1, f2 = plots.frozen(fig), plots.frozen(fig)
    assert f1 is f2 and f1.title == "t"
    assert f1.to_dict() == json.loads(pio.to_json(fig, validate=False))
    d = f1.to_dict()
    d["layout"]["title"] = "edited"
    assert f1.to_dict()["layout"]["title"]["text"] == "t"  # a caller's edit never reaches the cached figure


def test_presentation_copy_enlarges_type_and_visible_markers_only(race):
    fig = plots.race_figure(*race[:1], race[1], race[0].start)
    big = plots.presented(fig).to_dict()
    small = fig.to_dict()
    assert big["layout"]["font"]["size"] == 20 and big["layout"]["legend"]["font"]["size"] == 20
    for b, s in zip(big["data"], small["data"]):
        if s.get("mode") == "markers" and s["marker"].get("opacity", 1) > 0.05:
            assert b["marker"]["size"] == 1.5 * s["marker"]["size"]
        else:
            assert b.get("marker") == s.get("marker")
    assert plots.presented(fig) is plots.presented(fig)
    assert small["layout"]["font"]["size"] == plots.FONT["size"]  # the original is untouched
