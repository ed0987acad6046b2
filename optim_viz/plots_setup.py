"""Figure builders for the "setting up the problem" pages: normalization, initialization, gradient checking.

Each takes arrays or results from ``normalization``, ``depth`` and ``gradcheck`` and returns a figure. They build
plain specs sent as ``plots.FrozenFigure`` (no plotly validation on a cache miss: 10–300 ms per figure otherwise);
``tests/test_plots_setup.py`` checks that each validates as a ``go.Figure`` and serializes as plotly would.
"""
from __future__ import annotations

import copy
import functools

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import gradcheck, normalization
from .plots import FrozenFigure

COLOURS = {"sgd": "#1f77b4", "momentum": "#d62728", "adam": "#2ca02c"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
FONT = dict(size=14)
ROUND_OFF = 1e-13  # relative cost gap below which float64 round-off dominates


@functools.lru_cache(maxsize=4)
def _template(name: str = "plotly_white") -> dict:
    return go.Figure(layout=dict(template=name)).to_dict()["layout"]["template"]


@functools.lru_cache(maxsize=16)
def _subplot_grid(rows: int, cols: int, n_titles: int, **kw) -> dict:
    """Axis domains and subplot-title annotations of ``make_subplots`` (computed once per shape)."""
    layout = make_subplots(rows, cols, subplot_titles=["t"] * n_titles, **kw).to_dict()["layout"]
    layout.pop("template", None)
    return layout


def _grid(rows: int, cols: int, titles=(), **kw) -> dict:
    """A fresh copy of ``make_subplots``'s layout with ``titles`` filled in."""
    layout = copy.deepcopy(_subplot_grid(rows, cols, len(titles), **kw))
    for a, text in zip(layout.get("annotations", []), titles):
        a["text"] = text
    return layout


def _axis(layout: dict, name: str, **props) -> None:
    """Merge ``props`` into ``layout[name]`` (``title_text`` as plotly's magic underscore does)."""
    ax = layout.setdefault(name, {})
    if "title_text" in props:
        ax["title"] = {**ax.get("title", {}), "text": props.pop("title_text")}
    ax.update(props)


def _figure(data: list, layout: dict, height: int, **kw) -> FrozenFigure:
    """The page's common layout (white template, 14 px type, legend on top) over ``layout``; ``kw`` wins."""
    base = dict(height=height, template=_template(), font=FONT, margin=dict(l=60, r=20, t=60, b=50),
                legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0))
    return FrozenFigure({"data": data, "layout": {**layout, **base, **kw}})


def _thin(n: int, dense: int = 150, total: int = 400) -> np.ndarray:
    """Indices 0..n−1: every one of the first ``dense``, then log-spaced (long runs stay light)."""
    if n <= total:
        return np.arange(n)
    tail = np.unique(np.geomspace(dense, n - 1, total - dense).astype(int))
    return np.unique(np.r_[np.arange(dense), tail, n - 1])


fmt_kappa = normalization.fmt_kappa


def _square(center, half) -> tuple[list, list]:
    return [center[0] - half, center[0] + half], [center[1] - half, center[1] + half]


# ---------------------------------------------------------------------------------------------
# Input normalization

def normalization_stages(cmp) -> FrozenFigure:
    """Raw, centred and normalized training points (circles) and test points (crosses, transformed with the
    TRAINING μ and σ), each panel with equal scales on both axes."""
    d = cmp.data
    stages = [("Raw x", d.X_train, d.X_test), ("Centred: x − μ", cmp.X_centred, d.X_test - cmp.mu),
              ("Normalized: (x − μ) / σ", cmp.X_train_n, cmp.X_test_n)]
    layout = _grid(1, 3, [s[0] for s in stages], horizontal_spacing=0.07)
    data = []
    for j, (_, tr, te) in enumerate(stages, start=1):
        axis = "" if j == 1 else str(j)
        data.append(dict(type="scatter", x=tr[0], y=tr[1], mode="markers", name="training set", legendgroup="train",
                         showlegend=j == 1, marker=dict(size=5, color="#1f77b4", opacity=0.6),
                         xaxis=f"x{axis}", yaxis=f"y{axis}"))
        data.append(dict(type="scatter", x=te[0], y=te[1], mode="markers", name="test set (training μ, σ)",
                         legendgroup="test", showlegend=j == 1, marker=dict(size=7, color="#ff7f0e", symbol="x"),
                         xaxis=f"x{axis}", yaxis=f"y{axis}"))
        pts = np.hstack([tr, te, np.zeros((2, 1))])
        lo, hi = pts.min(axis=1), pts.max(axis=1)
        half = 0.55 * max(hi - lo) + 1e-9
        xr, yr = _square((lo + hi) / 2, half)
        _axis(layout, f"xaxis{axis}", range=[float(v) for v in xr], title_text="x₁", zeroline=True,
              zerolinecolor="#999")
        _axis(layout, f"yaxis{axis}", range=[float(v) for v in yr], title_text="x₂", zeroline=True,
              zerolinecolor="#999", scaleanchor=f"x{axis}", scaleratio=1)
    return _figure(data, layout, 420)


