"""The page footer's exports: a PNG is rendered once per figure, not on every click."""
import plotly.graph_objects as go

import optim_viz_ui as ui
from optim_viz import export


def test_png_is_rendered_once_per_figure(monkeypatch):
    calls = []
    monkeypatch.setattr(export, "figure_png", lambda fig: calls.append(fig) or f"png {len(calls)}".encode())
    a, b = go.Figure(go.Scatter(y=[1, 2])), go.Figure(go.Scatter(y=[3, 4]))
    assert ui.png_of(a) == ui.png_of(a) == b"png 1"
    assert ui.png_of(b) == b"png 2"
    assert calls == [a, b]
