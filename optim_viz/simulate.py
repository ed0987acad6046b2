"""The trajectory loop: run an optimizer from n starts on a surface (``run``), or several in lockstep (``run_many``)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .optimizers import Optimizer, OptState
from .surface import Surface

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

    def head(self, steps: int) -> Path:
        """The first ``steps`` updates: the same arrays ``run`` would give for ``steps`` (runs are deterministic)."""
        d = np.where(self.diverged_at > steps, -1, self.diverged_at)
        return Path(self.xy[:steps + 1], self.loss[:steps + 1], d, self.g[:steps], self.v[:steps], self.s[:steps])


def first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along axis 0 for each column; -1 where there is none."""
    return np.where(mask.any(axis=0), mask.argmax(axis=0), -1)


def run(opt: Optimizer, surface: Surface, start: np.ndarray, steps: int) -> Path:
    """Apply ``steps`` updates of ``opt`` to the points ``start`` (shape (n, 2) or (2,)).

    Divergence is reported in ``diverged_at``, never raised, and no NumPy warning escapes. The loss is evaluated
    once over the whole path at the end (ufuncs act element by element, so it is what a per-step call gives).
    """
    p = np.array(start, dtype=float).reshape(-1, 2)
    n = p.shape[0]
    xy = np.empty((steps + 1, n, 2))
    g_rec, v_rec, s_rec = (np.empty((steps, n, 2)) for _ in range(3))
    with np.errstate(all="ignore"):
        state = opt.init(p)
        xy[0] = p
        for t in range(steps):
            g = surface.grad_xy(p)
            delta, state = opt.update(g, state, p)
            p = np.add(p, delta, out=xy[t + 1])
            g_rec[t], v_rec[t], s_rec[t] = g, state.v, state.s
        loss = np.asarray(surface.f(xy[..., 0], xy[..., 1]), float) * np.ones(xy.shape[:2])
    return Path(xy, loss, _mask_divergence(xy, loss, (g_rec, v_rec, s_rec)), g_rec, v_rec, s_rec)


def _mask_divergence(xy, loss, recs) -> np.ndarray:
    """``diverged_at`` per column; positions, losses and records from that step on set to NaN (in place)."""
    steps = xy.shape[0] - 1
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(loss) | ~np.isfinite(xy).all(axis=2) | (np.abs(xy) > DIVERGENCE_LIMIT).any(axis=2)
    diverged_at = first_true(bad)
    after = np.arange(steps + 1)[:, None] >= np.where(diverged_at < 0, steps + 1, diverged_at)[None, :]
    xy[after], loss[after] = np.nan, np.nan
    for rec in recs:
        rec[after[1:]] = np.nan
    return diverged_at


def run_many(opts: Sequence[Optimizer], surface: Surface, start: np.ndarray, steps: int,
             prefixes: Sequence[Path] | None = None) -> list[Path]:
    """``run`` of each optimizer in ``opts`` from the same ``start``, in lockstep: one gradient evaluation per
    step for all of them and f once at the end (ufuncs act element by element, so every path is bit for bit
    what ``run`` gives alone). ``prefixes``: the same runs for fewer steps (one Path each, all of one length),
    continued from their last position and optimizer state instead of being run again."""
    p = np.array(start, dtype=float).reshape(-1, 2)
    n, k = p.shape[0], len(opts)
    cols = [slice(i * n, (i + 1) * n) for i in range(k)]
    xy = np.empty((steps + 1, k * n, 2))
    g_rec, v_rec, s_rec = (np.empty((steps, k * n, 2)) for _ in range(3))
    with np.errstate(all="ignore"):
        if prefixes:
            done = prefixes[0].xy.shape[0] - 1
            if any(q.xy.shape[0] - 1 != done for q in prefixes) or done > steps:
                raise ValueError("prefixes must all have the same number of steps, at most `steps`")
            states = []
            for opt, q, c in zip(opts, prefixes, cols):
                xy[:done + 1, c], g_rec[:done, c], v_rec[:done, c], s_rec[:done, c] = q.xy, q.g, q.v, q.s
                states.append(OptState(done, q.v[-1].copy(), q.s[-1].copy()) if done else opt.init(p))
        else:
            done, states = 0, [opt.init(p) for opt in opts]
            xy[0] = np.tile(p, (k, 1))
        pk = xy[done].copy()
        for t in range(done, steps):
            g = surface.grad_xy(pk)
            nxt = np.empty_like(pk)
            for i, (opt, c) in enumerate(zip(opts, cols)):
                delta, states[i] = opt.update(g[c], states[i], pk[c])
                nxt[c] = pk[c] + delta
                v_rec[t, c], s_rec[t, c] = states[i].v, states[i].s
            g_rec[t] = g
            xy[t + 1] = pk = nxt
        loss = np.asarray(surface.f(xy[..., 0], xy[..., 1]), float) * np.ones(xy.shape[:2])
    diverged_at = _mask_divergence(xy, loss, (g_rec, v_rec, s_rec))
    return [Path(xy[:, c].copy(), loss[:, c].copy(), diverged_at[c].copy(), g_rec[:, c].copy(), v_rec[:, c].copy(),
                 s_rec[:, c].copy()) for c in cols]


def steps_to_tolerance(loss: np.ndarray, tol: float, f_min: float = 0.0) -> np.ndarray:
    """First step at which ``loss − f_min < tol`` for each column of ``loss`` (steps+1, n); -1 if never."""
    with np.errstate(invalid="ignore"):
        return first_true(loss - f_min < tol)
