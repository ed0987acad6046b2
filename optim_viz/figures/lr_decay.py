"""The learning-rate decay page's figures: α by epoch for each schedule, the cost of training with and without decay,
and (from the mini-batch module) the (w₁, w₂) paths over the cost contours.
"""
from __future__ import annotations

import numpy as np

from .mini_batch import paths_figure as paths_figure  # the lr_decay page draws it too
from .style import PALETTE, FrozenFigure, floats, line_layout, thin

# ------------------------------------------------------------------------ learning-rate decay

def schedules_figure(curves: dict, log_y: bool = False, beyond: frozenset = frozenset()) -> FrozenFigure:
    """α against the epoch for each schedule: ``curves`` maps a label to ``(x, α)``; labels in
    ``beyond`` (schedules beyond the course) are drawn dotted."""
    traces = []
    for i, (name, (x, lr)) in enumerate(curves.items()):
        idx = thin(len(x))
        step_like = len(x) < 200
        traces.append(dict(
            type="scatter", x=floats(x)[idx], y=floats(lr)[idx], name=name,
            mode="lines+markers" if step_like else "lines",
            line=dict(color=PALETTE[i % len(PALETTE)], width=3, shape="hv" if step_like else "linear",
                      dash="dot" if name in beyond else "solid"),
            marker=dict(size=6)))
    layout = line_layout("Learning rate α by epoch (constant within an epoch)", "epoch", "learning rate α", height=460)
    if log_y:
        layout["yaxis"]["type"] = "log"
    return FrozenFigure({"data": traces, "layout": layout})


def decay_demo_figure(runs: dict, f_min: float) -> FrozenFigure:
    """Full-batch cost above its minimum, J − J*, against the epoch (log axis) for each run;
    ``runs`` maps a label to ``(epoch_x, J)``."""
    traces = [dict(type="scatter", x=floats(x), y=np.maximum(floats(J) - f_min, 1e-12), mode="lines", name=name,
                   line=dict(color=PALETTE[[3, 0][i % 2]], width=2.5))
              for i, (name, (x, J)) in enumerate(runs.items())]
    layout = line_layout("Distance to the minimum:<br>full-batch J − J* after every update", "epoch",
                     "J − J*  (log scale)", height=420)
    layout["yaxis"].update(type="log", exponentformat="power")
    return FrozenFigure({"data": traces, "layout": layout})


def zoom_axes(paths: list, centre: np.ndarray, n: int = 60, pad: float = 1.15,
              min_half: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Axes ``w1``, ``w2`` of n points over the square centred on ``centre[:2]`` that holds every (w₁, w₂) of
    ``paths``: half-width ``h = max(pad · max |w − centre|, min_half)``, ``w1 = linspace(c₁ − h, c₁ + h, n)``."""
    pts = np.concatenate(paths)[:, :2]
    half = max(np.abs(pts - centre[:2]).max() * pad, min_half)
    return (np.linspace(centre[0] - half, centre[0] + half, n),
            np.linspace(centre[1] - half, centre[1] + half, n))
