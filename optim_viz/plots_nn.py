"""Plotly figures for the Regularization lab: decision boundaries, cost curves, weights, the network drawing
with dropped units greyed out, and the dropout expected-value check. Arrays in, ``go.Figure`` out."""
from __future__ import annotations

import contourpy
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import nn
from .dropout import ExpectedValue

CLASS_COLOURS = ("#1f77b4", "#d62728")  # y = 0 blue, y = 1 red
FIELD = [[0.0, "#9ecae1"], [0.5, "#f7f7f7"], [1.0, "#fc9272"]]
RUN_COLOURS = {"No regularization": "#7f7f7f", "L2": "#2ca02c", "Dropout": "#9467bd"}
LAYOUT = dict(template="plotly_white", font=dict(size=14), margin=dict(l=60, r=20, t=50, b=50))


def bounds_of(*Xs: np.ndarray, pad: float = 0.25) -> tuple[float, float, float, float]:
    """(x_min, x_max, y_min, y_max) around every point of the arrays (2, m), padded."""
    P = np.hstack([X for X in Xs if X.size])
    lo, hi = P.min(axis=1) - pad, P.max(axis=1) + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def grid_probabilities(params: dict, hidden: str, bounds, n: int = 120):
    """ŷ = P(y = 1 | x) of a sigmoid network on an n × n grid: (xs, ys, P) with P[i, j] at (xs[j], ys[i])."""
    xs = np.linspace(bounds[0], bounds[1], n)
    ys = np.linspace(bounds[2], bounds[3], n)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(over="ignore", invalid="ignore"):
        AL, _ = nn.forward(params, np.vstack([gx.ravel(), gy.ravel()]), hidden, "sigmoid")
    return xs, ys, np.nan_to_num(AL.reshape(n, n), nan=0.5)


