"""The EWMA page's figures: a raw series with its average (bias-corrected and not), several β at once, the first
days zoomed in, and the weights β^k(1−β) an average gives to past values.
"""
from __future__ import annotations

import numpy as np

from .style import PALETTE, FrozenFigure, floats, line_layout

RAW = "rgba(90, 90, 90, 0.45)"


# ------------------------------------------------------------------------------------------ EWMA

def _ewma_traces(x, theta, corrected, uncorrected, beta: float, zoom: bool = False) -> list[dict]:
    traces = [dict(type="scatter", x=np.asarray(x), y=floats(theta), mode="markers", name="raw θ_t",
                   marker=dict(size=9 if zoom else 5, color=RAW))]
    mode = "lines+markers" if zoom else "lines"
    if uncorrected is not None:
        traces.append(dict(type="scatter", x=np.asarray(x), y=floats(uncorrected), mode=mode,
                           name=f"v_t, uncorrected (β = {beta:g})",
                           line=dict(color=PALETTE[3], width=2.5, dash="dash")))
    traces.append(dict(type="scatter", x=np.asarray(x), y=floats(corrected), mode=mode,
                       name=f"v_t / (1 − β^t), corrected (β = {beta:g})", line=dict(color=PALETTE[0], width=3)))
    return traces


def ewma_figure(x, theta, corrected, uncorrected, beta: float, xtitle: str, ytitle: str,
                title: str = "Raw series and its exponentially weighted average") -> FrozenFigure:
    """Raw points, the bias-corrected EWMA and (if given) the uncorrected one."""
    return FrozenFigure({"data": _ewma_traces(x, theta, corrected, uncorrected, beta),
                         "layout": line_layout(title, xtitle, ytitle)})


def compare_figure(x, theta, betas, rows, xtitle: str, ytitle: str) -> FrozenFigure:
    """Raw points and one bias-corrected EWMA per β (the classic 0.5 / 0.9 / 0.98 picture)."""
    traces = [dict(type="scatter", x=np.asarray(x), y=floats(theta), mode="markers", name="raw θ_t",
                   marker=dict(size=5, color=RAW))]
    colours = {0.5: "#e6a100", 0.9: "#d62728", 0.98: "#2ca02c"}  # the course's yellow / red / green
    for i, (b, row) in enumerate(zip(betas, rows)):
        traces.append(dict(type="scatter", x=np.asarray(x), y=floats(row), mode="lines",
                           name=f"β = {b:g} (≈ {1 / (1 - b):.0f} points)",
                           line=dict(color=colours.get(b, PALETTE[(i + 3) % len(PALETTE)]), width=3)))
    layout = line_layout("Several β at once: smoother means later", xtitle, ytitle)
    return FrozenFigure({"data": traces, "layout": layout})


def zoom_figure(x, theta, corrected, uncorrected, beta: float, xtitle: str, ytitle: str) -> FrozenFigure:
    """The first few points: the uncorrected EWMA starts at (1 − β)·θ₁ (v_0 = 0), the corrected one at θ₁."""
    layout = line_layout(f"The first {len(x)} points: where bias correction matters", xtitle, ytitle,
                     shapes=[dict(type="line", x0=0, x1=1, xref="x domain", y0=0, y1=0, yref="y",
                                  line=dict(color="#555", width=1))])
    return FrozenFigure({"data": _ewma_traces(x, theta, corrected, uncorrected, beta, zoom=True), "layout": layout})


def weights_figure(weights, lag_e: float, beta: float) -> FrozenFigure:
    """Bars of the weight (1 − β) β^k of the point k steps back, with the 1/e point marked."""
    weights = floats(weights)
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
    layout = line_layout(f"Weight of each past point (β = {beta:g})", "k (points back in time)", "weight",
                     hovermode="closest", bargap=0.05)
    return FrozenFigure({"data": traces, "layout": layout})
