"""Plotly figure builders for the EWMA, learning-rate decay and mini-batch pages.

Every builder takes arrays (and labels) and returns a ``plots.FrozenFigure`` built from a plain spec (no
plotly validation on the rerun path; ``fig.figure`` is the validated ``go.Figure``). Nothing here computes a
course formula, it only draws what ``ewma``, ``schedules`` and ``minibatch`` return.
"""
from __future__ import annotations

import numpy as np
import plotly.colors

from .plots import FrozenFigure

FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=14)
PALETTE = ["#d62728", "#2ca02c", "#e6a100", "#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
RAW = "rgba(90, 90, 90, 0.45)"
MAX_POINTS = 2000  # per line trace: enough to show noise, small enough for a fast rerun
_AXIS = dict(showgrid=True, gridcolor="#eee", zeroline=False, linecolor="#999")


def _layout(title: str, xtitle: str | None, ytitle: str | None, height: int = 420, axes: int = 1, **kw) -> dict:
    """The pages' common layout: title on its own line at the top, the legend between it and the plot (so they
    never overlap), light grids; ``axes`` x/y pairs (subplots add their domains)."""
    style = dict(title=dict(text=title, x=0.01, y=0.985, yref="container", yanchor="top"), height=height, font=FONT,
                 plot_bgcolor="white", margin=dict(l=70, r=20, t=95, b=55), hovermode="x unified",
                 legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0))
    layout = {**style, **kw}
    for i in range(1, axes + 1):
        n = "" if i == 1 else str(i)
        layout["xaxis" + n] = {**_AXIS, **({"title": dict(text=xtitle)} if xtitle else {})}
        layout["yaxis" + n] = {**_AXIS, **({"title": dict(text=ytitle)} if ytitle else {})}
    return layout


def thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices 0..n−1 at a constant stride so at most ~max_points remain (the last one kept)."""
    stride = max(1, int(np.ceil(n / max_points)))
    idx = np.arange(0, n, stride)
    return idx if idx.size == 0 or idx[-1] == n - 1 else np.append(idx, n - 1)


def _f(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


# ------------------------------------------------------------------------------------------ EWMA

def _ewma_traces(x, theta, corrected, uncorrected, beta: float, zoom: bool = False) -> list[dict]:
    traces = [dict(type="scatter", x=np.asarray(x), y=_f(theta), mode="markers", name="raw θ_t",
                   marker=dict(size=9 if zoom else 5, color=RAW))]
    mode = "lines+markers" if zoom else "lines"
    if uncorrected is not None:
        traces.append(dict(type="scatter", x=np.asarray(x), y=_f(uncorrected), mode=mode,
                           name=f"v_t, uncorrected (β = {beta:g})",
                           line=dict(color=PALETTE[3], width=2.5, dash="dash")))
    traces.append(dict(type="scatter", x=np.asarray(x), y=_f(corrected), mode=mode,
                       name=f"v_t / (1 − β^t), corrected (β = {beta:g})", line=dict(color=PALETTE[0], width=3)))
    return traces


def ewma_figure(x, theta, corrected, uncorrected, beta: float, xtitle: str, ytitle: str,
                title: str = "Raw series and its exponentially weighted average") -> FrozenFigure:
    """Raw points, the bias-corrected EWMA and (if given) the uncorrected one."""
    return FrozenFigure({"data": _ewma_traces(x, theta, corrected, uncorrected, beta),
                         "layout": _layout(title, xtitle, ytitle)})


def compare_figure(x, theta, betas, rows, xtitle: str, ytitle: str) -> FrozenFigure:
    """Raw points and one bias-corrected EWMA per β (the classic 0.5 / 0.9 / 0.98 picture)."""
    traces = [dict(type="scatter", x=np.asarray(x), y=_f(theta), mode="markers", name="raw θ_t",
                   marker=dict(size=5, color=RAW))]
    colours = {0.5: "#e6a100", 0.9: "#d62728", 0.98: "#2ca02c"}  # the course's yellow / red / green
    for i, (b, row) in enumerate(zip(betas, rows)):
        traces.append(dict(type="scatter", x=np.asarray(x), y=_f(row), mode="lines",
                           name=f"β = {b:g} (≈ {1 / (1 - b):.0f} points)",
                           line=dict(color=colours.get(b, PALETTE[(i + 3) % len(PALETTE)]), width=3)))
    return FrozenFigure({"data": traces, "layout": _layout("Several β at once: smoother means later", xtitle, ytitle)})


def zoom_figure(x, theta, corrected, uncorrected, beta: float, xtitle: str, ytitle: str) -> FrozenFigure:
    """The first few points: the uncorrected EWMA starts at (1 − β)·θ₁ (v_0 = 0), the corrected one at θ₁."""
    layout = _layout(f"The first {len(x)} points: where bias correction matters", xtitle, ytitle,
                     shapes=[dict(type="line", x0=0, x1=1, xref="x domain", y0=0, y1=0, yref="y",
                                  line=dict(color="#555", width=1))])
    return FrozenFigure({"data": _ewma_traces(x, theta, corrected, uncorrected, beta, zoom=True), "layout": layout})


def weights_figure(weights, lag_e: float, beta: float) -> FrozenFigure:
    """Bars of the weight (1 − β) β^k of the point k steps back, with the 1/e point marked."""
    weights = _f(weights)
    top = float(weights[0])
    traces = [
        dict(type="bar", x=np.arange(len(weights)), y=weights, name="weight (1 − β) β^k",
             marker=dict(color=PALETTE[3], line=dict(width=0)),
             hovertemplate="k = %{x}: weight %{y:.4g}<extra></extra>"),
        dict(type="scatter", x=[lag_e, lag_e], y=[0, top], mode="lines", name=f"1/e point: k ≈ {lag_e:.1f}",
             line=dict(color=PALETTE[0], width=3, dash="dash"), hoverinfo="skip"),
        dict(type="scatter", x=[lag_e], y=[top / np.e], mode="markers", name="weight = today's / e",
             marker=dict(color=PALETTE[0], size=12, symbol="diamond"),
             hovertemplate="k = %{x:.1f}: weight %{y:.4g} (today's / e)<extra></extra>")]
    layout = _layout(f"Weight of each past point (β = {beta:g})", "k (points back in time)", "weight",
                     hovermode="closest", bargap=0.05)
    return FrozenFigure({"data": traces, "layout": layout})


# ------------------------------------------------------------------------ learning-rate decay

def schedules_figure(curves: dict, log_y: bool = False, beyond: frozenset = frozenset()) -> FrozenFigure:
    """α against the epoch for each schedule: ``curves`` maps a label to ``(x, α)``; labels in
    ``beyond`` (schedules beyond the course) are drawn dotted."""
    traces = []
    for i, (name, (x, lr)) in enumerate(curves.items()):
        idx = thin(len(x))
        step_like = len(x) < 200
        traces.append(dict(
            type="scatter", x=_f(x)[idx], y=_f(lr)[idx], name=name, mode="lines+markers" if step_like else "lines",
            line=dict(color=PALETTE[i % len(PALETTE)], width=3, shape="hv" if step_like else "linear",
                      dash="dot" if name in beyond else "solid"),
            marker=dict(size=6)))
    layout = _layout("Learning rate α by epoch (constant within an epoch)", "epoch", "learning rate α", height=460)
    if log_y:
        layout["yaxis"]["type"] = "log"
    return FrozenFigure({"data": traces, "layout": layout})


def decay_demo_figure(runs: dict, f_min: float) -> FrozenFigure:
    """Full-batch cost above its minimum, J − J*, against the epoch (log axis) for each run;
    ``runs`` maps a label to ``(epoch_x, J)``."""
    traces = [dict(type="scatter", x=_f(x), y=np.maximum(_f(J) - f_min, 1e-12), mode="lines", name=name,
                   line=dict(color=PALETTE[[3, 0][i % 2]], width=2.5))
              for i, (name, (x, J)) in enumerate(runs.items())]
    layout = _layout("Distance to the minimum: full-batch J − J* after every update", "epoch",
                     "J − J*  (log scale)", height=420)
    layout["yaxis"].update(type="log", exponentformat="power")
    return FrozenFigure({"data": traces, "layout": layout})


# ----------------------------------------------------------------------------- mini-batch

def batch_label(batch_size: int, m: int) -> str:
    if batch_size == 1:
        return "size 1 (stochastic)"
    if batch_size >= m:
        return f"size m = {m} (batch)"
    return f"size {batch_size} (mini-batch)"


def cost_per_iteration_figure(runs: list, m: int, smoothed: list | None = None, beta: float = 0.0) -> FrozenFigure:
    """One row per run: the mini-batch cost J{t} seen at every update t (noisy for small batches), and
    optionally its EWMA (``smoothed``, one array per run, computed with ``beta``)."""
    n = max(len(runs), 1)
    gap = 0.12 if n < 4 else 0.06
    height = (1 - gap * (n - 1)) / n  # the rows' share of the plot, as make_subplots lays them out
    layout = _layout("Cost per iteration on the current mini-batch", None, "J{t}",
                     height=max(340, 100 + 220 * len(runs)), axes=n, hovermode="closest", annotations=[])
    traces = []
    for i, r in enumerate(runs):
        ax = "" if i == 0 else str(i + 1)
        top = 1 - i * (height + gap)
        layout["xaxis" + ax].update(anchor="y" + ax, domain=[0.0, 1.0])
        layout["yaxis" + ax].update(anchor="x" + ax, domain=[max(top - height, 0.0), top])
        layout["annotations"].append(dict(font=dict(size=16), showarrow=False, x=0.5, xanchor="center", xref="paper",
                                          y=top, yanchor="bottom", yref="paper",
                                          text=f"{batch_label(r.batch_size, m)}: {r.cost_iter.size} updates"))
        idx = thin(r.cost_iter.size)
        traces.append(dict(type="scatter", x=idx + 1, y=_f(r.cost_iter)[idx], xaxis="x" + ax, yaxis="y" + ax,
                           mode="lines+markers" if idx.size < 60 else "lines", name=batch_label(r.batch_size, m),
                           line=dict(color=PALETTE[i % len(PALETTE)], width=1.5), showlegend=False))
        if smoothed is not None and r.cost_iter.size > 20:
            traces.append(dict(type="scatter", x=idx + 1, y=_f(smoothed[i])[idx], xaxis="x" + ax, yaxis="y" + ax,
                               mode="lines", name=f"EWMA of J{{t}}, β = {beta:g}", line=dict(color="black", width=2),
                               showlegend=i == 0, legendgroup="ewma"))
        if r.cost_iter.size <= 20:
            layout["xaxis" + ax].update(tick0=1, dtick=1)
    if runs:
        layout["xaxis" + ("" if n == 1 else str(n))]["title"] = dict(text="iteration t (one mini-batch each)")
    return FrozenFigure({"data": traces, "layout": layout})


def cost_per_epoch_figure(runs: list, m: int) -> FrozenFigure:
    """Full-batch cost after each epoch for every run, on one axis."""
    traces = [dict(type="scatter", x=np.arange(r.cost_epoch.size), y=_f(r.cost_epoch), mode="lines+markers",
                   name=batch_label(r.batch_size, m), line=dict(color=PALETTE[i % len(PALETTE)], width=3))
              for i, r in enumerate(runs)]
    layout = _layout("Cost per epoch on the whole training set", "epoch", "J (full batch)",
                     margin=dict(l=70, r=20, t=115, b=55))
    if runs and runs[0].cost_epoch.size <= 11:
        layout["xaxis"].update(tick0=0, dtick=1)
    return FrozenFigure({"data": traces, "layout": layout})


def paths_figure(w1, w2, J, runs: list, m: int, optimum, start, labels: list | None = None,
                 title: str = "Paths in (w₁, w₂) over the full-batch cost", colours: list | None = None,
                 start_name: str = "start") -> FrozenFigure:
    """The (w₁, w₂) path of every run over the contour of the full-batch cost (b fixed at its optimum);
    runs are labelled by batch size unless ``labels`` are given. Low cost is light, so paths stay visible."""
    traces = [dict(type="contour", x=_f(w1), y=_f(w2), z=_f(J), colorscale=plotly.colors.get_colorscale("Blues"),
                   ncontours=25, contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5),
                   colorbar=dict(title=dict(text="J")), name="J(w₁, w₂, b*)", hoverinfo="skip", opacity=0.85)]
    palette = colours or PALETTE
    for i, r in enumerate(runs):
        idx = thin(r.path.shape[0])
        traces.append(dict(type="scatter", x=r.path[idx, 0], y=r.path[idx, 1], mode="lines",
                           name=labels[i] if labels else batch_label(r.batch_size, m),
                           opacity=0.75 if r.batch_size == 1 else 1.0,
                           line=dict(color=palette[i % len(palette)], width=2.5 if r.batch_size > 1 else 1.0)))
    traces.append(dict(type="scatter", x=[float(start[0])], y=[float(start[1])], mode="markers", name=start_name,
                       marker=dict(symbol="circle-open", size=14, color="black", line=dict(width=3))))
    traces.append(dict(type="scatter", x=[float(optimum[0])], y=[float(optimum[1])], mode="markers", name="minimum",
                       marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1))))
    # legend under the axes: this figure is often half-width, where a legend on top would cover the title
    layout = _layout(title, "w₁", "w₂", height=600, hovermode="closest", margin=dict(l=60, r=10, t=50, b=150),
                     legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0.0))
    layout["xaxis"].update(range=[float(w1[0]), float(w1[-1])], showgrid=False)
    layout["yaxis"].update(range=[float(w2[0]), float(w2[-1])], showgrid=False, scaleanchor="x", constrain="domain")
    return FrozenFigure({"data": traces, "layout": layout})