_BLUES = [list(c) for c in plotly.colors.get_colorscale("Blues")]  # as plotly's validator expands "Blues"


def _panel_half(w: np.ndarray, paths, cap: float = 3.0) -> tuple[np.ndarray, float]:
    """Centre and half-width of a square cost panel: w = 0 and w* in view, and the shown paths too (a zig-zag
    that overshoots the minimum stays visible), at most ``cap`` |w*| wide."""
    r = max(np.hypot(*w), 1e-9)
    centre, half = w / 2, 0.65 * r
    for xy in paths:
        ok = np.isfinite(xy).all(axis=1)
        if ok.any():
            half = max(half, 1.05 * float(np.abs(xy[ok] - centre).max()))
    return centre, min(half, cap * r)


def cost_contours(cmp, methods=("sgd", "momentum", "adam"), grid: int = 120) -> FrozenFigure:
    """J(w₁, w₂) for the raw and the normalized inputs on equal-scale axes, contours at relative gaps
    10⁻⁴ … 1, with each optimizer's path from w = 0."""
    layout = _grid(1, 2, [f"Raw inputs: κ = {fmt_kappa(cmp.raw.condition)}",
                          f"Normalized inputs: κ = {fmt_kappa(cmp.norm.condition)}"], horizontal_spacing=0.1)
    data = []
    for j, (kind, q) in enumerate((("raw", cmp.raw), ("norm", cmp.norm)), start=1):
        axis = "" if j == 1 else str(j)
        refs = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
        w = q.w_star
        runs = [(rank, name, cmp.runs.get((kind, name))) for rank, name in enumerate(methods)]
        shown = [(rank, name, run, run.path.xy[:, 0][_thin(len(run.path.xy))]) for rank, name, run in runs if run]
        centre, half = _panel_half(w, [xy for *_, xy in shown])
        xr, yr = _square(centre, half)
        w1, w2 = np.linspace(*xr, grid), np.linspace(*yr, grid)
        J0, Js = float(q.cost(0.0, 0.0)), q.J_star
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log10(np.maximum((q.cost(w1[None, :], w2[:, None]) - Js) / max(J0 - Js, 1e-300), 1e-12))
        data.append(dict(type="contour", x=w1, y=w2, z=z, contours=dict(start=-4, end=1, size=0.5),
                         colorscale=_BLUES, reversescale=True, showscale=j == 2, opacity=0.55, line=dict(width=0.8),
                         colorbar=dict(title=dict(text="log₁₀ gap"), len=0.8), hoverinfo="skip", name="cost", **refs))
        for rank, name, run, xy in reversed(shown):  # gradient descent drawn last, on top
            data.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name=run.label,
                             legendgroup=name, legendrank=rank + 1, showlegend=j == 1,
                             line=dict(color=COLOURS[name], width=2), marker=dict(size=3), **refs))
        data.append(dict(type="scatter", x=[float(w[0])], y=[float(w[1])], mode="markers", name="minimum w*",
                         legendgroup="min", showlegend=j == 1, marker=dict(symbol="star", size=14, color="black"),
                         **refs))
        _axis(layout, f"xaxis{axis}", range=[float(v) for v in xr], title_text="w₁")
        _axis(layout, f"yaxis{axis}", range=[float(v) for v in yr], title_text="w₂", scaleanchor=f"x{axis}",
              scaleratio=1)
    return _figure(data, layout, 500)


