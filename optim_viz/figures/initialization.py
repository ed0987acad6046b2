"""The initialization page's figures: activation and gradient spread by layer for each initialization, the deep
linear example, the symmetry of units started equal, and training curves.
"""
from __future__ import annotations

import numpy as np

from .style import SERIES, FrozenFigure, set_axis, subplot_layout, white_figure

# ---------------------------------------------------------------------------------------------
# Initialization and vanishing / exploding gradients

def _g(v: float) -> str:
    """Two significant digits, or "overflow" for a value that exploded past float64."""
    return f"{v:.2g}" if np.isfinite(v) else "overflow"


def _positive(v) -> np.ndarray:
    """Values for a log axis: zeros and non-finite values (overflow) become gaps."""
    v = np.asarray(v, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def layer_stats(stats: dict, labels: dict) -> FrozenFigure:
    """Activation spread std(A[l]) and gradient norm ‖dW[l]‖_F per layer, log y: vanishing lines fall,
    exploding lines rise. An initialization whose values are all zero has no line (log axis)."""
    layout = subplot_layout(1, 2, ("Activation spread std(A[l]) (forward)", "Gradient norm ‖dW[l]‖_F (backward)"),
                   horizontal_spacing=0.1)
    data = []
    for i, (k, s) in enumerate(stats.items()):
        colour = SERIES[i % len(SERIES)]
        flat = not np.isfinite(_positive(s.spread)).any()
        name = labels.get(k, k) + (" (all zero)" if flat else "") + (" (overflow)" if s.overflow else "")
        data.append(dict(type="scatter", x=np.arange(1, len(s.spread) + 1), y=_positive(s.spread),
                         mode="lines+markers", name=name, legendgroup=k, line=dict(color=colour, width=2),
                         marker=dict(size=4), xaxis="x", yaxis="y"))
        data.append(dict(type="scatter", x=np.arange(1, len(s.grad_norm) + 1), y=_positive(s.grad_norm),
                         mode="lines+markers", name=name, legendgroup=k, showlegend=False,
                         line=dict(color=colour, width=2), marker=dict(size=4), xaxis="x2", yaxis="y2"))
    for ax in ("xaxis", "xaxis2"):
        set_axis(layout, ax, title_text="layer l")
    for ax, title in (("yaxis", "std(A[l])"), ("yaxis2", "‖dW[l]‖_F")):
        set_axis(layout, ax, type="log", exponentformat="power", title_text=title)
    return white_figure(data, layout, 460)


def linear_example(depth: int, curves: dict) -> FrozenFigure:
    """‖a[l]‖ in the deep linear network ``W[l] = w·I`` (markers: the network's forward pass) against the
    closed form ``w^l ‖x‖`` (dotted), for each w in ``curves`` = {w: (norms, ŷ)}."""
    data = []
    l = np.arange(1, depth + 1)
    x_norm = np.sqrt(2.0)
    for i, (w, (norms, y_hat)) in enumerate(curves.items()):
        colour = SERIES[i % len(SERIES)]
        data.append(dict(type="scatter", x=l, y=_positive(norms), mode="markers", name=f"w = {w:g}: ŷ = {y_hat:.3g}",
                         marker=dict(size=7, color=colour)))
        with np.errstate(over="ignore"):
            data.append(dict(type="scatter", x=l, y=_positive(float(w) ** l * x_norm), mode="lines",
                             name=f"{w:g}^l ‖x‖", line=dict(color=colour, dash="dot")))
    layout = dict(xaxis=dict(title=dict(text="layer l")),
                  yaxis=dict(title=dict(text="‖a[l]‖"), type="log", exponentformat="power"))
    return white_figure(data, layout, 400)


def symmetry(runs: dict, labels: dict) -> FrozenFigure:
    """W[1][i, 0] for every hidden unit i during training: with a symmetric start all lines stay on top of
    each other (the units never differ); a random start spreads them."""
    layout = subplot_layout(1, len(runs), [f"{labels.get(k, k)}<br>max unit difference {_g(r.unit_spread[-1])}"
                                  for k, r in runs.items()], shared_yaxes=False, horizontal_spacing=0.06)
    data = []
    for j, r in enumerate(runs.values(), start=1):
        axis = "" if j == 1 else str(j)
        for i in range(r.W1_column.shape[1]):
            data.append(dict(type="scatter", x=r.iteration, y=r.W1_column[:, i], mode="lines", name=f"unit {i + 1}",
                             legendgroup=str(i), showlegend=j == 1, line=dict(color=SERIES[i % len(SERIES)], width=2),
                             xaxis=f"x{axis}", yaxis=f"y{axis}"))
        set_axis(layout, f"xaxis{axis}", title_text="iteration")
    set_axis(layout, "yaxis", title_text="W[1][i, 0]")
    return white_figure(data, layout, 400, margin=dict(l=60, r=20, t=80, b=50),
                   legend=dict(orientation="v", x=1.01, y=1, yanchor="top"))


def training(runs: dict, labels: dict) -> FrozenFigure:
    """Training cost per iteration from each initialization; the legend gives the final training accuracy."""
    data = [dict(type="scatter", x=r.iteration, y=r.cost, mode="lines", line=dict(color=SERIES[i % len(SERIES)],
                                                                                  width=2),
                 name=f"{labels.get(k, k)}: {100 * r.train_accuracy:.0f}% train accuracy")
            for i, (k, r) in enumerate(runs.items())]
    layout = dict(xaxis=dict(title=dict(text="iteration")), yaxis=dict(title=dict(text="cost J (cross-entropy)")))
    return white_figure(data, layout, 440, legend=dict(orientation="v", x=1.01, y=1))
