"""The one trajectory loop: run an optimizer from n starts on a surface."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .optimizers import Optimizer
from .surfaces import Surface

DIVERGENCE_LIMIT = 1e6


class Path(NamedTuple):
    """Trajectories of n points over ``steps`` updates (start included at index 0).

    After a point diverges, its positions, losses and recorded moments are NaN from
    ``diverged_at`` on, so no chart is wrecked by inf.
    """
    xy: np.ndarray  # (steps+1, n, 2)
    loss: np.ndarray  # (steps+1, n)
    diverged_at: np.ndarray  # (n,) first step with a non-finite or |p| > 1e6 position/loss; -1 if never
    g: np.ndarray  # (steps, n, 2) gradient used by update t+1 (evaluated at xy[t])
    v: np.ndarray  # (steps, n, 2) first moment after update t+1
    s: np.ndarray  # (steps, n, 2) second moment after update t+1

    @property
    def delta(self) -> np.ndarray:
        """(steps, n, 2) the update applied at each step: ``xy[t+1] − xy[t]``."""
        return np.diff(self.xy, axis=0)


def first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along axis 0 for each column; -1 where there is none."""
    return np.where(mask.any(axis=0), mask.argmax(axis=0), -1)


def run(opt: Optimizer, surface: Surface, start: np.ndarray, steps: int) -> Path:
    """Apply ``steps`` updates of ``opt`` to the points ``start`` (shape (n, 2) or (2,)).

    Divergence is reported in ``diverged_at``, never raised, and no NumPy warning escapes.
    """
    p = np.array(start, dtype=float).reshape(-1, 2)
    n = p.shape[0]
    xy = np.empty((steps + 1, n, 2))
    loss = np.empty((steps + 1, n))
    g_rec, v_rec, s_rec = (np.empty((steps, n, 2)) for _ in range(3))
    with np.errstate(all="ignore"):
        state = opt.init(p)
        xy[0], loss[0] = p, surface.f(p[:, 0], p[:, 1])
        for t in range(steps):
            g = surface.grad_xy(p)
            delta, state = opt.update(g, state, p)
            p = p + delta
            xy[t + 1], loss[t + 1] = p, surface.f(p[:, 0], p[:, 1])
            g_rec[t], v_rec[t], s_rec[t] = g, state.v, state.s
        bad = ~np.isfinite(loss) | ~np.isfinite(xy).all(axis=2) | (np.abs(xy) > DIVERGENCE_LIMIT).any(axis=2)
    diverged_at = first_true(bad)
    after = np.arange(steps + 1)[:, None] >= np.where(diverged_at < 0, steps + 1, diverged_at)[None, :]
    xy[after], loss[after] = np.nan, np.nan
    for rec in (g_rec, v_rec, s_rec):
        rec[after[1:]] = np.nan
    return Path(xy, loss, diverged_at, g_rec, v_rec, s_rec)


def steps_to_tolerance(loss: np.ndarray, tol: float, f_min: float = 0.0) -> np.ndarray:
    """First step at which ``loss − f_min < tol`` for each column of ``loss`` (steps+1, n); -1 if never."""
    with np.errstate(invalid="ignore"):
        return first_true(loss - f_min < tol)