def convergence(cmp, tol: float, methods=("sgd", "momentum", "adam")) -> FrozenFigure:
    """Relative gap (J − J*)/(J(0) − J*) per step on a log axis: solid raw, dashed normalized."""
    data = []
    for kind, dash, tag in (("raw", "solid", "raw"), ("norm", "dash", "normalized")):
        for name in methods:
            run = cmp.runs.get((kind, name))
            if run is None:
                continue
            floor = np.flatnonzero(run.gap < ROUND_OFF)
            end = floor[0] + 1 if floor.size else len(run.gap)  # a curve stops once it reaches round-off
            idx = _thin(end)
            gap = np.where(run.gap[idx] > 0, run.gap[idx], np.nan)
            data.append(dict(type="scatter", x=idx, y=gap, mode="lines", name=f"{run.label}, {tag}",
                             line=dict(color=COLOURS[name], dash=dash, width=2)))
    layout = dict(
        shapes=[dict(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=tol, y1=tol,
                     line=dict(color="black", dash="dot"))],
        # annotations on a log axis take log10 values (shapes take data values)
        annotations=[dict(text=f"tolerance {tol:g}", showarrow=False, xref="x domain", yref="y", x=1,
                          y=float(np.log10(tol)), xanchor="right", yanchor="top")],
        xaxis=dict(title=dict(text="step t")),
        yaxis=dict(title=dict(text="(J − J*) / (J(0) − J*)"), type="log", exponentformat="power"))
    return _figure(data, layout, 420)


# ---------------------------------------------------------------------------------------------
# Initialization and vanishing / exploding gradients

