"""The softmax page's figures: class probabilities (with temperature and hardmax), decision regions of the
classifiers, their cost curves, and one example's ŷ, y and dz = ŷ − y.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .style import frame, on_panel, two_panels

CLASS_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
LIGHT = ("#c6dbef", "#fcbba1", "#c7e9c0", "#fdd0a2", "#dadaeb", "#e0cfc8", "#f7d0e8", "#c2ecf2")


def probability_bars(classes, p: np.ndarray, hard: np.ndarray, temperature: float) -> go.Figure:
    """ŷ = softmax(z/T) beside the hardmax, one pair of bars per class, values printed on the bars."""
    fig = go.Figure([
        go.Bar(x=list(classes), y=p, name=f"softmax(z / T), T = {temperature:g}", marker_color="#2ca02c",
               text=[f"{v:.3f}" for v in p], textposition="outside", cliponaxis=False),
        go.Bar(x=list(classes), y=hard, name="hardmax(z)", marker_color="#7f7f7f",
               text=[f"{v:g}" for v in hard], textposition="outside", cliponaxis=False),
    ])
    fig.update_layout(**frame(400), title="Class probabilities ŷ and the hardmax", barmode="group",
                      yaxis=dict(title="probability", range=[0, 1.15]))
    return fig


def _class_colourscale(C: int) -> list:
    """A stepped colour scale for z = class index 0..C−1 (each class its own flat colour)."""
    out = []
    for c in range(C):
        out += [[c / C, LIGHT[c]], [(c + 1) / C, LIGHT[c]]]
    return out


def regions_figure(panels: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], X: np.ndarray,
                   labels: np.ndarray, C: int, highlight: int | None = None) -> go.Figure:
    """Decision regions side by side, one panel per (title, xs, ys, classes), the training points on each coloured
    by their class; ``highlight`` rings one example."""
    fig = two_panels(tuple(p[0] for p in panels))
    for col, (_, xs, ys, cls) in enumerate(panels, start=1):
        on_panel(fig, go.Heatmap(x=xs, y=ys, z=cls, zmin=-0.5, zmax=C - 0.5, colorscale=_class_colourscale(C),
                             showscale=False, hoverinfo="skip"), col)
        for c in range(C):
            sel = labels == c
            on_panel(fig, go.Scatter(x=X[0, sel], y=X[1, sel], mode="markers", name=f"class {c}", legendgroup=str(c),
                                 showlegend=col == 1, marker=dict(color=CLASS_COLOURS[c], size=6,
                                                                   line=dict(color="white", width=0.5))), col)
        if highlight is not None:
            on_panel(fig, go.Scatter(x=[X[0, highlight]], y=[X[1, highlight]], mode="markers", name="the example below",
                                 showlegend=col == 1, legendgroup="example",
                                 marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(color="black", width=2.5))),
                 col)
    xs, ys = panels[0][1], panels[0][2]
    fig.update_layout(**frame(500, top=70),
                      xaxis=dict(title="x₁", range=[xs[0], xs[-1]]), xaxis2=dict(title="x₁", range=[xs[0], xs[-1]]),
                      yaxis=dict(title="x₂", range=[ys[0], ys[-1]]))
    return fig


def cost_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> go.Figure:
    """The cross-entropy cost J against iteration, one line per classifier (log y)."""
    colours = ("#7f7f7f", "#9467bd")
    fig = go.Figure([go.Scatter(x=it, y=c, mode="lines", name=name, line=dict(color=colours[i % 2], width=2.5))
                     for i, (name, (it, c)) in enumerate(curves.items())])
    fig.update_layout(**frame(400), title="Cross-entropy J = −(1/m) Σ Σ_j y_j log ŷ_j during training",
                      xaxis=dict(title="iteration"), yaxis=dict(title="cost J", type="log", dtick=1))
    return fig


def example_figure(classes, y_hat: np.ndarray, y: np.ndarray, dz: np.ndarray) -> go.Figure:
    """ŷ, y and dz = ŷ − y for one example, per class."""
    fig = go.Figure([
        go.Bar(x=list(classes), y=y_hat, name="ŷ", marker_color="#2ca02c"),
        go.Bar(x=list(classes), y=y, name="y (one-hot)", marker_color="#7f7f7f"),
        go.Bar(x=list(classes), y=dz, name="dz = ŷ − y", marker_color="#d62728",
               text=[f"{v:+.3f}" for v in dz], textposition="outside", cliponaxis=False),
    ])
    fig.update_layout(**frame(400), title="One example: ŷ, y and the gradient dz = ŷ − y", barmode="group",
                      yaxis=dict(range=[-1.15, 1.15]))
    return fig
