"""The page frame: a PNG export is rendered once per figure; link problems are shown where they are seen."""
import plotly.graph_objects as go

import optim_viz_ui as ui
from helpers import assert_ok, open_page
from optim_viz import export


def test_png_is_rendered_once_per_figure(monkeypatch):
    calls = []
    monkeypatch.setattr(export, "figure_png", lambda fig: calls.append(fig) or f"png {len(calls)}".encode())
    a, b = go.Figure(go.Scatter(y=[1, 2])), go.Figure(go.Scatter(y=[3, 4]))
    assert ui.png_of(a) == ui.png_of(a) == b"png 1"
    assert ui.png_of(b) == b"png 2"
    assert calls == [a, b]


def _walk(node, path=()):
    """(element, the kinds of the blocks around it) for every element of the page, in the order shown."""
    children = getattr(node, "children", None)
    if children is None:
        yield node, path
        return
    for child in children.values():
        yield from _walk(child, (*path, getattr(child, "type", "")))


def test_a_bad_link_value_is_reported_under_the_intro_even_when_its_control_is_folded_away():
    at = open_page("pages/gradient_check.py", present="1", bug="no-such-bug", nonsense="1")
    assert_ok(at)
    shown = [(e, path) for e, path in _walk(at.main)]
    kinds = [type(e).__name__ for e, _ in shown]
    warnings = [(i, path) for i, (e, path) in enumerate(shown) if type(e).__name__ == "Warning"]
    texts = " ".join(shown[i][0].value for i, _ in warnings)
    assert "`bug=no-such-bug`" in texts and "`nonsense`" in texts
    first_chart = kinds.index("PlotlyChart") if "PlotlyChart" in kinds else len(kinds)
    for i, path in warnings:
        assert i < first_chart, "a link problem must be seen before the charts"
        assert "expander" not in path, "a link problem must not be folded away"
