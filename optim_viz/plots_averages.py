"""Plotly figure builders for the EWMA, learning-rate decay and mini-batch pages.

Every builder takes arrays (and labels) and returns a ``go.Figure``; nothing here computes a course
formula, it only draws what ``ewma``, ``schedules`` and ``minibatch`` return.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=14)
PALETTE = ["#d62728", "#2ca02c", "#e6a100", "#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
RAW = "rgba(90, 90, 90, 0.45)"
MAX_POINTS = 2000  # per line trace: enough to show noise, small enough for a fast rerun


def _layout(fig: go.Figure, title: str, xtitle: str, ytitle: str, height: int = 420, **kw) -> go.Figure:
    # title on its own line at the top, the legend between it and the plot, so they never overlap
    style = dict(title=dict(text=title, x=0.01, y=0.985, yref="container", yanchor="top"), height=height, font=FONT,
                 plot_bgcolor="white", margin=dict(l=70, r=20, t=95, b=55), hovermode="x unified",
                 legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0))
    fig.update_layout(**{**style, **kw})
    fig.update_xaxes(title=xtitle, showgrid=True, gridcolor="#eee", zeroline=False, linecolor="#999")
    fig.update_yaxes(title=ytitle, showgrid=True, gridcolor="#eee", zeroline=False, linecolor="#999")
    return fig


def thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices 0..n−1 at a constant stride so at most ~max_points remain (the last one kept)."""
    stride = max(1, int(np.ceil(n / max_points)))
    idx = np.arange(0, n, stride)
    return idx if idx.size == 0 or idx[-1] == n - 1 else np.append(idx, n - 1)


# ------------------------------------------------------------------------------------------ EWMA

def ewma_figure(x, theta, corrected, uncorrected, beta: float, xtitle: str, ytitle: str,
                title: str = "Raw series and its exponentially weighted average") -> go.Figure:
    """Raw points, the bias-corrected EWMA and (if given) the uncorrected one."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=theta, mode="markers", name="raw θ_t", marker=dict(size=5, color=RAW)))
    if uncorrected is not None:
        fig.add_trace(go.Scatter(x=x, y=uncorrected, mode="lines", name=f"v_t, uncorrected (β = {beta:g})",
                                 line=dict(color=PALETTE[3], width=2.5, dash="dash")))
    fig.add_trace(go.Scatter(x=x, y=corrected, mode="lines", name=f"v_t / (1 − β^t), corrected (β = {beta:g})",
                             line=dict(color=PALETTE[0], width=3)))
    return _layout(fig, title, xtitle, ytitle)


def compare_figure(x, theta, betas, rows, xtitle: str, ytitle: str) -> go.Figure:
    """Raw points and one bias-corrected EWMA per β (the classic 0.5 / 0.9 / 0.98 picture)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=theta, mode="markers", name="raw θ_t", marker=dict(size=5, color=RAW)))
    colours = {0.5: "#e6a100", 0.9: "#d62728", 0.98: "#2ca02c"}  # the course's yellow / red / green
    for i, (b, row) in enumerate(zip(betas, rows)):
        fig.add_trace(go.Scatter(x=x, y=row, mode="lines", name=f"β = {b:g} (≈ {1 / (1 - b):.0f} points)",
                                 line=dict(color=colours.get(b, PALETTE[(i + 3) % len(PALETTE)]), width=3)))
    return _layout(fig, "Several β at once: smoother means later", xtitle, ytitle)


def zoom_figure(x, theta, corrected, uncorrected, beta: float, xtitle: str, ytitle: str) -> go.Figure:
    """The first few points: the uncorrected EWMA starts near 0 (v_0 = 0), the corrected one does not."""
    fig = ewma_figure(x, theta, corrected, uncorrected, beta, xtitle, ytitle,
                      title=f"The first {len(x)} points: where bias correction matters")
    fig.data[0].marker.size = 9
    for tr in fig.data[1:]:
        tr.mode = "lines+markers"
    fig.add_hline(y=0, line=dict(color="#555", width=1))
    return fig


