"""The regularization lab's figures: decision boundaries, cost curves, weight norms and histograms, the network
with its dropout masks, and the expected value of a unit with and without inverted dropout.
"""
from __future__ import annotations

import contourpy
import numpy as np

from .. import nn
from ..dropout import ExpectedValue
from .style import LEGEND_BELOW, FrozenFigure, template

CLASS_COLOURS = ("#1f77b4", "#d62728")  # y = 0 blue, y = 1 red
FIELD = [[0.0, "#9ecae1"], [0.5, "#f7f7f7"], [1.0, "#fc9272"]]
RUN_COLOURS = {"No regularization": "#7f7f7f", "L2": "#2ca02c", "Dropout": "#9467bd"}
GRID_BLOCK = 2500  # grid points per forward pass: the columns are independent, so the blocks change no value
LAYER_COLOURS = ("#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A")  # plotly's first colours, one per layer


def _layout(**kw) -> dict:
    return dict(template=template(), font=dict(size=14), margin=dict(l=60, r=20, t=50, b=50), **kw)


def _title(text: str) -> dict:
    return dict(text=text)


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
    points = np.vstack([gx.ravel(), gy.ravel()])
    with np.errstate(over="ignore", invalid="ignore"):  # in blocks: a (50, 10⁴) temporary per operation page-faults
        AL = np.concatenate([nn.forward(params, points[:, i:i + GRID_BLOCK], hidden, "sigmoid")[0]
                             for i in range(0, points.shape[1], GRID_BLOCK)], axis=1)
    return xs, ys, np.nan_to_num(AL.reshape(n, n), nan=0.5)


