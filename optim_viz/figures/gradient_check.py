"""The gradient-checking page's figures: the relative difference on a log gauge with its bands, the error per
parameter block and component, and the difference against ε (two-sided against one-sided).
"""
from __future__ import annotations

import numpy as np

from .. import gradcheck
from .style import SERIES, FrozenFigure, set_axis, subplot_layout, white_figure

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
    return white_figure(data, layout, 200, showlegend=False, margin=dict(l=30, r=30, t=40, b=60))


def component_errors(blocks: list[str], block_diff, names: list[str], block, component) -> FrozenFigure:
    """Top: relative difference per parameter block (W1, b1, ...) with the bands; bottom: |dθ_approx − dθ| per
    component, coloured by block. The broken block stands out of the green band."""
    layout = subplot_layout(2, 1, ("Relative difference per parameter block", "|dθ_approx[i] − dθ[i]| per component"),
                   vertical_spacing=0.16, row_heights=(0.45, 0.55))
    bd = np.maximum(np.asarray(block_diff, float), FLOOR)
    colours = [SERIES[i % len(SERIES)] for i in range(len(blocks))]
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
        set_axis(layout, ax, type="log", exponentformat="power", range=[-17, 1], dtick=2, title_text=title)
    set_axis(layout, "xaxis2", tickangle=-60, tickfont=dict(size=10))
    return white_figure(data, layout, 640, bargap=0.15)


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
    return white_figure(data, layout, 480)