def boundary_line(xs, ys, P, level: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The level set ŷ = level as x, y arrays with NaN between separate pieces."""
    lines = contourpy.contour_generator(x=xs, y=ys, z=P).lines(level)
    if not lines:
        return np.array([]), np.array([])
    pts = np.vstack([np.vstack([seg, [np.nan, np.nan]]) for seg in lines])
    return pts[:, 0], pts[:, 1]


def _points(X, Y, split: str, legend: bool, row=None, col=None):
    out = []
    for label in (0, 1):
        sel = Y[0] == label
        train = split == "train"
        out.append(go.Scatter(
            x=X[0, sel], y=X[1, sel], mode="markers", name=f"{split} y={label}", legendgroup=f"{split}{label}",
            showlegend=legend,
            marker=dict(color=CLASS_COLOURS[label] if train else "white", size=7 if train else 8,
                        symbol="circle" if train else "diamond",
                        line=dict(color="white" if train else CLASS_COLOURS[label], width=1 if train else 2))))
    return out


def _boundary_traces(xs, ys, P, legend: bool, showscale: bool):
    bx, by = boundary_line(xs, ys, P)
    return [
        go.Heatmap(x=xs, y=ys, z=P, zmin=0, zmax=1, colorscale=FIELD, showscale=showscale, hoverinfo="skip",
                   colorbar=dict(title=dict(text="ŷ"), len=0.8, thickness=12)),
        go.Scatter(x=bx, y=by, mode="lines", name="boundary ŷ = 0.5", legendgroup="boundary", showlegend=legend,
                   line=dict(color="black", width=2), hoverinfo="skip"),
    ]


def decision_boundary(xs, ys, P, X_train, Y_train, X_dev, Y_dev, title: str = "Decision boundary") -> go.Figure:
    """ŷ over the plane (blue → 0, red → 1), the ŷ = 0.5 boundary, train points (filled) and dev points (open)."""
    fig = go.Figure(_boundary_traces(xs, ys, P, True, True)
                    + _points(X_train, Y_train, "train", True) + _points(X_dev, Y_dev, "dev", True))
    fig.update_layout(**LAYOUT, title=title, height=480, legend=dict(orientation="h", y=-0.15),
                      xaxis=dict(title="x₁", range=[xs[0], xs[-1]], constrain="domain"),
                      yaxis=dict(title="x₂", range=[ys[0], ys[-1]], scaleanchor="x", constrain="domain"))
    return fig


def boundary_panels(panels: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], X_train, Y_train, X_dev,
                    Y_dev) -> go.Figure:
    """Decision boundaries side by side, one panel per (title, xs, ys, P), same data in each."""
    fig = make_subplots(1, len(panels), subplot_titles=[p[0] for p in panels], horizontal_spacing=0.04,
                        shared_yaxes=True)
    for i, (_, xs, ys, P) in enumerate(panels, start=1):
        first = i == 1
        for tr in (_boundary_traces(xs, ys, P, first, first) + _points(X_train, Y_train, "train", first)
                   + _points(X_dev, Y_dev, "dev", first)):
            fig.add_trace(tr, row=1, col=i)
        fig.update_xaxes(title_text="x₁", range=[xs[0], xs[-1]], row=1, col=i)
        fig.update_yaxes(range=[ys[0], ys[-1]], row=1, col=i)
    fig.update_yaxes(title_text="x₂", row=1, col=1)
    fig.update_layout(**LAYOUT, height=430, legend=dict(orientation="h", y=-0.2))
    fig.update_layout(margin=dict(t=70))
    return fig


def cost_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "Cost J during training") -> go.Figure:
    """J against iteration, one line per run (log y)."""
    fig = go.Figure([go.Scatter(x=it, y=np.where(np.isfinite(c), c, np.nan), mode="lines", name=name,
                                line=dict(color=RUN_COLOURS.get(name)))
                     for name, (it, c) in curves.items()])
    fig.update_layout(**LAYOUT, title=title, height=340, xaxis_title="iteration",
                      yaxis=dict(title="cost J (with the L2 term)", type="log"),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def weight_norms_over_time(iterations: np.ndarray, norms: np.ndarray) -> go.Figure:
    """‖W[l]‖_F against iteration, one line per layer (norms has shape (records, L))."""
    fig = go.Figure([go.Scatter(x=iterations, y=norms[:, l], mode="lines", name=f"‖W[{l + 1}]‖_F")
                     for l in range(norms.shape[1])])
    fig.update_layout(**LAYOUT, title="Weight norm per layer", height=340, xaxis_title="iteration",
                      yaxis=dict(title="Frobenius norm ‖W[l]‖_F", rangemode="tozero"),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def weight_norm_bars(norms: dict[str, np.ndarray]) -> go.Figure:
    """Final ‖W[l]‖_F per layer, grouped by run."""
    fig = go.Figure([go.Bar(x=[f"W[{l + 1}]" for l in range(len(v))], y=v, name=name,
                            marker_color=RUN_COLOURS.get(name), text=[f"{x:.1f}" for x in v], textposition="outside")
                     for name, v in norms.items()])
    fig.update_layout(**LAYOUT, title="‖W[l]‖_F after training", height=360, barmode="group",
                      xaxis_title="layer", yaxis_title="‖W[l]‖_F", legend=dict(orientation="h", y=-0.25))
    return fig


def weight_histograms(weights: dict[str, np.ndarray]) -> go.Figure:
    """Histogram of every weight entry, overlaid per run."""
    allw = np.concatenate([w for w in weights.values()]) if weights else np.zeros(1)
    lim = float(np.nanpercentile(np.abs(allw), 99.5)) or 1.0
    fig = go.Figure([go.Histogram(x=w, name=name, opacity=0.55, marker_color=RUN_COLOURS.get(name),
                                  xbins=dict(start=-lim, end=lim, size=2 * lim / 60))
                     for name, w in weights.items()])
    fig.update_layout(**LAYOUT, title="Distribution of the weights", height=360, barmode="overlay",
                      xaxis=dict(title="weight value", range=[-lim, lim]), yaxis_title="count",
                      legend=dict(orientation="h", y=-0.25))
    return fig


def _node_y(n: int) -> np.ndarray:
    return np.linspace(-(n - 1) / 2, (n - 1) / 2, n) if n > 1 else np.zeros(1)


def network_diagram(layer_dims: list[int], masks: list[np.ndarray | None], keep_probs: list[float],
                    title: str = "") -> go.Figure:
    """The network as nodes and edges; hidden units with mask False are grey with an ×, their edges faded.

    ``masks[l−1]`` is the boolean mask of hidden layer l (length n[l]) or None (no dropout there).
    """
    L = len(layer_dims) - 1
    ys = [_node_y(n) for n in layer_dims]
    kept = [np.ones(layer_dims[0], bool)] + [
        np.ones(layer_dims[l], bool) if (l == L or masks[l - 1] is None) else np.asarray(masks[l - 1], bool)
        for l in range(1, L + 1)]
    live_x, live_y, dead_x, dead_y = [], [], [], []
    for l in range(1, L + 1):
        for j in range(layer_dims[l - 1]):
            for i in range(layer_dims[l]):
                alive = kept[l - 1][j] and kept[l][i]
                xs, yy = (live_x, live_y) if alive else (dead_x, dead_y)
                xs += [l - 1, l, None]
                yy += [ys[l - 1][j], ys[l][i], None]
    traces = [
        go.Scatter(x=dead_x, y=dead_y, mode="lines", name="edge of a dropped unit", hoverinfo="skip",
                   line=dict(color="rgba(180,180,180,0.25)", width=1, dash="dot")),
        go.Scatter(x=live_x, y=live_y, mode="lines", name="active edge", hoverinfo="skip",
                   line=dict(color="rgba(31,119,180,0.35)", width=1)),
    ]
    size = float(np.clip(420 / max(layer_dims), 7, 16))
    kx, ky, kt, dx, dy, dt = [], [], [], [], [], []
    for l, n in enumerate(layer_dims):
        for i in range(n):
            label = f"layer {l}, unit {i + 1}" + ("" if kept[l][i] else " (dropped)")
            if kept[l][i]:
                kx.append(l), ky.append(ys[l][i]), kt.append(label)
            else:
                dx.append(l), dy.append(ys[l][i]), dt.append(label)
    traces += [
        go.Scatter(x=kx, y=ky, mode="markers", name="kept unit", text=kt, hoverinfo="text",
                   marker=dict(size=size, color="#1f77b4", line=dict(color="white", width=1.5))),
        go.Scatter(x=dx, y=dy, mode="markers", name="dropped unit (d = 0)", text=dt, hoverinfo="text",
                   marker=dict(size=size, color="#d9d9d9", symbol="circle-x", line=dict(color="#969696", width=1.5))),
    ]
    names = ["input x"] + [
        f"hidden {l}<br>keep_prob {keep_probs[l - 1]:g}<br>{int(kept[l].sum())}/{layer_dims[l]} kept"
        for l in range(1, L)] + ["output ŷ"]
    top = (max(layer_dims) - 1) / 2 + 0.6
    fig = go.Figure(traces)
    for l, text in enumerate(names):
        fig.add_annotation(x=l, y=1.0, yref="paper", text=text, showarrow=False, yanchor="bottom",
                           font=dict(size=13))
    fig.update_layout(**LAYOUT, height=int(np.clip(12 * max(layer_dims) + 220, 380, 640)), showlegend=True,
                      xaxis=dict(visible=False, range=[-0.4, L + 0.4]),
                      yaxis=dict(visible=False, range=[-top, top]),
                      legend=dict(orientation="h", y=0, yanchor="top"))
    fig.update_layout(margin=dict(t=130 if title else 100, b=50), title=dict(text=title, y=0.97, yanchor="top"))
    return fig


def expected_value_bars(rows: list[tuple[str, ExpectedValue]]) -> go.Figure:
    """Mean activation per hidden layer: no dropout, masked without 1/keep_prob, inverted dropout."""
    labels = [r[0] for r in rows]
    series = [("no dropout: mean a", "no_dropout", "#7f7f7f"),
              ("a·d (no scaling): too small", "masked_only", "#ff7f0e"),
              ("a·d / keep_prob (inverted)", "inverted", "#9467bd")]
    fig = go.Figure([go.Bar(x=labels, y=[getattr(r[1], attr) for r in rows], name=name, marker_color=colour,
                            text=[f"{getattr(r[1], attr):.3f}" for r in rows], textposition="outside")
                     for name, attr, colour in series])
    fig.update_layout(**LAYOUT, title="Mean activation per hidden layer", height=360,
                      barmode="group", yaxis=dict(title="mean activation", rangemode="tozero"),
                      legend=dict(orientation="h", y=-0.2))
    return fig
