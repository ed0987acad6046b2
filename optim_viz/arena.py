"""The Optimizer Arena's computations: a race of several optimizers, its results and a step inspector."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from . import optimizers, simulate, surfaces

ADAPTIVE = {"rmsprop", "adam", "adamw", "adagrad"}
# Colour-blind-safe colours (Okabe–Ito, with Tol's wine for Adagrad: Okabe–Ito's yellow vanished on the map's
# yellow rim), one per optimizer, fixed so a colour always means the same thing.
COLOURS = {"sgd": "#E69F00", "momentum": "#56B4E9", "nesterov": "#009E73", "rmsprop": "#CC79A7",
           "adam": "#D55E00", "adagrad": "#882255", "adamw": "#0072B2"}


def default_lr(surface: surfaces.Surface, name: str) -> float:
    """A learning rate that makes a lively race on ``surface``: adaptive optimizers step about α per
    coordinate, gradient-scaled ones α·|g|, so they need different scales. Adagrad's steps only shrink."""
    gd_like, adaptive = surface.lr
    if name in dict(surface.lr_by_name):
        return dict(surface.lr_by_name)[name]
    if name == "adagrad":
        return 3 * adaptive
    return adaptive if name in ADAPTIVE else gd_like


def hyper_tuple(name: str, **hyper) -> tuple[tuple[str, float], ...]:
    """Hashable, complete hyperparameters for ``name`` (course defaults filled in)."""
    return tuple(sorted({**optimizers.SPECS[name].defaults, **hyper}.items()))


# Work budget of one race, in NumPy calls: each step evaluates the gradient once for all optimizers (a built-in
# surface's gradient is at most ~40 calls; a typed function's is its compiled program) and makes ~12 calls per
# optimizer. The built-in surfaces at the page's maxima (7 optimizers × 1000 steps) are the budget; a typed
# function whose gradient costs more races fewer steps (max_steps), and the page says so.
BUILTIN_GRAD_OPS = 40
UPDATE_OPS = 12
MAX_OPTIMIZERS, MAX_STEPS = 7, 1000
WORK_BUDGET = MAX_STEPS * (BUILTIN_GRAD_OPS + MAX_OPTIMIZERS * UPDATE_OPS)


def step_cost(surface: surfaces.Surface, n_optimizers: int) -> int:
    """NumPy calls per race step: the gradient program's length (``BUILTIN_GRAD_OPS`` for a built-in surface)
    plus ``UPDATE_OPS`` per optimizer."""
    program = getattr(surface.grad, "program", None)
    return max(BUILTIN_GRAD_OPS, program.ops if program is not None else 0) + n_optimizers * UPDATE_OPS


def max_steps(surface: surfaces.Surface, n_optimizers: int, budget: int = WORK_BUDGET) -> int:
    """The most steps a race of ``n_optimizers`` on ``surface`` may run within ``budget`` (at most MAX_STEPS)."""
    return int(min(MAX_STEPS, budget // step_cost(surface, max(n_optimizers, 1))))


def _optimizer(name: str, hyper, bias_correction: bool) -> optimizers.Optimizer:
    h = dict(hyper)
    if name == "adam":
        h["bias_correction"] = bias_correction
    return optimizers.make(name, **h)


def race(surface: surfaces.Surface, entries: dict[str, dict[str, float]], start, steps: int,
         bias_correction: bool = True) -> dict[str, simulate.Path]:
    """Run each optimizer in ``entries`` (name -> hyperparameters) from ``start`` for ``steps`` updates, in
    lockstep (``simulate.run_many``: the same paths as one ``simulate.run`` each). ``bias_correction``
    switches Adam's correction for the step inspector's comparison."""
    names = list(entries)
    opts = [_optimizer(n, entries[n], bias_correction) for n in names]
    return dict(zip(names, simulate.run_many(opts, surface, np.asarray(start, float), steps)))


class RaceRuns:
    """A bounded, thread-safe memo of race paths for a server. ``get`` returns one Path per optimizer and runs
    only those it does not hold, together in lockstep. Per (surface, optimizer, hyperparameters, start, bias
    correction) it keeps the longest run: fewer steps are a slice of it (``Path.head``), more steps continue
    it. The least recently used runs are dropped beyond ``max_runs``. Returned paths are shared: read-only."""

    def __init__(self, max_runs: int = 64):
        self.max_runs = int(max_runs)
        self._runs: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, surface: surfaces.Surface, surface_key, entries, start, steps: int,
            bias_correction: bool = True) -> dict[str, simulate.Path]:
        """``race(surface, entries, start, steps, bias_correction)`` from the memo; ``surface_key`` (hashable)
        names the surface; ``entries`` is a sequence of (name, hyper_tuple)."""
        start = tuple(float(v) for v in start)
        keys = {name: (surface_key, name, tuple(hyper), start, bool(bias_correction) and name == "adam")
                for name, hyper in entries}
        with self._lock:
            held = {n: self._runs.get(k) for n, k in keys.items()}
        todo = [n for n, p in held.items() if p is None or p.xy.shape[0] - 1 < steps]
        groups: dict[int, list[str]] = {}  # by the length already held: each group continues in one lockstep run
        for n in todo:
            groups.setdefault(0 if held[n] is None else held[n].xy.shape[0] - 1, []).append(n)
        for done, names in groups.items():
            opts = [_optimizer(n, dict(entries)[n], bias_correction) for n in names]
            prefixes = [held[n] for n in names] if done else None
            for n, path in zip(names, simulate.run_many(opts, surface, np.array(start), steps, prefixes)):
                held[n] = path
        with self._lock:
            for n, k in keys.items():
                if self._runs.get(k) is None or self._runs[k].xy.shape[0] < held[n].xy.shape[0]:
                    self._runs[k] = held[n]
                self._runs.move_to_end(k)
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)
        return {n: held[n].head(steps) for n in keys}

    def __len__(self) -> int:
        return len(self._runs)


