"""The mini-batch page's figures: cost per iteration and per epoch for each batch size, and the (w₁, w₂) paths over
the contour of the full-batch cost.
"""
from __future__ import annotations

import numpy as np
import plotly.colors

from .style import PALETTE, FrozenFigure, floats, line_layout, thin

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
    layout = line_layout("Cost per iteration on the current mini-batch", None, "J{t}",
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
        traces.append(dict(type="scatter", x=idx + 1, y=floats(r.cost_iter)[idx], xaxis="x" + ax, yaxis="y" + ax,
                           mode="lines+markers" if idx.size < 60 else "lines", name=batch_label(r.batch_size, m),
                           line=dict(color=PALETTE[i % len(PALETTE)], width=1.5), showlegend=False))
        if smoothed is not None and r.cost_iter.size > 20:
            traces.append(dict(type="scatter", x=idx + 1, y=floats(smoothed[i])[idx], xaxis="x" + ax, yaxis="y" + ax,
                               mode="lines", name=f"EWMA of J{{t}}, β = {beta:g}", line=dict(color="black", width=2),
                               showlegend=i == 0, legendgroup="ewma"))
        if r.cost_iter.size <= 20:
            layout["xaxis" + ax].update(tick0=1, dtick=1)
    if runs:
        layout["xaxis" + ("" if n == 1 else str(n))]["title"] = dict(text="iteration t (one mini-batch each)")
    return FrozenFigure({"data": traces, "layout": layout})


def cost_per_epoch_figure(runs: list, m: int) -> FrozenFigure:
    """Full-batch cost after each epoch for every run, on one axis."""
    traces = [dict(type="scatter", x=np.arange(r.cost_epoch.size), y=floats(r.cost_epoch), mode="lines+markers",
                   name=batch_label(r.batch_size, m), line=dict(color=PALETTE[i % len(PALETTE)], width=3))
              for i, r in enumerate(runs)]
    layout = line_layout("Cost per epoch on the whole training set", "epoch", "J (full batch)",
                     margin=dict(l=70, r=20, t=115, b=55))
    if runs and runs[0].cost_epoch.size <= 11:
        layout["xaxis"].update(tick0=0, dtick=1)
    return FrozenFigure({"data": traces, "layout": layout})


def paths_figure(w1, w2, J, runs: list, m: int, optimum, start, labels: list | None = None,
                 title: str = "Paths in (w₁, w₂) over the full-batch cost", colours: list | None = None,
                 start_name: str = "start") -> FrozenFigure:
    """The (w₁, w₂) path of every run over the contour of the full-batch cost (b fixed at its optimum);
    runs are labelled by batch size unless ``labels`` are given. Low cost is light, so paths stay visible."""
    traces = [dict(type="contour", x=floats(w1), y=floats(w2), z=floats(J),
                   colorscale=plotly.colors.get_colorscale("Blues"),
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
    layout = line_layout(title, "w₁", "w₂", height=600, hovermode="closest", margin=dict(l=60, r=10, t=50, b=150),
                     legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0.0))
    layout["xaxis"].update(range=[float(w1[0]), float(w1[-1])], showgrid=False)
    layout["yaxis"].update(range=[float(w2[0]), float(w2[-1])], showgrid=False, scaleanchor="x", constrain="domain")
    return FrozenFigure({"data": traces, "layout": layout})


def view_axes(paths: list, optimum: np.ndarray, start: np.ndarray, n: int = 80, q: float = 0.5,
              margin: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Axes ``w1``, ``w2`` of n points over a box that shows the paths without their rare outliers and always
    holds the optimum and the start: per coordinate ``lo = min(P_q, optimum, start) − margin`` and
    ``hi = max(P_{100−q}, optimum, start) + margin``, P_q the q-th percentile of every (w₁, w₂) in ``paths``
    (the optimum and the start included)."""
    pts = np.concatenate([p[:, :2] for p in paths] + [optimum[None, :2], start[None, :2]])
    lo, hi = np.percentile(pts, q, axis=0), np.percentile(pts, 100 - q, axis=0)
    lo = np.minimum(lo, np.minimum(optimum[:2], start[:2])) - margin
    hi = np.maximum(hi, np.maximum(optimum[:2], start[:2])) + margin
    return np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