def weights_figure(weights, lag_e: float, beta: float) -> go.Figure:
    """Bars of the weight (1 − β) β^k of the point k steps back, with the 1/e point marked."""
    k = np.arange(len(weights))
    fig = go.Figure(go.Bar(x=k, y=weights, name="weight (1 − β) β^k", marker_color=PALETTE[3],
                           marker_line_width=0, hovertemplate="k = %{x}: weight %{y:.4g}<extra></extra>"))
    top = float(weights[0])
    fig.add_trace(go.Scatter(x=[lag_e, lag_e], y=[0, top], mode="lines", name=f"1/e point: k ≈ {lag_e:.1f}",
                             line=dict(color=PALETTE[0], width=3, dash="dash"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[lag_e], y=[top / np.e], mode="markers", name="weight = today's / e",
                             marker=dict(color=PALETTE[0], size=12, symbol="diamond"),
                             hovertemplate="k = %{x:.1f}: weight %{y:.4g} (today's / e)<extra></extra>"))
    fig.update_layout(bargap=0.05)
    return _layout(fig, f"Weight of each past point (β = {beta:g})",
                   "k (points back in time)", "weight", hovermode="closest")


# ------------------------------------------------------------------------ learning-rate decay

def schedules_figure(curves: dict, log_y: bool = False, beyond: frozenset = frozenset()) -> go.Figure:
    """α against the epoch for each schedule: ``curves`` maps a label to ``(x, α)``; labels in
    ``beyond`` (schedules beyond the course) are drawn dotted."""
    fig = go.Figure()
    for i, (name, (x, lr)) in enumerate(curves.items()):
        idx = thin(len(x))
        step_like = len(x) < 200
        fig.add_trace(go.Scatter(
            x=np.asarray(x)[idx], y=np.asarray(lr)[idx], name=name, mode="lines+markers" if step_like else "lines",
            line=dict(color=PALETTE[i % len(PALETTE)], width=3, shape="hv" if step_like else "linear",
                      dash="dot" if name in beyond else "solid"),
            marker=dict(size=6)))
    fig = _layout(fig, "Learning rate α by epoch (constant within an epoch)", "epoch", "learning rate α",
                  height=460)
    if log_y:
        fig.update_yaxes(type="log")
    return fig


def decay_demo_figure(runs: dict, f_min: float) -> go.Figure:
    """Full-batch cost above its minimum, J − J*, against the epoch (log axis) for each run;
    ``runs`` maps a label to ``(epoch_x, J)``."""
    fig = go.Figure()
    for i, (name, (x, J)) in enumerate(runs.items()):
        fig.add_trace(go.Scatter(x=x, y=np.maximum(np.asarray(J) - f_min, 1e-12), mode="lines", name=name,
                                 line=dict(color=PALETTE[[3, 0][i % 2]], width=2.5)))
    fig = _layout(fig, "Distance to the minimum: full-batch J − J* after every update", "epoch",
                  "J − J*  (log scale)", height=420)
    fig.update_yaxes(type="log", exponentformat="power")
    return fig


# ----------------------------------------------------------------------------- mini-batch

def batch_label(batch_size: int, m: int) -> str:
    if batch_size == 1:
        return "size 1 (stochastic)"
    if batch_size >= m:
        return f"size m = {m} (batch)"
    return f"size {batch_size} (mini-batch)"


def cost_per_iteration_figure(runs: list, m: int, smoothed: list | None = None, beta: float = 0.0) -> go.Figure:
    """One row per run: the mini-batch cost J{t} seen at every update t (noisy for small batches), and
    optionally its EWMA (``smoothed``, one array per run, computed with ``beta``)."""
    fig = make_subplots(rows=len(runs), cols=1, vertical_spacing=0.12 if len(runs) < 4 else 0.06,
                        subplot_titles=[f"{batch_label(r.batch_size, m)}: {r.cost_iter.size} updates"
                                        for r in runs])
    for i, r in enumerate(runs):
        idx = thin(r.cost_iter.size)
        fig.add_trace(go.Scatter(x=idx + 1, y=r.cost_iter[idx], mode="lines+markers" if idx.size < 60 else "lines",
                                 name=batch_label(r.batch_size, m), line=dict(color=PALETTE[i % len(PALETTE)], width=1.5),
                                 showlegend=False), row=i + 1, col=1)
        if smoothed is not None and r.cost_iter.size > 20:
            fig.add_trace(go.Scatter(x=idx + 1, y=np.asarray(smoothed[i])[idx], mode="lines",
                                     name=f"EWMA of J{{t}}, β = {beta:g}", line=dict(color="black", width=2),
                                     showlegend=i == 0, legendgroup="ewma"), row=i + 1, col=1)
        if r.cost_iter.size <= 20:
            fig.update_xaxes(tick0=1, dtick=1, row=i + 1, col=1)
        fig.update_yaxes(title="J{t}", row=i + 1, col=1)
    fig.update_xaxes(title="iteration t (one mini-batch each)", row=len(runs), col=1)
    fig = _layout(fig, "Cost per iteration on the current mini-batch", None, None,
                  height=max(340, 100 + 220 * len(runs)), hovermode="closest")
    fig.update_yaxes(title="J{t}")
    return fig


def cost_per_epoch_figure(runs: list, m: int) -> go.Figure:
    """Full-batch cost after each epoch for every run, on one axis."""
    fig = go.Figure()
    for i, r in enumerate(runs):
        fig.add_trace(go.Scatter(x=np.arange(r.cost_epoch.size), y=r.cost_epoch, mode="lines+markers",
                                 name=batch_label(r.batch_size, m), line=dict(color=PALETTE[i % len(PALETTE)], width=3)))
    fig = _layout(fig, "Cost per epoch on the whole training set", "epoch", "J (full batch)",
                  margin=dict(l=70, r=20, t=115, b=55))
    if runs and runs[0].cost_epoch.size <= 11:
        fig.update_xaxes(tick0=0, dtick=1)
    return fig


def paths_figure(w1, w2, J, runs: list, m: int, optimum, start, labels: list | None = None,
                 title: str = "Paths in (w₁, w₂) over the full-batch cost", colours: list | None = None) -> go.Figure:
    """The (w₁, w₂) path of every run over the contour of the full-batch cost (b fixed at its optimum);
    runs are labelled by batch size unless ``labels`` are given. Low cost is light, so paths stay visible."""
    fig = go.Figure(go.Contour(x=w1, y=w2, z=J, colorscale="Blues", ncontours=25,
                               contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5),
                               colorbar=dict(title="J"), name="J(w₁, w₂, b*)", hoverinfo="skip", opacity=0.85))
    for i, r in enumerate(runs):
        idx = thin(r.path.shape[0])
        fig.add_trace(go.Scatter(x=r.path[idx, 0], y=r.path[idx, 1], mode="lines",
                                 name=labels[i] if labels else batch_label(r.batch_size, m),
                                 opacity=0.75 if r.batch_size == 1 else 1.0,
                                 line=dict(color=(colours or PALETTE)[i % len(colours or PALETTE)],
                                           width=2.5 if r.batch_size > 1 else 1.0)))
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name="start",
                             marker=dict(symbol="circle-open", size=14, color="black", line=dict(width=3))))
    fig.add_trace(go.Scatter(x=[optimum[0]], y=[optimum[1]], mode="markers", name="minimum",
                             marker=dict(symbol="star", size=16, color="gold", line=dict(color="black", width=1))))
    # legend under the axes: this figure is often half-width, where a legend on top would cover the title
    fig = _layout(fig, title, "w₁", "w₂", height=600, hovermode="closest", margin=dict(l=60, r=10, t=50, b=150),
                  legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0.0))
    fig.update_xaxes(range=[float(w1[0]), float(w1[-1])], showgrid=False)
    fig.update_yaxes(range=[float(w2[0]), float(w2[-1])], showgrid=False, scaleanchor="x", constrain="domain")
    return fig