def boundary_line(xs, ys, P, level: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The level set ŷ = level as x, y arrays with NaN between separate pieces."""
    lines = contourpy.contour_generator(x=xs, y=ys, z=P).lines(level)
    if not lines:
        return np.array([]), np.array([])
    pts = np.vstack([np.vstack([seg, [np.nan, np.nan]]) for seg in lines])
    return pts[:, 0], pts[:, 1]


def _points(X, Y, split: str, legend: bool, axes: dict | None = None) -> list[dict]:
    out = []
    train = split == "train"
    for label in (0, 1):
        sel = Y[0] == label
        out.append(dict(
            type="scatter", x=X[0, sel], y=X[1, sel], mode="markers", name=f"{split} y={label}",
            legendgroup=f"{split}{label}", showlegend=legend,
            marker=dict(color=CLASS_COLOURS[label] if train else "white", size=7 if train else 8,
                        symbol="circle" if train else "diamond",
                        line=dict(color="white" if train else CLASS_COLOURS[label], width=1 if train else 2)),
            **(axes or {})))
    return out


def _boundary_traces(xs, ys, P, legend: bool, showscale: bool, axes: dict | None = None) -> list[dict]:
    bx, by = boundary_line(xs, ys, P)
    return [  # the colour field is sent as float32: plenty for a colour, half the bytes
        dict(type="heatmap", x=xs, y=ys, z=P.astype(np.float32), zmin=0, zmax=1, colorscale=FIELD, showscale=showscale,
             hoverinfo="skip", colorbar=dict(title=dict(text="ŷ"), len=0.8, thickness=12), **(axes or {})),
        dict(type="scatter", x=bx, y=by, mode="lines", name="boundary ŷ = 0.5", legendgroup="boundary",
             showlegend=legend, line=dict(color="black", width=2), hoverinfo="skip", **(axes or {})),
    ]


def decision_boundary(xs, ys, P, X_train, Y_train, X_dev, Y_dev, title: str = "Decision boundary") -> FrozenFigure:
    """ŷ over the plane (blue → 0, red → 1), the ŷ = 0.5 boundary, train points (filled) and dev points (open)."""
    traces = (_boundary_traces(xs, ys, P, True, True)
              + _points(X_train, Y_train, "train", True) + _points(X_dev, Y_dev, "dev", True))
    layout = _layout(title=_title(title), height=480, legend=LEGEND_BELOW,
                     xaxis=dict(title=_title("x₁"), range=[xs[0], xs[-1]], constrain="domain"),
                     yaxis=dict(title=_title("x₂"), range=[ys[0], ys[-1]], scaleanchor="x", constrain="domain"))
    return FrozenFigure({"data": traces, "layout": layout})


def boundary_panels(panels: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], X_train, Y_train, X_dev,
                    Y_dev) -> FrozenFigure:
    """Decision boundaries side by side, one panel per (title, xs, ys, P), same data in each (shared y axis)."""
    n, gap = len(panels), 0.04
    width = (1 - gap * (n - 1)) / n
    traces, layout, notes = [], _layout(height=430, legend=LEGEND_BELOW), []
    for i, (title, xs, ys, P) in enumerate(panels, start=1):
        first, sfx = i == 1, "" if i == 1 else str(i)
        axes = dict(xaxis=f"x{sfx}", yaxis=f"y{sfx}")
        traces += (_boundary_traces(xs, ys, P, first, first, axes) + _points(X_train, Y_train, "train", first, axes)
                   + _points(X_dev, Y_dev, "dev", first, axes))
        x0 = (i - 1) * (width + gap)
        layout[f"xaxis{sfx}"] = dict(anchor=f"y{sfx}", domain=[x0, x0 + width], title=_title("x₁"),
                                     range=[xs[0], xs[-1]])
        layout[f"yaxis{sfx}"] = dict(anchor=f"x{sfx}", domain=[0.0, 1.0], range=[ys[0], ys[-1]],
                                     **({"title": _title("x₂")} if first
                                        else {"matches": "y", "showticklabels": False}))
        notes.append(dict(text=title, x=x0 + width / 2, y=1.0, xref="paper", yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=16)))
    layout.update(annotations=notes, margin=dict(l=60, r=20, t=70, b=50))
    return FrozenFigure({"data": traces, "layout": layout})


def cost_curves(curves: dict[str, tuple[np.ndarray, np.ndarray]],
                title: str = "Cost J during training") -> FrozenFigure:
    """J against iteration, one line per run (log y)."""
    traces = []
    for name, (it, c) in curves.items():
        c = np.asarray(c, dtype=float)
        traces.append(dict(type="scatter", x=np.asarray(it), y=np.where(np.isfinite(c), c, np.nan), mode="lines",
                           name=name, line=dict(color=RUN_COLOURS.get(name))))
    layout = _layout(title=_title(title), height=340, xaxis=dict(title=_title("iteration")),
                     yaxis=dict(title=_title("cost J (with the L2 term)"), type="log"),
                     legend=LEGEND_BELOW)
    return FrozenFigure({"data": traces, "layout": layout})


def weight_norms_over_time(iterations: np.ndarray, norms: np.ndarray) -> FrozenFigure:
    """‖W[l]‖_F against iteration, one line per layer (norms has shape (records, L))."""
    traces = [dict(type="scatter", x=np.asarray(iterations), y=np.ascontiguousarray(norms[:, l]), mode="lines",
                   name=f"‖W[{l + 1}]‖_F", line=dict(color=LAYER_COLOURS[l % len(LAYER_COLOURS)]))
              for l in range(norms.shape[1])]
    layout = _layout(title=_title("Weight norm per layer"), height=340, xaxis=dict(title=_title("iteration")),
                     yaxis=dict(title=_title("Frobenius norm ‖W[l]‖_F"), rangemode="tozero"),
                     legend=LEGEND_BELOW)
    return FrozenFigure({"data": traces, "layout": layout})


def weight_norm_bars(norms: dict[str, np.ndarray]) -> FrozenFigure:
    """Final ‖W[l]‖_F per layer, grouped by run."""
    traces = [dict(type="bar", x=[f"W[{l + 1}]" for l in range(len(v))], y=np.asarray(v, dtype=float), name=name,
                   marker=dict(color=RUN_COLOURS.get(name)), text=[f"{x:.1f}" for x in v], textposition="outside")
              for name, v in norms.items()]
    layout = _layout(title=_title("‖W[l]‖_F after training"), height=360, barmode="group",
                     xaxis=dict(title=_title("layer")), yaxis=dict(title=_title("‖W[l]‖_F")),
                     legend=LEGEND_BELOW)
    return FrozenFigure({"data": traces, "layout": layout})


def weight_histograms(weights: dict[str, np.ndarray]) -> FrozenFigure:
    """Histogram of every weight entry, overlaid per run."""
    allw = np.concatenate([w for w in weights.values()]) if weights else np.zeros(1)
    with np.errstate(invalid="ignore"):
        lim = float(np.nanpercentile(np.abs(allw), 99.5)) if np.isfinite(allw).any() else 1.0
    lim = lim if np.isfinite(lim) and lim > 0 else 1.0
    traces = [dict(type="histogram", x=np.asarray(w, dtype=float), name=name, opacity=0.55,
                   marker=dict(color=RUN_COLOURS.get(name)), xbins=dict(start=-lim, end=lim, size=2 * lim / 60))
              for name, w in weights.items()]
    layout = _layout(title=_title("Distribution of the weights"), height=360, barmode="overlay",
                     xaxis=dict(title=_title("weight value"), range=[-lim, lim]), yaxis=dict(title=_title("count")),
                     legend=LEGEND_BELOW)
    return FrozenFigure({"data": traces, "layout": layout})


def _node_y(n: int) -> np.ndarray:
    return np.linspace(-(n - 1) / 2, (n - 1) / 2, n) if n > 1 else np.zeros(1)


def _edges(x0: int, y0: np.ndarray, y1: np.ndarray, blocks) -> tuple[np.ndarray, np.ndarray]:
    """The edges (x0, y0[j]) — (x0 + 1, y1[i]) for every j in A and i in B of each (A, B) boolean-mask pair in
    ``blocks``, each block as ONE line: j, i₁, j, i₂, …, j, i_q, then the next j (its edge to i_q is in the block
    too, so nothing but edges is drawn). Blocks are NaN-separated. Plotly draws one SVG path per unbroken piece:
    an edge per piece made the 2-50-50-1 network 2,650 paths (~0.4 s of every redraw of the diagram)."""
    xs, ys = [], []
    for A, B in blocks:
        j, i = np.flatnonzero(A), np.flatnonzero(B)
        if j.size and i.size:
            xs += [np.tile([float(x0), x0 + 1.0], j.size * i.size), [np.nan]]
            ys += [np.column_stack([np.repeat(y0[j], i.size), np.tile(y1[i], j.size)]).ravel(), [np.nan]]
    if not xs:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)  # exact: small ints, halves


def network_diagram(layer_dims: list[int], masks: list[np.ndarray | None], keep_probs: list[float],
                    title: str = "") -> FrozenFigure:
    """The network as nodes and edges; hidden units with mask False are grey with an ×, their edges faded.

    ``masks[l−1]`` is the boolean mask of hidden layer l (length n[l]) or None (no dropout there).
    """
    L = len(layer_dims) - 1
    ys = [_node_y(n) for n in layer_dims]
    kept = [np.ones(layer_dims[0], bool)] + [
        np.ones(layer_dims[l], bool) if (l == L or masks[l - 1] is None) else np.asarray(masks[l - 1], bool)
        for l in range(1, L + 1)]
    live, dead = [], []
    for l in range(1, L + 1):
        a, b = kept[l - 1], kept[l]  # an edge is live when both its units are kept
        live.append(_edges(l - 1, ys[l - 1], ys[l], [(a, b)]))
        dead.append(_edges(l - 1, ys[l - 1], ys[l], [(~a, np.ones_like(b)), (a, ~b)]))
    cat = lambda parts, k: np.concatenate([p[k] for p in parts])  # noqa: E731
    # each edge is traced twice (there and back) in one line: lighter colours give the look of single strokes
    traces = [
        dict(type="scatter", x=cat(dead, 0), y=cat(dead, 1), mode="lines", name="edge of a dropped unit",
             hoverinfo="skip", line=dict(color="rgba(180,180,180,0.14)", width=1, dash="dot")),
        dict(type="scatter", x=cat(live, 0), y=cat(live, 1), mode="lines", name="active edge", hoverinfo="skip",
             line=dict(color="rgba(31,119,180,0.2)", width=1)),
    ]
    size = float(np.clip(420 / max(layer_dims), 7, 16))
    nodes = {True: ([], [], []), False: ([], [], [])}
    for l, n in enumerate(layer_dims):
        for i in range(n):
            x, y, t = nodes[bool(kept[l][i])]
            x.append(l), y.append(float(ys[l][i]))
            t.append(f"layer {l}, unit {i + 1}" + ("" if kept[l][i] else " (dropped)"))
    (kx, ky, kt), (dx, dy, dt) = nodes[True], nodes[False]
    traces += [
        dict(type="scatter", x=np.array(kx, float), y=np.array(ky, float), mode="markers", name="kept unit", text=kt,
             hoverinfo="text", marker=dict(size=size, color="#1f77b4", line=dict(color="white", width=1.5))),
        dict(type="scatter", x=np.array(dx, float), y=np.array(dy, float), mode="markers",
             name="dropped unit (d = 0)", text=dt, hoverinfo="text",
             marker=dict(size=size, color="#d9d9d9", symbol="circle-x", line=dict(color="#969696", width=1.5))),
    ]
    names = ["input x"] + [
        f"hidden {l}<br>keep_prob {keep_probs[l - 1]:g}<br>{int(kept[l].sum())}/{layer_dims[l]} kept"
        for l in range(1, L)] + ["output ŷ"]
    top = (max(layer_dims) - 1) / 2 + 0.6
    layout = _layout(
        height=int(np.clip(12 * max(layer_dims) + 220, 380, 640)), showlegend=True,
        xaxis=dict(visible=False, range=[-0.4, L + 0.4]), yaxis=dict(visible=False, range=[-top, top]),
        legend=dict(orientation="h", y=0, yanchor="top"),
        annotations=[dict(x=l, y=1.0, yref="paper", text=text, showarrow=False, yanchor="bottom", font=dict(size=13))
                     for l, text in enumerate(names)],
        title=dict(text=title, y=0.97, yanchor="top"))
    layout["margin"] = dict(l=60, r=20, t=130 if title else 100, b=50)
    return FrozenFigure({"data": traces, "layout": layout})


def expected_value_bars(rows: list[tuple[str, ExpectedValue]]) -> FrozenFigure:
    """Mean activation per hidden layer: no dropout, masked without 1/keep_prob, inverted dropout."""
    labels = [r[0].replace(" (", "<br>(") for r in rows]  # two short lines: long labels tilt and squeeze the bars
    series = [("no dropout: mean a", "no_dropout", "#7f7f7f"),
              ("a·d (no scaling): too small", "masked_only", "#ff7f0e"),
              ("a·d / keep_prob (inverted)", "inverted", "#9467bd")]
    traces = [dict(type="bar", x=labels, y=np.array([getattr(r[1], attr) for r in rows], dtype=float), name=name,
                   marker=dict(color=colour), text=[f"{getattr(r[1], attr):.3f}" for r in rows],
                   textposition="outside")
              for name, attr, colour in series]
    layout = _layout(title=_title("Mean activation per hidden layer"), height=420, barmode="group",
                     yaxis=dict(title=_title("mean activation"), rangemode="tozero"),
                     legend=LEGEND_BELOW)
    return FrozenFigure({"data": traces, "layout": layout})