class Result(NamedTuple):
    final_loss: float
    distance: float  # to the nearest known minimum; NaN when the surface lists none
    steps_to_tol: int  # first step with f − f* < tol; -1 if never
    diverged_at: int


def f_star(surface: surfaces.Surface) -> float:
    """The lowest known minimum value, or NaN when the surface has none (e.g. the saddle)."""
    return float(surface.loss(surface.minima).min()) if len(surface.minima) else float("nan")


def results(surface: surfaces.Surface, paths: dict[str, simulate.Path], tol: float) -> dict[str, Result]:
    """Per optimizer: final loss, distance to the nearest minimum, steps to tolerance, divergence step."""
    fs = f_star(surface)
    out = {}
    for name, p in paths.items():
        last = p.xy[-1, 0]
        dist = np.linalg.norm(surface.minima - last, axis=1).min() if len(surface.minima) else np.nan
        reach = simulate.steps_to_tolerance(p.loss, tol, fs)[0] if np.isfinite(fs) else -1
        out[name] = Result(float(p.loss[-1, 0]), float(dist), int(reach), int(p.diverged_at[0]))
    return out


def reversals(path: simulate.Path, first: int = 50, share: float = 0.1) -> int:
    """How many of the first ``first`` updates reverse direction (a zig-zag): update t counts when one of its
    coordinates has the opposite sign of the same coordinate of update t − 1 and carries at least ``share``
    of the update's length (so a negligible wobble does not count)."""
    d = path.delta[:first + 1, 0]
    with np.errstate(invalid="ignore"):
        big = np.abs(d[1:]) >= share * np.linalg.norm(d[1:], axis=1, keepdims=True)
        flips = (d[1:] * d[:-1] < 0) & big
    return int(flips.any(axis=1).sum())


class RaceSummary(NamedTuple):
    """What a race shows, for the words beside it."""
    arrivals: list[tuple[str, int]]  # (optimizer, first step with f − f* < tol), earliest first
    missed: list[str]  # never within tol (and not diverged)
    diverged: dict[str, int]  # optimizer → step it diverged at
    reversals: dict[str, int]  # optimizer → direction reversals among the first `first` updates
    first: int


def summary(surface: surfaces.Surface, paths: dict[str, simulate.Path], tol: float, first: int = 50) -> RaceSummary:
    """Arrival order at the tolerance, the runs that missed it or diverged, and each run's zig-zag count."""
    res = results(surface, paths, tol)
    arrivals = sorted(((n, r.steps_to_tol) for n, r in res.items() if r.steps_to_tol >= 0), key=lambda a: a[1])
    diverged = {n: r.diverged_at for n, r in res.items() if r.diverged_at >= 0}
    missed = [n for n, r in res.items() if r.steps_to_tol < 0 and n not in diverged]
    first = min(first, next(iter(paths.values())).delta.shape[0] - 1) if paths else 0
    return RaceSummary(arrivals, missed, diverged, {n: reversals(p, first) for n, p in paths.items()}, first)


def correction_fades(beta: float, share: float = 0.95) -> int:
    """The first update t at which bias correction's divisor 1 − βᵗ reaches ``share``: ⌈ln(1 − share)/ln β⌉."""
    return int(np.ceil(np.log(1 - share) / np.log(beta))) if 0 < beta < 1 else 1


def inspect_step(name: str, hyper: dict[str, float], path: simulate.Path, t: int) -> dict[str, np.ndarray]:
    """The numbers of update t (1-based) of the first trajectory in ``path``: x before, g, v, s, and for
    Adam-like optimizers v̂ = v/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ) and the step with and without bias correction."""
    h = {**optimizers.SPECS[name].defaults, **hyper}
    x, g, v, s = path.xy[t - 1, 0], path.g[t - 1, 0], path.v[t - 1, 0], path.s[t - 1, 0]
    row = {"x (before)": x, "g": g}
    if name in ("momentum", "nesterov"):
        row["v"] = v
    if name in ("rmsprop", "adagrad"):
        row["s" if name == "rmsprop" else "G"] = s
    if name in ("adam", "adamw"):
        b1, b2, eps, lr = h["beta1"], h["beta2"], h["eps"], h["lr"]
        v_hat, s_hat = optimizers.bias_corrected(v, b1, t), optimizers.bias_corrected(s, b2, t)
        row.update({"v": v, "s": s, "v̂": v_hat, "ŝ": s_hat,
                    "step with correction": -lr * v_hat / (np.sqrt(s_hat) + eps),
                    "step without correction": -lr * v / (np.sqrt(s) + eps)})
    row["update applied"] = path.delta[t - 1, 0]
    return row
