"""Hyperparameter search: samplers on the right scale, grid against random search, coarse to fine, and many
short training runs at once (one vectorized run sweeps every setting).

The tuning problem is the mini-batch logistic regression of ``optim_viz.minibatch`` (θ = [w₁, w₂, b]), trained
with Adam for a few epochs. The learning rate α matters a lot; Adam's ε barely matters (as in the course's
grid-versus-random picture). Every setting sees the same mini-batches, so settings differ only in their
hyperparameters.

    rng = np.random.default_rng(0)
    alphas = tuning.log_uniform(1e-4, 1.0, 25, rng)              # 10**uniform(log10 lo, log10 hi)
    betas = tuning.one_minus_log_uniform(0.9, 0.999, 25, rng)    # 1 − 10**uniform(−3, −1)
    p = tuning.problem()
    J = tuning.final_cost(p, "adam", lr=alphas, eps=np.full(25, 1e-8))   # (25,) final cost of each run
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import minibatch, optimizers

ALPHA_RANGE = (1e-4, 1.0)  # the course's range for α
EPS_RANGE = (1e-8, 1e-2)  # Adam's ε: the hyperparameter that barely matters
BETA_RANGE = (0.9, 0.999)


# ------------------------------------------------------------------------------------------- samplers

def uniform(lo: float, hi: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples of ``uniform(lo, hi)`` (the wrong scale for a learning rate)."""
    return rng.uniform(lo, hi, int(n))