def _positive(v) -> np.ndarray:
    """Values for a log axis: zeros and non-finite values (overflow) become gaps."""
    v = np.asarray(v, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def layer_stats(stats: dict, labels: dict) -> FrozenFigure:
    """Activation spread std(A[l]) and gradient norm ‖dW[l]‖_F per layer, log y: vanishing lines fall,
    exploding lines rise. An initialization whose values are all zero has no line (log axis)."""
    layout = _grid(1, 2, ("Activation spread std(A[l]) (forward)", "Gradient norm ‖dW[l]‖_F (backward)"),
                   horizontal_spacing=0.1)
    data = []
    for i, (k, s) in enumerate(stats.items()):
        colour = PALETTE[i % len(PALETTE)]
        flat = not np.isfinite(_positive(s.spread)).any()
        name = labels.get(k, k) + (" (all zero)" if flat else "") + (" (overflow)" if s.overflow else "")
        data.append(dict(type="scatter", x=np.arange(1, len(s.spread) + 1), y=_positive(s.spread),
                         mode="lines+markers", name=name, legendgroup=k, line=dict(color=colour, width=2),
                         marker=dict(size=4), xaxis="x", yaxis="y"))
        data.append(dict(type="scatter", x=np.arange(1, len(s.grad_norm) + 1), y=_positive(s.grad_norm),
                         mode="lines+markers", name=name, legendgroup=k, showlegend=False,
                         line=dict(color=colour, width=2), marker=dict(size=4), xaxis="x2", yaxis="y2"))
    for ax in ("xaxis", "xaxis2"):
        _axis(layout, ax, title_text="layer l")
    for ax, title in (("yaxis", "std(A[l])"), ("yaxis2", "‖dW[l]‖_F")):
        _axis(layout, ax, type="log", exponentformat="power", title_text=title)
    return _figure(data, layout, 460)


def linear_example(depth: int, curves: dict) -> FrozenFigure:
    """‖a[l]‖ in the deep linear network ``W[l] = w·I`` (markers: the network's forward pass) against the
    closed form ``w^l ‖x‖`` (dotted), for each w in ``curves`` = {w: (norms, ŷ)}."""
    data = []
    l = np.arange(1, depth + 1)
    x_norm = np.sqrt(2.0)
    for i, (w, (norms, y_hat)) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        data.append(dict(type="scatter", x=l, y=_positive(norms), mode="markers", name=f"w = {w:g}: ŷ = {y_hat:.3g}",
                         marker=dict(size=7, color=colour)))
        with np.errstate(over="ignore"):
            data.append(dict(type="scatter", x=l, y=_positive(float(w) ** l * x_norm), mode="lines",
                             name=f"{w:g}^l ‖x‖", line=dict(color=colour, dash="dot")))
    layout = dict(xaxis=dict(title=dict(text="layer l")),
                  yaxis=dict(title=dict(text="‖a[l]‖"), type="log", exponentformat="power"))
    return _figure(data, layout, 400)


def symmetry(runs: dict, labels: dict) -> FrozenFigure:
    """W[1][i, 0] for every hidden unit i during training: with a symmetric start all lines stay on top of
    each other (the units never differ); a random start spreads them."""
    layout = _grid(1, len(runs), [f"{labels.get(k, k)}<br>max unit difference {r.unit_spread[-1]:.2g}"
                                  for k, r in runs.items()], shared_yaxes=False, horizontal_spacing=0.06)
    data = []
    for j, r in enumerate(runs.values(), start=1):
        axis = "" if j == 1 else str(j)
        for i in range(r.W1_column.shape[1]):
            data.append(dict(type="scatter", x=r.iteration, y=r.W1_column[:, i], mode="lines", name=f"unit {i + 1}",
                             legendgroup=str(i), showlegend=j == 1, line=dict(color=PALETTE[i % len(PALETTE)], width=2),
                             xaxis=f"x{axis}", yaxis=f"y{axis}"))
        _axis(layout, f"xaxis{axis}", title_text="iteration")
    _axis(layout, "yaxis", title_text="W[1][i, 0]")
    return _figure(data, layout, 400, margin=dict(l=60, r=20, t=80, b=50),
                   legend=dict(orientation="v", x=1.01, y=1, yanchor="top"))


def training(runs: dict, labels: dict) -> FrozenFigure:
    """Training cost per iteration from each initialization; the legend gives the final training accuracy."""
    data = [dict(type="scatter", x=r.iteration, y=r.cost, mode="lines", line=dict(color=PALETTE[i % len(PALETTE)],
                                                                                  width=2),
                 name=f"{labels.get(k, k)}: {100 * r.train_accuracy:.0f}% train accuracy")
            for i, (k, r) in enumerate(runs.items())]
    layout = dict(xaxis=dict(title=dict(text="iteration")), yaxis=dict(title=dict(text="cost J (cross-entropy)")))
    return _figure(data, layout, 440, legend=dict(orientation="v", x=1.01, y=1))


# ---------------------------------------------------------------------------------------------
# Gradient checking

FLOOR = 1e-17  # where an exact zero is drawn on a log axis


def _bands(axis: str = "y", xref: str = "x", yref: str = "y") -> tuple[list, list]:
    """``gradcheck.BANDS`` (the course's 1e-7 / 1e-5 / 1e-3 reading, the verdict's table) as shaded bands along the
    LOG axis ``axis``: (shapes, annotations). Shapes take data values, annotations on a log axis log10 values."""
    shapes, notes = [], []
    for b in gradcheck.BANDS:
        lo, hi = max(b.lo, 1e-16), min(b.hi, 10.0)
        if axis == "y":
            shapes.append(dict(type="rect", xref=f"{xref} domain", yref=yref, x0=0, x1=1, y0=lo, y1=hi,
                               fillcolor=b.colour, opacity=0.13, line=dict(width=0), layer="below"))
            notes.append(dict(xref=f"{xref} domain", yref=yref, x=1.0, y=float(np.log10(max(lo, 1e-13) * hi) / 2),
                              text=b.label, showarrow=False, xanchor="right", font=dict(color=b.colour, size=12)))
        else:
            shapes.append(dict(type="rect", xref=xref, yref=f"{yref} domain", x0=lo, x1=hi, y0=0, y1=1,
                               fillcolor=b.colour, opacity=0.13, line=dict(width=0), layer="below"))
            notes.append(dict(xref=xref, yref=f"{yref} domain", x=float(np.log10(lo * min(hi, 1.0)) / 2), y=1.0,
                              text=b.label, showarrow=False, yanchor="bottom", font=dict(color=b.colour, size=13)))
    return shapes, notes


def difference_gauge(diff: float) -> FrozenFigure:
    """Where the relative difference falls among the bands, on a log axis from 1e-16 to 1."""
    shapes, notes = _bands(axis="x")
    x = max(diff, FLOOR) if np.isfinite(diff) else 1.0
    data = [dict(type="scatter", x=[float(x)], y=[0], mode="markers+text", text=[f"{diff:.2e}"],
                 textposition="bottom center", marker=dict(symbol="diamond", size=18, color="black"),
                 name="relative difference", textfont=dict(size=16))]
    layout = dict(shapes=shapes, annotations=notes,
                  xaxis=dict(type="log", range=[-16, 0.5], exponentformat="power", dtick=1,
                             title=dict(text="‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)")),
                  yaxis=dict(visible=False, range=[-1, 1]))
    return _figure(data, layout, 200, showlegend=False, margin=dict(l=30, r=30, t=40, b=60))


def component_errors(blocks: list[str], block_diff, names: list[str], block, component) -> FrozenFigure:
    """Top: relative difference per parameter block (W1, b1, ...) with the bands; bottom: |dθ_approx − dθ| per
    component, coloured by block. The broken block stands out of the green band."""
    layout = _grid(2, 1, ("Relative difference per parameter block", "|dθ_approx[i] − dθ[i]| per component"),
                   vertical_spacing=0.16, row_heights=(0.45, 0.55))
    bd = np.maximum(np.asarray(block_diff, float), FLOOR)
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(blocks))]
    data = [dict(type="bar", x=list(blocks), y=bd, marker=dict(color=colours), name="per block", showlegend=False,
                 text=[f"{v:.1e}" for v in block_diff], textposition="outside", xaxis="x", yaxis="y")]
    comp = np.maximum(np.asarray(component, float), FLOOR)
    block = np.asarray(block)
    for i, b in enumerate(blocks):
        sel = np.flatnonzero(block == i)
        data.append(dict(type="bar", x=[names[j] for j in sel], y=comp[sel], marker=dict(color=colours[i]), name=b,
                         xaxis="x2", yaxis="y2"))
    shapes, notes = _bands(axis="y", xref="x", yref="y")
    layout["shapes"], layout["annotations"] = shapes, layout["annotations"] + notes
    for ax, title in (("yaxis", "relative diff."), ("yaxis2", "|difference|")):
        _axis(layout, ax, type="log", exponentformat="power", range=[-17, 1], dtick=2, title_text=title)
    _axis(layout, "xaxis2", tickangle=-60, tickfont=dict(size=10))
    return _figure(data, layout, 640, bargap=0.15)


