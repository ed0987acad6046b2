"""The input-normalization page's figures: the data before, centred and scaled; the cost contours with each
optimizer's path; and the cost against iterations.
"""
from __future__ import annotations

import numpy as np
import plotly.colors

from .. import normalization
from .style import FrozenFigure, log_thin, set_axis, subplot_layout, white_figure

COLOURS = {"sgd": "#1f77b4", "momentum": "#d62728", "adam": "#2ca02c"}
ROUND_OFF = 1e-13  # relative cost gap below which float64 round-off dominates


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
    layout = subplot_layout(1, 3, [s[0] for s in stages], horizontal_spacing=0.07)
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
        set_axis(layout, f"xaxis{axis}", range=[float(v) for v in xr], title_text="x₁", zeroline=True,
              zerolinecolor="#999")
        set_axis(layout, f"yaxis{axis}", range=[float(v) for v in yr], title_text="x₂", zeroline=True,
              zerolinecolor="#999", scaleanchor=f"x{axis}", scaleratio=1)
    return white_figure(data, layout, 420)


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


MARKED_STEPS = 60  # paths with at most this many points show a dot per step


def cost_contours(cmp, methods=("sgd", "momentum", "adam"), grid: int = 120) -> FrozenFigure:
    """J(w₁, w₂) for the raw and the normalized inputs on equal-scale axes, contours at relative gaps
    10⁻⁴ … 1, with each optimizer's path from w = 0."""
    layout = subplot_layout(1, 2, [f"Raw inputs: κ = {fmt_kappa(cmp.raw.condition)}",
                          f"Normalized inputs: κ = {fmt_kappa(cmp.norm.condition)}"], horizontal_spacing=0.1)
    data = []
    for j, (kind, q) in enumerate((("raw", cmp.raw), ("norm", cmp.norm)), start=1):
        axis = "" if j == 1 else str(j)
        refs = dict(xaxis=f"x{axis}", yaxis=f"y{axis}")
        w = q.w_star
        runs = [(rank, name, cmp.runs.get((kind, name))) for rank, name in enumerate(methods)]
        shown = [(rank, name, run, run.path.xy[:, 0][log_thin(len(run.path.xy))]) for rank, name, run in runs if run]
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
            # a dot per step while they can be told apart; past that the browser would draw thousands of SVG
            # markers (most of the chart's redraw time) that merge into the line anyway
            data.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], name=run.label,
                             mode="lines+markers" if len(xy) <= MARKED_STEPS else "lines",
                             legendgroup=name, legendrank=rank + 1, showlegend=j == 1,
                             line=dict(color=COLOURS[name], width=2), marker=dict(size=3), **refs))
        data.append(dict(type="scatter", x=[float(w[0])], y=[float(w[1])], mode="markers", name="minimum w*",
                         legendgroup="min", showlegend=j == 1, marker=dict(symbol="star", size=14, color="black"),
                         **refs))
        set_axis(layout, f"xaxis{axis}", range=[float(v) for v in xr], title_text="w₁")
        set_axis(layout, f"yaxis{axis}", range=[float(v) for v in yr], title_text="w₂", scaleanchor=f"x{axis}",
              scaleratio=1)
    return white_figure(data, layout, 500)


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
            idx = log_thin(end)
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
    return white_figure(data, layout, 420)