def log_uniform(lo: float, hi: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples of ``10**r``, ``r = uniform(log10 lo, log10 hi)``: every decade equally likely."""
    if not 0 < lo < hi:
        raise ValueError(f"need 0 < lo < hi, got {lo}, {hi}")
    return 10 ** rng.uniform(np.log10(lo), np.log10(hi), int(n))


def one_minus_log_uniform(lo: float, hi: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples of β in [lo, hi] with ``1 − β = 10**r``, ``r = uniform(log10(1 − hi), log10(1 − lo))``
    (for [0.9, 0.999]: r in [−3, −1])."""
    if not 0 <= lo < hi < 1:
        raise ValueError(f"need 0 ≤ lo < hi < 1, got {lo}, {hi}")
    return np.clip(1 - log_uniform(1 - hi, 1 - lo, n, rng), lo, hi)


def decade_edges(lo: float, hi: float) -> np.ndarray:
    """Powers of ten from ⌊log10 lo⌋ to ⌈log10 hi⌉: 1e-4, 1e-3, ..., 1 for [1e-4, 1]."""
    return 10.0 ** np.arange(np.floor(np.log10(lo) + 1e-9), np.ceil(np.log10(hi) - 1e-9) + 1)


def decade_counts(samples: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """(edges, counts): how many samples fall in each decade [10^k, 10^(k+1)) (the top edge included)."""
    edges = decade_edges(lo, hi)
    counts, _ = np.histogram(np.log10(samples), bins=np.log10(edges))
    return edges, counts


def share_in(samples: np.ndarray, lo: float, hi: float) -> float:
    """Fraction of samples in [lo, hi]."""
    s = np.asarray(samples)
    return float(np.mean((s >= lo) & (s <= hi))) if s.size else float("nan")


def window(beta) -> np.ndarray | float:
    """The EWMA's averaging window ``1/(1 − β)``: the number of recent values it roughly averages."""
    return 1 / (1 - np.asarray(beta, dtype=float)) if np.ndim(beta) else 1 / (1 - float(beta))


class WindowStep(NamedTuple):
    beta: float
    beta_next: float
    window: float
    window_next: float

    @property
    def ratio(self) -> float:
        return self.window_next / self.window


def window_step(beta: float, step: float = 0.0005) -> WindowStep:
    """How the averaging window changes when β moves up by ``step``: 0.999 → 0.9995 doubles it (1000 → 2000),
    0.9 → 0.9005 barely moves it (10 → 10.05)."""
    return WindowStep(beta, beta + step, window(beta), window(beta + step))


# --------------------------------------------------------------------------------- grid and random search

def log_grid(lo: float, hi: float, k: int) -> np.ndarray:
    """k values evenly spaced on a log scale from lo to hi (both included)."""
    return np.logspace(np.log10(lo), np.log10(hi), int(k))


class Points(NamedTuple):
    """Settings to try: ``alpha`` and ``eps`` arrays of the same length."""
    alpha: np.ndarray
    eps: np.ndarray


def grid_points(k: int, alpha_range=ALPHA_RANGE, eps_range=EPS_RANGE) -> Points:
    """A k × k grid on log scales: k values of α, each tried with k values of ε (k² settings)."""
    A, E = np.meshgrid(log_grid(*alpha_range, k), log_grid(*eps_range, k))
    return Points(A.ravel(), E.ravel())


def random_points(n: int, rng: np.random.Generator, alpha_range=ALPHA_RANGE, eps_range=EPS_RANGE) -> Points:
    """n settings with α and ε each drawn log-uniformly in their ranges."""
    return Points(log_uniform(*alpha_range, n, rng), log_uniform(*eps_range, n, rng))


def distinct(values: np.ndarray) -> int:
    """How many distinct values were tried."""
    return int(np.unique(np.asarray(values)).size)


def zoom(alpha: float, eps: float, alpha_range=ALPHA_RANGE, eps_range=EPS_RANGE,
         shrink: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    """Coarse to fine: a box ``shrink`` times as wide (in decades) as the search ranges, centred on the best
    (α, ε) in log scale and moved, if needed, to stay inside the ranges."""
    def axis(best, lo, hi):
        llo, lhi = np.log10(lo), np.log10(hi)
        half = shrink * (lhi - llo) / 2
        c = np.clip(np.log10(best), llo + half, lhi - half)
        return float(10 ** (c - half)), float(10 ** (c + half))
    return axis(alpha, *alpha_range), axis(eps, *eps_range)


# --------------------------------------------------------------------------------------- the training runs

class Problem(NamedTuple):
    """The data and the run length every setting trains with; ``J_star`` is the optimum's cost."""
    X: np.ndarray
    Y: np.ndarray
    epochs: int
    batch_size: int
    seed: int
    J_star: float


def problem(m: int = 1000, data_seed: int = 0, epochs: int = 10, batch_size: int = 50, seed: int = 0) -> Problem:
    """The logistic regression of ``minibatch.make_data(m, data_seed)``, trained for ``epochs`` epochs of
    mini-batches of ``batch_size`` (shuffled with ``default_rng(seed)``)."""
    X, Y = minibatch.make_data(m, data_seed)
    if not 1 <= batch_size <= m or epochs < 1:
        raise ValueError(f"need 1 ≤ batch size ≤ m = {m} and at least one epoch")
    J_star = float(minibatch.cost(minibatch.optimum(X, Y), X, Y))
    return Problem(X, Y, int(epochs), int(batch_size), int(seed), J_star)


def updates(p: Problem) -> int:
    """Updates per run: ``epochs · ⌈m / batch_size⌉``."""
    return p.epochs * -(-p.Y.size // p.batch_size)


def _gradients(P: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``[dw₁, dw₂, db]`` for each row of P (n, 3): ``dZ = σ(Z) − Y``, ``dW = (1/m) dZ Xᵀ``,
    ``db = mean(dZ)``."""
    Z = P[:, :2] @ X + P[:, 2:]
    dZ = 0.5 + 0.5 * np.tanh(0.5 * Z) - Y  # σ(z) via tanh: no overflow, and faster than exp/logaddexp
    return np.hstack([dZ @ X.T, dZ.sum(axis=1, keepdims=True)]) / Y.size


def cost_many(P: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Full-batch J for each row of P (n, 3): ``(1/m) Σ [log(1 + e^z) − y z]``, as
    ``max(z, 0) + log1p(e^−|z|) − y z`` (stable, and faster than ``logaddexp``)."""
    Z = P[:, :2] @ X + P[:, 2:]
    return np.mean(np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z))) - Y * Z, axis=1)


def train_many(p: Problem, optimizer: str, start=minibatch.START, record: bool = True,
               **hyper) -> tuple[np.ndarray, np.ndarray]:
    """Train n settings at once: every hyperparameter in ``hyper`` is a scalar, an (n,) array, or (``lr`` only) a
    callable ``lr(t)`` returning (n,) (a learning rate changed by hand during training). The mini-batch order
    is ``minibatch.train``'s, so row i equals ``minibatch.train`` run with setting i alone.

    Returns the final params (n, 3) and the full-batch cost after each epoch (epochs + 1, n; with
    ``record=False`` only the start and the end, (2, n)); a run that diverged has NaN params and cost."""
    n = max(np.size(v(1) if callable(v) else v) for v in hyper.values()) if hyper else 1
    opt = optimizers.make(optimizer, **hyper)
    P = np.tile(np.asarray(start, dtype=float), (n, 1))
    state = opt.init(P)
    X, Y, m, b = p.X, p.Y, p.Y.size, p.batch_size
    rng = np.random.default_rng(p.seed)
    costs = np.empty((p.epochs + 1 if record else 2, n))
    costs[0] = cost_many(P, X, Y)
    with np.errstate(all="ignore"):
        for epoch in range(p.epochs):
            if b < m:
                order = rng.permutation(m)
                Xs, Ys = X[:, order], Y[order]
            else:
                Xs, Ys = X, Y
            for k in range(0, m, b):
                delta, state = opt.update(_gradients(P, Xs[:, k:k + b], Ys[k:k + b]), state, P)
                P = P + delta
            if record or epoch == p.epochs - 1:
                costs[epoch + 1 if record else 1] = cost_many(P, X, Y)
        bad = ~np.isfinite(costs) | ~np.isfinite(P).all(axis=1)
    costs[np.maximum.accumulate(bad, axis=0)] = np.nan
    P[bad[-1]] = np.nan
    return P, costs


def final_cost(p: Problem, optimizer: str = "adam", **hyper) -> np.ndarray:
    """The full-batch cost J after the run, for each setting (NaN where it diverged)."""
    return train_many(p, optimizer, record=False, **hyper)[1][-1]


def excess(p: Problem, J: np.ndarray) -> np.ndarray:
    """``J − J*``, the cost above the optimum (what the landscape shows on a log colour scale)."""
    return np.asarray(J) - p.J_star


class Landscape(NamedTuple):
    """Final excess cost ``J − J*`` over the log-spaced axes: ``cost[i, j]`` at (alpha[j], eps[i])."""
    alpha: np.ndarray
    eps: np.ndarray
    cost: np.ndarray


def landscape(p: Problem, n_alpha: int = 41, n_eps: int = 11, alpha_range=ALPHA_RANGE,
              eps_range=EPS_RANGE) -> Landscape:
    """Every (α, ε) of an ``n_eps × n_alpha`` log grid trained in one vectorized Adam run."""
    a, e = log_grid(*alpha_range, n_alpha), log_grid(*eps_range, n_eps)
    A, E = np.meshgrid(a, e)
    J = final_cost(p, "adam", lr=A.ravel(), eps=E.ravel())
    return Landscape(a, e, excess(p, J).reshape(A.shape))


class Sensitivity(NamedTuple):
    """How much the final cost moves along each axis of the landscape (in decades of ``J − J*``)."""
    alpha_decades: float  # median over ε of log10(max/min) along α
    eps_decades: float  # median over α of log10(max/min) along ε

    @property
    def ratio(self) -> float:
        return self.alpha_decades / max(self.eps_decades, 1e-12)


def sensitivity(ls: Landscape) -> Sensitivity:
    """The spread of ``log10(J − J*)`` along α (per row) and along ε (per column), medians of both."""
    L = np.log10(np.maximum(ls.cost, 1e-16))
    return Sensitivity(float(np.nanmedian(np.nanmax(L, 1) - np.nanmin(L, 1))),
                       float(np.nanmedian(np.nanmax(L, 0) - np.nanmin(L, 0))))


class Search(NamedTuple):
    """One search: the settings tried, their excess costs and the best of them."""
    points: Points
    cost: np.ndarray

    @property
    def best(self) -> int:
        return int(np.nanargmin(self.cost))

    @property
    def best_cost(self) -> float:
        return float(self.cost[self.best])

    @property
    def best_alpha(self) -> float:
        return float(self.points.alpha[self.best])

    @property
    def best_eps(self) -> float:
        return float(self.points.eps[self.best])


class Comparison(NamedTuple):
    grid: Search
    random: Search
    fine: Search  # random search in the zoomed box around the random search's best
    fine_box: tuple[tuple[float, float], tuple[float, float]]


def compare_searches(p: Problem, k: int, seed: int = 0, shrink: float = 0.25) -> Comparison:
    """Grid (k × k) against random search (k² points), then coarse to fine: k² more random points in the box
    ``zoom`` puts around the random search's best. All 3k² runs train in one vectorized run per stage."""
    rng = np.random.default_rng(seed)
    g, r = grid_points(k), random_points(k * k, rng)
    J = excess(p, final_cost(p, "adam", lr=np.r_[g.alpha, r.alpha], eps=np.r_[g.eps, r.eps]))
    grid, rand = Search(g, J[:k * k]), Search(r, J[k * k:])
    box = zoom(rand.best_alpha, rand.best_eps, shrink=shrink)
    f = random_points(k * k, rng, *box)
    fine = Search(f, excess(p, final_cost(p, "adam", lr=f.alpha, eps=f.eps)))
    return Comparison(grid, rand, fine, box)


# ------------------------------------------------------------------------------------- pandas vs caviar

def parse_sequence(text: str, lo: float = 1e-5, hi: float = 10.0, max_len: int = 12) -> list[float]:
    """A babysitter's learning rates, e.g. ``"0.01, 0.03, 0.1"``: one per stage, each in [lo, hi].
    Raises ValueError with a message a user can act on."""
    parts = [s for s in text.replace(";", ",").replace(" ", ",").split(",") if s]
    if not parts:
        raise ValueError("enter at least one learning rate, e.g. 0.01, 0.03, 0.1")
    if len(parts) > max_len:
        raise ValueError(f"at most {max_len} learning rates, got {len(parts)}")
    out = []
    for s in parts:
        try:
            v = float(s)
        except ValueError:
            raise ValueError(f"{s!r} is not a number") from None
        if not lo <= v <= hi:
            raise ValueError(f"every learning rate must be between {lo:g} and {hi:g}, got {s}")
        out.append(v)
    return out


def stage_schedule(rates: list[float], updates_per_stage: int) -> Callable[[int], float]:
    """``lr(t)`` for a learning rate changed by hand: update t (1-based) belongs to stage
    ``min(⌊(t − 1)/updates_per_stage⌋, stages − 1)``."""
    r = np.asarray(rates, dtype=float)
    return lambda t: float(r[min((t - 1) // updates_per_stage, len(r) - 1)])


class PandaCaviar(NamedTuple):
    """One babysat run (the panda) and as many parallel runs (the caviar), each as long as the panda's.
    ``curves`` is (epochs + 1, 1 + n) of ``J − J*``, column 0 the panda; ``epoch_rates`` the panda's α per
    epoch."""
    rates: list[float]
    caviar_alpha: np.ndarray
    epochs_per_stage: int
    curves: np.ndarray
    epoch_rates: np.ndarray

    @property
    def panda_final(self) -> float:
        return float(self.curves[-1, 0])

    @property
    def caviar_final(self) -> np.ndarray:
        return self.curves[-1, 1:]

    @property
    def caviar_best(self) -> int:
        return int(np.nanargmin(self.caviar_final))

    @property
    def caviar_best_final(self) -> float:
        return float(self.caviar_final[self.caviar_best])

    @property
    def panda_wins(self) -> bool:
        return self.panda_final < self.caviar_best_final


def panda_vs_caviar(p: Problem, rates: list[float], epochs_per_stage: int = 1, seed: int = 0) -> PandaCaviar:
    """The panda trains one model with α changed by hand after every ``epochs_per_stage`` epochs (``rates``,
    one per stage); the caviar trains ``len(rates)`` models at once, each with one log-uniform α for the whole
    run. Same number of learning rates tried, same run length, one vectorized run (column 0 the panda)."""
    n = len(rates)
    caviar = log_uniform(*ALPHA_RANGE, n, np.random.default_rng(seed))
    per_epoch = -(-p.Y.size // p.batch_size)
    panda = stage_schedule(rates, epochs_per_stage * per_epoch)
    run = p._replace(epochs=n * epochs_per_stage)
    _, costs = train_many(run, "adam", lr=lambda t: np.r_[panda(t), caviar])
    epoch_rates = np.repeat(np.asarray(rates, float), epochs_per_stage)
    return PandaCaviar(list(rates), caviar, epochs_per_stage, excess(p, costs), epoch_rates)


# -------------------------------------------------------------------------------- learning-rate sweeps

SWEEP_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
LABELS = {name: optimizers.SPECS[name].label for name in SWEEP_OPTIMIZERS}


class Sweep(NamedTuple):
    """Final excess cost against α for one optimizer (NaN where the run diverged)."""
    optimizer: str
    alpha: np.ndarray
    cost: np.ndarray

    @property
    def best_alpha(self) -> float:
        return float(self.alpha[np.nanargmin(self.cost)])

    @property
    def best_cost(self) -> float:
        return float(np.nanmin(self.cost))

    @property
    def diverged(self) -> int:
        return int(np.sum(~np.isfinite(self.cost)))


SWEEP_N, SWEEP_RANGE = 41, (1e-4, 100.0)


def lr_sweep(p: Problem, optimizer: str, n: int = SWEEP_N, alpha_range=SWEEP_RANGE) -> Sweep:
    """One vectorized run of ``optimizer`` over n log-spaced learning rates."""
    a = log_grid(*alpha_range, n)
    return Sweep(optimizer, a, excess(p, final_cost(p, optimizer, lr=a)))


def good_range(sw: Sweep, factor: float = 2.0) -> tuple[float, float]:
    """The learning rates whose excess cost is within ``factor`` × the best's: (smallest α, largest α)."""
    ok = sw.alpha[np.nan_to_num(sw.cost, nan=np.inf) <= factor * sw.best_cost]
    return float(ok.min()), float(ok.max())


# --------------------------------------------------------------------------------------------- presets

def rises(curve: np.ndarray) -> int:
    """How many epochs ended with a higher cost than they started with."""
    return int(np.sum(np.diff(curve) > 0))


# ------------------------------------------------------------------------------ what the page says, worded

def _g(v: float) -> str:
    return f"{v:.2g}"


def sensitivity_text(s: Sensitivity) -> str:
    """Which hyperparameter matters, from the landscape's spreads."""
    verdict = (f"α matters about {s.ratio:,.0f}× more than ε: ε barely matters" if s.ratio >= 10 else
               "α and ε matter about equally" if s.ratio >= 0.1 else "ε matters more than α")
    return (f"Along α the final cost spans {s.alpha_decades:.1f} decades (median over ε); along ε only "
            f"{s.eps_decades:.3f} decades (median over α). {verdict}.")


def search_text(cmp: Comparison, k: int) -> str:
    """Grid against random search (and the coarse-to-fine step), worded from the runs."""
    g, r, f = cmp.grid, cmp.random, cmp.fine
    n_g, n_r = distinct(g.points.alpha), distinct(r.points.alpha)
    better = ("random search found the lower cost" if r.best_cost < g.best_cost else
              "the grid found the lower cost" if g.best_cost < r.best_cost else "both found the same cost")
    zoomed = ("improved it" if f.best_cost < r.best_cost else "did not improve on it")
    return (f"With the same {k * k} runs, the grid tried {n_g} distinct learning rates and random search {n_r}. "
            f"Best J − J*: grid {_g(g.best_cost)} (α = {_g(g.best_alpha)}), random {_g(r.best_cost)} "
            f"(α = {_g(r.best_alpha)}): {better} this time. Coarse to fine: {k * k} more random runs in the box "
            f"α ∈ [{_g(cmp.fine_box[0][0])}, {_g(cmp.fine_box[0][1])}] around the random search's best reached "
            f"{_g(f.best_cost)} (α = {_g(f.best_alpha)}), which {zoomed}.")


def sampling_text(alpha_uniform: np.ndarray, alpha_log: np.ndarray, beta_uniform: np.ndarray,
                  beta_log: np.ndarray) -> str:
    """Where the uniform and the log-scale samples landed."""
    n = alpha_uniform.size
    return (f"Of {n:,} uniform samples of α, {share_in(alpha_uniform, 0.1, 1):.1%} landed in [0.1, 1] (expected "
            f"{0.9 / (1 - 1e-4):.1%}), and only {share_in(alpha_uniform, 1e-4, 1e-3):.2%} in [1e-4, 1e-3]; on a "
            f"log scale {share_in(alpha_log, 0.1, 1):.1%} and {share_in(alpha_log, 1e-4, 1e-3):.1%} (expected 25% "
            f"each). Of the uniform samples of β, {share_in(beta_uniform, 0.99, 0.999):.1%} fall in [0.99, 0.999], "
            f"where the window grows from 100 to 1000 values; sampling 1 − β on a log scale puts "
            f"{share_in(beta_log, 0.99, 0.999):.1%} there (expected 50%).")


def window_text(low: WindowStep, high: WindowStep) -> str:
    """The same step of β near 1 and far from 1."""
    return (f"From β = {high.beta:g} to {high.beta_next:g} the averaging window goes from {high.window:.4g} to "
            f"{high.window_next:.4g} values (×{high.ratio:.3g}); the same step from {low.beta:g} to "
            f"{low.beta_next:g} takes it only from {low.window:.4g} to {low.window_next:.4g} (×{low.ratio:.4g}). "
            "Sampling 1 − β on a log scale spends as many samples near 1, where β is sensitive, as near 0.9.")


def panda_text(pc: PandaCaviar) -> str:
    """Who ended lower, on what compute."""
    n = len(pc.rates)
    won = "the panda ended lower" if pc.panda_wins else "the caviar's best run ended lower"
    rose = rises(pc.curves[:, 0])
    return (f"The babysat run ended at J − J* = {_g(pc.panda_final)}; the best of the {n} parallel runs "
            f"(α = {_g(pc.caviar_alpha[pc.caviar_best])}) at {_g(pc.caviar_best_final)}: {won}. "
            f"The babysat cost rose in {rose} of its {pc.curves.shape[0] - 1} epochs. Both tried {n} learning rates "
            f"over the same {pc.curves.shape[0] - 1} epochs; the panda trained one model, the caviar {n} at once "
            f"({n}× the compute, the same wall time).")


def sweep_text(sweeps: list[Sweep]) -> str:
    """Each optimizer's best α, and how far apart they are."""
    if not sweeps:
        return "Choose at least one optimizer."
    best = [sw.best_alpha for sw in sweeps]
    parts = ", ".join(f"{LABELS.get(sw.optimizer, sw.optimizer)} {_g(sw.best_alpha)}" for sw in sweeps)
    spread = float(np.log10(max(best) / min(best)))
    return (f"Best α (lowest final cost): {parts}." + (
        f" They lie {spread:.1f} decades apart: a learning rate tuned for one optimizer says little about "
        "another." if len(sweeps) > 1 else ""))


PANDA_DEFAULT = "0.03, 0.1, 0.3, 0.1, 0.03, 0.01"