def eps_sweep(eps, two_sided, one_sided, chosen: float, bug=None, bug_label: str = "") -> FrozenFigure:
    """Relative difference against ε on log-log axes: V-shaped for a correct gradient (round-off ∝ 1/ε on the
    left, truncation ∝ ε² two-sided or ∝ ε one-sided on the right)."""
    eps = np.asarray(eps, float)
    shapes, notes = _bands(axis="y")
    data = [dict(type="scatter", x=eps, y=np.maximum(two_sided, FLOOR), mode="lines+markers",
                 name="two-sided (J(θ+ε) − J(θ−ε))/2ε", line=dict(color="#1f77b4", width=3)),
            dict(type="scatter", x=eps, y=np.maximum(one_sided, FLOOR), mode="lines+markers",
                 name="one-sided (J(θ+ε) − J(θ))/ε", line=dict(color="#ff7f0e", width=3, dash="dash"))]
    if bug is not None:
        data.append(dict(type="scatter", x=eps, y=np.maximum(bug, FLOOR), mode="lines", name=f"two-sided, {bug_label}",
                         line=dict(color="#d62728", width=2, dash="dot")))
    shapes.append(dict(type="line", xref="x", yref="y domain", x0=chosen, x1=chosen, y0=0, y1=1,
                       line=dict(color="black", dash="dot")))
    notes.append(dict(text=f"ε = {chosen:.2g}", showarrow=False, xref="x", yref="y domain",
                      x=float(np.log10(chosen)), y=1, xanchor="right", yanchor="top"))
    layout = dict(shapes=shapes, annotations=notes,
                  xaxis=dict(type="log", exponentformat="power", title=dict(text="ε"), dtick=1),
                  yaxis=dict(type="log", exponentformat="power", title=dict(text="relative difference"),
                             range=[-13, 0.5]))
    return _figure(data, layout, 480)
