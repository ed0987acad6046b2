"""Figure builders that skip plotly's validation for speed: what they send is still a valid figure, and the
frozen copy Streamlit is given equals plotly's own serialization of the same figure."""
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from helpers import check_spec_figure
from optim_viz import arena, figures, surfaces


@pytest.fixture(scope="module")
def race():
    s = surfaces.get("elongated_bowl")
    entries = {n: dict(arena.hyper_tuple(n, lr=arena.default_lr(s, n))) for n in ("sgd", "momentum", "adam")}
    entries["sgd"]["lr"] = 0.15  # diverges: NaN after the divergence step must survive the encoding
    return s, arena.race(s, entries, np.array(s.start), 120)


def builders(s, paths):
    return {"race": figures.arena.race_figure(s, paths, s.start), "loss": figures.arena.loss_figure(s, paths),
            "3d": figures.arena.surface3d_figure(s, paths), "map": figures.arena.map_figure(s, s.start)}


@pytest.mark.parametrize("name", ["race", "loss", "3d", "map"])
def test_spec_figures_validate_and_send_what_plotly_would(name, race):
    check_spec_figure(builders(*race)[name])



def test_frozen_copy_of_a_plotly_figure_is_made_once_and_equals_it():
    fig = go.Figure(go.Scatter(x=np.arange(5.0), y=np.arange(5.0) ** 2, name="p"), layout=dict(title="t"))
    f1, f2 = figures.style.frozen(fig), figures.style.frozen(fig)
    assert f1 is f2 and f1.title == "t"
    assert f1.to_dict() == json.loads(pio.to_json(fig, validate=False))
    d = f1.to_dict()
    d["layout"]["title"] = "edited"
    assert f1.to_dict()["layout"]["title"]["text"] == "t"  # a caller's edit never reaches the cached figure


def test_presentation_copy_enlarges_type_and_visible_markers_only(race):
    fig = figures.arena.race_figure(*race[:1], race[1], race[0].start)
    big = figures.style.presented(fig).to_dict()
    small = fig.to_dict()
    assert big["layout"]["font"]["size"] == 20 and big["layout"]["legend"]["font"]["size"] == 20
    for b, s in zip(big["data"], small["data"]):
        if s.get("mode") == "markers" and s["marker"].get("opacity", 1) > 0.05:
            assert b["marker"]["size"] == 1.5 * s["marker"]["size"]
        else:
            assert b.get("marker") == s.get("marker")
    assert figures.style.presented(fig) is figures.style.presented(fig)
    assert small["layout"]["font"]["size"] == figures.style.FONT["size"]  # the original is untouched


@pytest.mark.parametrize("name", ["rastrigin", "saddle", "beale"])
def test_colour_field_png_has_exactly_the_colour_mapped_pixels(name):
    """The palette PNG (fast to encode) decodes to the same pixels as mapping z through the colour table."""
    import base64
    import io

    from PIL import Image

    x, y, z = figures.arena.grid(surfaces.get(name), 200)
    src = figures.arena._colour_png(z)
    img = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))).convert("RGB")
    zn = (z - z.min()) / np.ptp(z)
    want = np.flipud(figures.arena._colour_table("Viridis")[np.round(zn * 255).astype(np.uint8)])
    np.testing.assert_array_equal(np.asarray(img), want)
    assert img.size == (200, 200) and len(src) < 40_000


def test_3d_paths_ride_above_the_surface_inside_its_box_under_a_camera_from_above():
    """Each path point at height transform(f(x, y)) + a lift above the surface; points outside the box (a diverged
    run's last steps) are cut, so the z range is the surface's; the camera looks down from above."""
    from helpers import check_spec_figure

    s = surfaces.get("rosenbrock")
    entries = {"sgd": {"lr": 0.004}, "adam": {"lr": 0.1}}  # GD leaves the box and diverges
    paths = arena.race(s, entries, np.array(s.start), 200)
    assert paths["sgd"].diverged_at[0] > 0
    fig = figures.arena.surface3d_figure(s, paths)
    check_spec_figure(fig)
    spec = fig.to_dict()
    from helpers import array

    surf = spec["data"][0]
    z = array(surf["z"]).reshape(80, 80)
    x, y = array(surf["x"]), array(surf["y"])
    fmin = np.nanmin(s.f(*np.meshgrid(x, y)))
    lift = 0.015 * np.ptp(z)
    assert spec["layout"]["scene"]["zaxis"]["range"] == pytest.approx([z.min(), z.max() + 0.05 * np.ptp(z)])
    assert spec["layout"]["scene"]["camera"]["eye"]["z"] > 1.5  # from high above: valleys are not hidden
    (x0, x1), (y0, y1) = s.bounds
    for name, tr in zip(paths, spec["data"][1:]):
        xy = paths[name].xy[:, 0]
        zz = array(tr["z"])
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        want = np.log1p(np.maximum(s.loss(xy) - fmin, 0)) + lift
        shown = np.isfinite(zz)
        assert not (shown & ~inside).any()
        np.testing.assert_allclose(zz[shown], want[shown], rtol=1e-9)
        assert np.nanmax(zz) <= spec["layout"]["scene"]["zaxis"]["range"][1]
    assert np.isnan(array(spec["data"][1]["z"])[-1])  # the diverged run is cut


@pytest.mark.parametrize(("steps", "stride"), [(50, 1), (100, 1), (101, 3), (300, 3), (1000, 11)])
def test_animation_frames_come_at_an_odd_stride_and_the_slider_has_one_step_per_frame(steps, stride):
    shown = figures.arena.frame_steps(steps)
    assert len(shown) <= figures.arena.MAX_FRAMES and shown[0] == 0 and shown[-1] == steps
    assert list(np.diff(shown)[:-1]) == [stride] * (len(shown) - 2)  # odd: a step-by-step zigzag still zigzags
    s = surfaces.get("elongated_bowl")
    paths = arena.race(s, {"sgd": dict(arena.hyper_tuple("sgd", lr=0.01))}, np.array(s.start), steps)
    fig = figures.arena.race_figure(s, paths, s.start).to_dict()
    names = [str(k) for k in shown]
    assert [f["name"] for f in fig["frames"]] == names
    assert [st["args"][0][0] for st in fig["layout"]["sliders"][0]["steps"]] == names
