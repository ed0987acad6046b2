"""Input normalization and what it does to the cost a linear regression minimizes.

Features are in ROWS and examples in COLUMNS, as in the course: ``X`` has shape ``(n_x, m)``.

    mu, sigma = fit(X_train)            # μ = mean(x),  σ² = mean((x − μ)²)
    X_train_n = transform(X_train, mu, sigma)
    X_test_n = transform(X_test, mu, sigma)   # the TRAINING μ and σ, never the test set's own

The regression part: ``ŷ = w₁x₁ + w₂x₂`` (no bias, the target is centred) has the quadratic cost
``J(w) = (1/2m) Σ (wᵀx⁽ⁱ⁾ − y⁽ⁱ⁾)² = ½ wᵀHw − cᵀw + ½ mean(y²)`` with Hessian ``H = XXᵀ/m``. Its
condition number ``κ = λ_max(H)/λ_min(H)`` sets how elongated the contours are and how many steps
gradient descent needs (about κ); GD diverges for ``α > 2/λ_max``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import optimizers, simulate
from .surfaces import Surface

ZERO_VARIANCE = ("raise", "keep")


def _as_2d(X) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] == 0:
        raise ValueError(f"X must be 2-D with features in rows and at least one example (column); got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values")
    return X


def fit(X, zero_variance: str = "raise") -> tuple[np.ndarray, np.ndarray]:
    """Training statistics per feature (row): ``μ = mean(x)``, ``σ = sqrt(mean((x − μ)²))``.

    σ is computed AFTER centering (the course: ``x −= μ; σ² = mean(x²)``). A feature with zero variance
    cannot be divided by its σ: ``zero_variance="raise"`` (default) raises a ``ValueError`` naming it;
    ``"keep"`` gives it σ = 1, so it is centred (to all zeros) but not scaled.
    Returns ``mu`` and ``sigma`` shaped ``(n_x, 1)`` so that they broadcast over the columns.
    """
    if zero_variance not in ZERO_VARIANCE:
        raise ValueError(f"zero_variance must be one of {ZERO_VARIANCE}, not {zero_variance!r}")
    X = _as_2d(X)
    mu = X.mean(axis=1, keepdims=True)
    Xc = X - mu
    sigma = np.sqrt((Xc * Xc).mean(axis=1, keepdims=True))
    # Relative threshold: a constant column of floats can leave σ at round-off level instead of exactly 0.
    flat = sigma[:, 0] <= 1e-12 * np.maximum(1.0, np.abs(mu[:, 0]))
    if flat.any():
        rows = np.flatnonzero(flat)
        if zero_variance == "raise":
            desc = ", ".join(f"row {i} (every value ≈ {mu[i, 0]:.6g})" for i in rows[:5])
            raise ValueError(
                f"feature(s) with zero variance: {desc}. Dividing by σ = 0 is undefined: drop the feature, "
                "or use zero_variance='keep' to centre it without scaling")
        sigma = np.where(flat[:, None], 1.0, sigma)
    return mu, sigma


def transform(X, mu, sigma) -> np.ndarray:
    """``(X − μ) / σ`` column-wise, with the statistics from ``fit`` (on the TRAINING set)."""
    X = _as_2d(X)
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    n_x = X.shape[0]
    if mu.size != n_x or sigma.size != n_x:
        raise ValueError(f"mu and sigma need one value per feature ({n_x}); got {mu.size} and {sigma.size}")
    mu, sigma = mu.reshape(n_x, 1), sigma.reshape(n_x, 1)
    if not (sigma > 0).all():
        raise ValueError("sigma must be positive for every feature (fit() reports zero-variance features)")
    return (X - mu) / sigma


# ---------------------------------------------------------------------------------------------
# Two features on different scales and the regression cost over the two weights.

class Data(NamedTuple):
    X_train: np.ndarray  # (2, m_train)
    y_train: np.ndarray  # (1, m_train), centred with the training mean
    X_test: np.ndarray  # (2, m_test)
    y_test: np.ndarray  # (1, m_test), centred with the TRAINING mean


def make_data(ratio: float = 20.0, offset: float = 2.0, m_train: int = 200, m_test: int = 60,
              seed: int = 0) -> Data:
    """Seeded data: ``x₁ = ratio·(z₁ + offset)``, ``x₂ = z₂ + offset`` with z ~ N(0, 1), and
    ``y = 1.5 z₁ − z₂ + 0.3 noise`` (centred). ``ratio`` is the scale ratio of the two features, ``offset``
    their mean in units of their spread."""
    rng = np.random.default_rng(seed)
    m = m_train + m_test
    z = rng.standard_normal((2, m))
    X = np.vstack([ratio * (z[0] + offset), z[1] + offset])
    y = (1.5 * z[0] - z[1] + 0.3 * rng.standard_normal(m))[None, :]
    y = y - y[:, :m_train].mean()
    return Data(X[:, :m_train], y[:, :m_train], X[:, m_train:], y[:, m_train:])


class Quadratic(NamedTuple):
    """``J(w) = ½ wᵀHw − cᵀw + ½ yy``: the least-squares cost over two weights."""
    H: np.ndarray  # (2, 2) Hessian XXᵀ/m
    c: np.ndarray  # (2,) Xyᵀ/m
    yy: float  # mean(y²)

    def cost(self, w1, w2):
        """J at weights (w1, w2), vectorized over arrays of any equal shape."""
        (a, b), (_, d) = self.H
        return 0.5 * (a * w1 * w1 + 2 * b * w1 * w2 + d * w2 * w2) - self.c[0] * w1 - self.c[1] * w2 + 0.5 * self.yy

    def grad(self, w1, w2):
        """∇J = Hw − c as the pair (∂J/∂w₁, ∂J/∂w₂)."""
        (a, b), (_, d) = self.H
        return a * w1 + b * w2 - self.c[0], b * w1 + d * w2 - self.c[1]

    @property
    def w_star(self) -> np.ndarray:
        return np.linalg.solve(self.H, self.c)

    @property
    def J_star(self) -> float:
        return float(self.cost(*self.w_star))

    @property
    def eigenvalues(self) -> np.ndarray:
        return np.linalg.eigvalsh(self.H)

    @property
    def L_max(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def condition(self) -> float:
        """κ = λ_max / λ_min of the Hessian."""
        lo, hi = self.eigenvalues
        return float(hi / lo) if lo > 0 else float("inf")


def regression_cost(X, y) -> Quadratic:
    """The quadratic least-squares cost of ``ŷ = wᵀx`` on data ``X`` (2, m), ``y`` (1, m)."""
    X, y = np.asarray(X, float), np.asarray(y, float).reshape(1, -1)
    m = X.shape[1]
    return Quadratic(X @ X.T / m, (X @ y.T)[:, 0] / m, float((y * y).mean()))


def condition_number(X) -> float:
    """κ of the regression Hessian ``XXᵀ/m`` for inputs ``X``."""
    return regression_cost(X, np.zeros((1, np.asarray(X).shape[1]))).condition


def stability_limit(q: Quadratic, method: str = "sgd", beta: float = 0.9) -> float:
    """The largest stable learning rate on a quadratic: ``2/λ_max`` for gradient descent; for momentum
    in the course's EWMA form (``v = βv + (1−β)g``, ``w −= αv``) it is ``2(1+β) / ((1−β) λ_max)``."""
    if method == "sgd":
        return 2.0 / q.L_max
    if method == "momentum":
        return 2.0 * (1 + beta) / ((1 - beta) * q.L_max)
    raise ValueError(f"no closed-form stability limit for {method!r}")


def gd_steps_closed_form(q: Quadratic, lr: float, tol: float = 1e-6, start=(0.0, 0.0),
                         limit: int = 10**9) -> int:
    """Steps plain GD needs until ``(J − J*)/(J(w₀) − J*) < tol``, from the eigen-decomposition
    ``H = Σ λᵢ uᵢuᵢᵀ``: ``J_t − J* = ½ Σ λᵢ eᵢ² (1 − αλᵢ)^{2t}`` with ``eᵢ = uᵢᵀ(w₀ − w*)``. No simulation,
    so it also answers for runs far longer than a page simulates. -1 if unstable or above ``limit``."""
    lam, U = np.linalg.eigh(q.H)
    e = U.T @ (np.asarray(start, float) - q.w_star)
    weight = lam * e * e
    rate = np.abs(1 - lr * lam)
    if weight.sum() <= 0:
        return 0
    if (rate[weight > 0] >= 1).any():
        return -1

    def gap(t: int) -> float:
        return float((weight * rate ** (2.0 * t)).sum() / weight.sum())

    if gap(limit) >= tol:
        return -1
    lo, hi = 0, limit  # gap(t) decreases monotonically in t, so bisect for the first t with gap < tol
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if gap(mid) >= tol else (lo, mid)
    return lo


def gd_steps_at_fraction(q: Quadratic, fraction: float, tol: float = 1e-6) -> int:
    """``gd_steps_closed_form`` at ``α = fraction · 2/λ_max``, the rate ``run_optimizer`` gives gradient descent
    (-1 if it never gets below ``tol``)."""
    return gd_steps_closed_form(q, fraction * stability_limit(q, "sgd"), tol)


def surface(q: Quadratic, name: str = "regression", span: float | None = None) -> Surface:
    """The cost as a ``surfaces.Surface`` so that ``simulate.run`` can move optimizers on it."""
    w = q.w_star
    r = span if span is not None else 1.3 * max(np.hypot(*w), 1e-9)
    return Surface(name, "Regression cost J(w₁, w₂)", q.cost, q.grad,
                   ((w[0] - r, w[0] + r), (w[1] - r, w[1] + r)), w[None, :], np.zeros(2), log_colour=False)


def relative_gap(loss: np.ndarray, q: Quadratic, start_loss: float) -> np.ndarray:
    """``(J − J*) / (J(w₀) − J*)``: progress measured the same way for the raw and normalized problems."""
    J_star = q.J_star
    return (loss - J_star) / max(start_loss - J_star, 1e-300)


class Run(NamedTuple):
    label: str
    lr: float
    path: simulate.Path  # n = 1 point
    gap: np.ndarray  # (steps+1,) relative gap
    steps: int  # first step with gap < tol, -1 if not within the horizon


# Tuned learning rates: momentum over fractions of its stability limit, Adam over multiples of |w*|
# (Adam's steps are about α per coordinate, whatever the gradient's scale).
MOMENTUM_GRID = np.geomspace(0.01, 0.95, 17)
ADAM_LR_GRID = np.geomspace(1e-4, 0.3, 17)


def _best_of_grid(factory, lrs: np.ndarray, q: Quadratic, start: np.ndarray, steps: int, tol: float):
    """Run ``factory(lrs)`` from ``start`` for every rate at once; keep the one reaching ``tol`` first (ties to
    the smaller rate; if none does, the lowest final cost)."""
    sweep = simulate.run(factory(lrs), surface(q), np.repeat(start, len(lrs), axis=0), steps)
    with np.errstate(invalid="ignore"):
        hit = simulate.steps_to_tolerance(relative_gap(sweep.loss, q, float(q.cost(*start[0]))), tol)
    if (hit >= 0).any():
        best = int(np.argmin(np.where(hit < 0, steps + 1, hit)))
    else:
        best = int(np.nanargmin(np.where(np.isfinite(sweep.loss[-1]), sweep.loss[-1], np.inf)))
    return float(lrs[best]), simulate.Path(*(a[:, best:best + 1] if a.ndim > 1 else a[best:best + 1] for a in sweep))


def run_optimizer(q: Quadratic, name: str, fraction: float = 0.95, steps: int = 2000, tol: float = 1e-6,
                  beta: float = 0.9, start=(0.0, 0.0)) -> Run:
    """Run gradient descent (``sgd``) at ``fraction`` of its stability limit 2/λ_max; ``momentum`` (β = 0.9)
    and ``adam`` at the best learning rate of a fixed grid (``MOMENTUM_GRID`` × their limit,
    ``ADAM_LR_GRID`` × |w*|). Returns the path, the relative gap and the steps to reach ``tol``."""
    start = np.asarray(start, float).reshape(1, 2)
    if name == "sgd":
        lr = fraction * stability_limit(q, "sgd")
        path = simulate.run(optimizers.sgd(lr), surface(q), start, steps)
    elif name == "momentum":
        lrs = MOMENTUM_GRID * stability_limit(q, "momentum", beta)
        lr, path = _best_of_grid(lambda a: optimizers.momentum(a, beta), lrs, q, start, steps, tol)
    elif name == "adam":
        lrs = ADAM_LR_GRID * max(np.hypot(*q.w_star), 1e-12)
        lr, path = _best_of_grid(optimizers.adam, lrs, q, start, steps, tol)
    else:
        raise ValueError(f"unknown optimizer {name!r}; use sgd, momentum or adam")
    gap = relative_gap(path.loss[:, 0], q, float(q.cost(*start[0])))
    with np.errstate(invalid="ignore"):
        n = int(simulate.steps_to_tolerance(gap[:, None], tol)[0])
    return Run(optimizers.SPECS[name].label, lr, path, gap, n)


# ---------------------------------------------------------------------------------------------
# Fast paths for the page: the same runs as ``run_optimizer``, without simulate.run's generic per-step
# machinery (gradient, moments and loss per step for every lane). On a quadratic, gradient descent has a
# closed form, and momentum and Adam over their whole learning-rate grids run as one vectorized loop.

def gd_path(q: Quadratic, lr: float, steps: int, start=(0.0, 0.0)) -> simulate.Path:
    """Gradient descent on the quadratic in closed form: ``w_t = w* + Σ uᵢ (1 − αλᵢ)^t uᵢᵀ(w₀ − w*)``, the same
    path ``simulate.run(optimizers.sgd(α), ...)`` takes step by step (to round-off), with its divergence rule."""
    lam, U = np.linalg.eigh(q.H)
    w_star = q.w_star
    e0 = U.T @ (np.asarray(start, float) - w_star)
    t = np.arange(steps + 1, dtype=float)[:, None]
    with np.errstate(all="ignore"):
        xy = w_star + (np.sign(1 - lr * lam) ** t * np.abs(1 - lr * lam) ** t * e0) @ U.T
        loss = q.cost(xy[:, 0], xy[:, 1])
    return _as_path(xy[:, None, :], loss[:, None])


def _as_path(xy: np.ndarray, loss: np.ndarray) -> simulate.Path:
    """A ``simulate.Path`` (no recorded moments) with simulate.run's divergence rule: NaN from the first step
    whose position or loss is not finite or leaves |w| ≤ 1e6."""
    steps = xy.shape[0] - 1
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(loss) | ~np.isfinite(xy).all(axis=2) | (np.abs(xy) > simulate.DIVERGENCE_LIMIT).any(axis=2)
    diverged_at = simulate.first_true(bad)
    after = np.arange(steps + 1)[:, None] >= np.where(diverged_at < 0, steps + 1, diverged_at)[None, :]
    xy, loss = xy.copy(), loss.copy()
    xy[after], loss[after] = np.nan, np.nan
    none = np.empty((0,) + xy.shape[1:])
    return simulate.Path(xy, loss, diverged_at, none, none, none)


GRID_METHODS = ("momentum", "adam")


def grid_sweeps(problems: dict, steps: int, beta: float = 0.9, start=(0.0, 0.0)) -> dict:
    """Momentum over ``MOMENTUM_GRID`` × its stability limit and Adam over ``ADAM_LR_GRID`` × |w*| on every
    quadratic of ``problems`` ({kind: Quadratic}), all in ONE loop over the steps (vectorized over every rate of
    every problem). The arithmetic is that of ``optimizers.momentum`` / ``optimizers.adam`` on ``surface(q)``, so
    each lane equals ``simulate.run`` of that rate alone. Returns {(kind, name): (rates, Path over the rates)}."""
    lanes = []  # (kind, name, rates)
    for kind, q in problems.items():
        lanes.append((kind, "momentum", MOMENTUM_GRID * stability_limit(q, "momentum", beta)))
    for kind, q in problems.items():
        lanes.append((kind, "adam", ADAM_LR_GRID * max(np.hypot(*q.w_star), 1e-12)))
    sizes = [len(r) for _, _, r in lanes]
    kinds = [kind for kind, _, r in lanes for _ in r]
    n, n_mom = len(kinds), sum(s for (_, name, _), s in zip(lanes, sizes) if name == "momentum")
    # Lanes in columns, the coordinates in rows, and every lane runs Adam's operations: each call is then on whole,
    # contiguous, equal-shaped arrays, which costs a third of a call on a slice or with broadcasting at this size
    # (the loop is all per-call overhead). A momentum lane is Adam with v̂ = v/1 and a denominator of exactly 1:
    # −α·((v/1)/1) has the bits of momentum's −α·v.
    def rows(values):  # (2, n): one value per lane, the same for both coordinates
        return np.tile(np.asarray(values, float), (2, 1))

    H = np.array([problems[k].H for k in kinds])  # (n, 2, 2)
    diag, off = np.stack([H[:, 0, 0], H[:, 1, 1]]), np.stack([H[:, 0, 1], H[:, 0, 1]])
    c = np.array([problems[k].c for k in kinds]).T  # (2, n)
    neg_lr = rows(-np.concatenate([r for _, _, r in lanes]))
    b1, b2, eps = np.float64(0.9), np.float64(0.999), 1e-8
    is_mom = np.arange(n) < n_mom
    beta_ = rows(np.where(is_mom, beta, b1))  # momentum's v and Adam's first moment: the same EWMA
    one_beta = rows(np.where(is_mom, 1 - np.float64(beta), 1 - b1))
    b2_, one_b2, eps_ = rows([b2] * n), rows([1 - b2] * n), rows([eps] * n)
    # 1 − βᵗ of every step (the scalar b ** t's pow), 1 in the momentum lanes
    t_all = np.arange(1, steps + 1)[:, None, None]
    c1 = np.where(is_mom, 1.0, 1 - b1 ** t_all) * np.ones((1, 2, 1))
    c2 = (1 - b2 ** t_all) * np.ones((1, 2, n))
    # rows x, y, x of every step: the position w = q[t, :2] and its swap (y, x) = q[t, 1:] are both contiguous,
    # so Hw − c = [a; d]·w + [b; b]·(y, x) − c
    q = np.empty((steps + 1, 3, n))
    q[0, :2] = np.asarray(start, float)[:, None]
    q[0, 2] = q[0, 0]
    g, tmp, step, v, s, root = (np.zeros((2, n)) for _ in range(6))
    mul, add, sub, div, sqrt, copy = np.multiply, np.add, np.subtract, np.divide, np.sqrt, np.copyto
    # Every operation writes into a buffer, out= by position (a keyword costs as much as the arithmetic here), in
    # the order of optimizers.momentum / optimizers.adam, so the bits are theirs.
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            w, nxt = q[t - 1], q[t]
            mul(diag, w[:2], g)
            add(g, mul(off, w[1:], tmp), g)
            sub(g, c, g)
            mul(beta_, v, v)
            add(v, mul(one_beta, g, tmp), v)
            mul(b2_, s, s)
            add(s, mul(one_b2, mul(g, g, tmp), tmp), s)
            div(s, c2[t - 1], root)
            sqrt(root, root)
            add(root, eps_, root)
            root[:, :n_mom] = 1.0
            div(v, c1[t - 1], step)
            div(step, root, step)
            mul(step, neg_lr, step)
            add(w[:2], step, nxt[:2])
            copy(nxt[2], nxt[0])
        xy = q[:, :2]
        xy = xy.transpose(0, 2, 1)  # (steps + 1, n, 2), as simulate.Path keeps it
        w1, w2 = xy[..., 0], xy[..., 1]
        loss = (0.5 * (H[:, 0, 0] * w1 * w1 + 2 * H[:, 0, 1] * w1 * w2 + H[:, 1, 1] * w2 * w2)
                - c[0] * w1 - c[1] * w2 + 0.5 * np.array([problems[k].yy for k in kinds]))
    out, i = {}, 0
    for (kind, name, rates), k in zip(lanes, sizes):
        out[(kind, name)] = (rates, _as_path(xy[:, i:i + k], loss[:, i:i + k]))
        i += k
    return out


def best_of_sweep(q: Quadratic, rates: np.ndarray, sweep: simulate.Path, steps: int, tol: float,
                  start=(0.0, 0.0)) -> tuple[float, simulate.Path]:
    """The rate of a sweep that reaches ``tol`` first within ``steps`` (ties to the smaller rate; if none does,
    the lowest final cost) and its path cut to ``steps``: what ``_best_of_grid`` picks."""
    cut = simulate.Path(*(a[:steps + 1] if a.ndim > 1 and a.shape[0] else a for a in sweep))
    start = np.asarray(start, float).reshape(1, 2)
    with np.errstate(invalid="ignore"):
        hit = simulate.steps_to_tolerance(relative_gap(cut.loss, q, float(q.cost(*start[0]))), tol)
    if (hit >= 0).any():
        best = int(np.argmin(np.where(hit < 0, steps + 1, hit)))
    else:
        best = int(np.nanargmin(np.where(np.isfinite(cut.loss[-1]), cut.loss[-1], np.inf)))
    return float(rates[best]), simulate.Path(*(a[:, best:best + 1] if a.ndim > 1 else a[best:best + 1] for a in cut))


def as_run(q: Quadratic, name: str, lr: float, path: simulate.Path, tol: float, start=(0.0, 0.0)) -> Run:
    """A ``Run`` from a one-lane path: its relative gap and the first step below ``tol``."""
    gap = relative_gap(path.loss[:, 0], q, float(q.cost(*np.asarray(start, float))))
    with np.errstate(invalid="ignore"):
        n = int(simulate.steps_to_tolerance(gap[:, None], tol)[0])
    return Run(optimizers.SPECS[name].label, lr, path, gap, n)


class Problems(NamedTuple):
    data: Data
    X_centred: np.ndarray
    X_train_n: np.ndarray
    X_test_n: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    raw: Quadratic
    norm: Quadratic


def problems(ratio: float = 20.0, offset: float = 2.0, seed: int = 0, m_train: int = 200) -> Problems:
    """The data at each stage and the regression cost on the raw and on the normalized inputs."""
    data = make_data(ratio, offset, m_train=m_train, seed=seed)
    mu, sigma = fit(data.X_train)
    Xn = transform(data.X_train, mu, sigma)
    return Problems(data, data.X_train - mu, Xn, transform(data.X_test, mu, sigma), mu, sigma,
                    regression_cost(data.X_train, data.y_train), regression_cost(Xn, data.y_train))


# The problems plus the runs on them: {("raw"|"norm", optimizer name): Run}.
Comparison = NamedTuple("Comparison", [*Problems.__annotations__.items(), ("runs", dict)])


def assemble(pb: Problems, sweeps: dict | None, fraction: float, steps: int, tol: float, methods) -> Comparison:
    """The page's comparison from its pieces: ``problems``, ``grid_sweeps`` (run for at least ``steps``; None if
    ``methods`` has only gradient descent) and the closed-form gradient-descent path at ``fraction``."""
    runs = {}
    for kind, q in (("raw", pb.raw), ("norm", pb.norm)):
        for name in methods:
            if name == "sgd":
                lr = fraction * stability_limit(q, "sgd")
                runs[(kind, name)] = as_run(q, name, lr, gd_path(q, lr, steps), tol)
            elif name in GRID_METHODS:
                lr, path = best_of_sweep(q, *sweeps[(kind, name)], steps, tol)
                runs[(kind, name)] = as_run(q, name, lr, path, tol)
            else:
                raise ValueError(f"unknown optimizer {name!r}; use sgd, momentum or adam")
    return Comparison(*pb, runs)


def compare(ratio: float = 20.0, offset: float = 2.0, seed: int = 0, fraction: float = 0.95, steps: int = 2000,
            tol: float = 1e-6, methods=("sgd", "momentum", "adam"), m_train: int = 200) -> Comparison:
    """Everything the normalization page shows: data at each stage, both costs, and each optimizer on both."""
    pb = problems(ratio, offset, seed, m_train)
    sweeps = grid_sweeps({"raw": pb.raw, "norm": pb.norm}, steps) if set(methods) & set(GRID_METHODS) else None
    return assemble(pb, sweeps, fraction, steps, tol, methods)


# ---------------------------------------------------------------------------------------------
# What the page says, computed: every number and comparison in its sentences comes from here.

def correlation(X) -> float:
    """Pearson correlation of the two features (rows) of ``X``."""
    Xc = X - X.mean(axis=1, keepdims=True)
    return float((Xc[0] @ Xc[1]) / np.sqrt((Xc[0] @ Xc[0]) * (Xc[1] @ Xc[1])))


class Conditioning(NamedTuple):
    raw: float  # κ of XXᵀ/m on the raw inputs
    centred: float  # after x −= μ only
    scaled: float  # after x /= σ only (no centring)
    normalized: float  # after both
    correlation: float  # of x₁ and x₂ (unchanged by either step)


def conditioning(X_train) -> Conditioning:
    """κ of the uncentred second-moment matrix XXᵀ/m at each stage, and the features' correlation: an offset
    makes XXᵀ/m nearly singular (every entry ≈ the shared mean squared) even for uncorrelated features."""
    mu, sigma = fit(X_train)
    return Conditioning(condition_number(X_train), condition_number(X_train - mu), condition_number(X_train / sigma),
                        condition_number(transform(X_train, mu, sigma)), correlation(X_train))


def diagonal_condition(q: Quadratic) -> float:
    """κ after the best per-coordinate rescaling ``D^{-1/2} H D^{-1/2}`` (D = diag H): what rescaling each weight
    separately, as Adam's √ŝ roughly does, can reach. It removes a difference in scale but not a tilt."""
    d = 1.0 / np.sqrt(np.diag(q.H))
    return Quadratic(q.H * np.outer(d, d), q.c, q.yy).condition


def gd_rates(q: Quadratic, fraction: float) -> np.ndarray:
    """``1 − αλᵢ`` at ``α = fraction · 2/λ_max``, smallest eigenvalue first: the factor by which gradient descent
    multiplies the error along each eigen-direction per step. The steep one is ``1 − 2·fraction``; negative means
    the error changes sign every step (a zig-zag across the minimum)."""
    return 1.0 - fraction * stability_limit(q, "sgd") * q.eigenvalues


def best_gd_steps(q: Quadratic, tol: float = 1e-6) -> int:
    """Gradient descent's closed-form step count at its best fixed rate ``α = 2/(λ_min + λ_max)``."""
    lo, hi = q.eigenvalues
    return gd_steps_closed_form(q, 2.0 / (lo + hi), tol)


def momentum_gain_bound(beta: float = 0.9) -> float:
    """``(1+β)/(1−β)``: momentum's largest stable rate over gradient descent's, which caps its gain on a badly
    conditioned quadratic when β is fixed (19 at β = 0.9); ~√κ steps needs β tuned to κ."""
    return (1 + beta) / (1 - beta)


def effect(raw_steps: int, norm_steps: int) -> str:
    """What normalizing did to one optimizer's step count: "helped", "same" or "hurt" (-1, not reached, counts
    as more than any reached count)."""
    big = 10**12
    r, n = (big if s < 0 else s for s in (raw_steps, norm_steps))
    return "same" if r == n else "helped" if n < r else "hurt"


def fmt_kappa(k: float) -> str:
    """A condition number for text: 1.14, 37.3, 1,265, 3.2e+08."""
    return f"{k:.3g}" if k < 100 else f"{k:,.0f}" if k < 1e7 else f"{k:.2g}"


NAMES = {"sgd": "gradient descent", "momentum": "momentum", "adam": "Adam"}


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


CLOSED_FORM_LIMIT = 10**9  # gd_steps_closed_form answers "-1" beyond this many steps


def _count(n: int, steps: int | None = None) -> str:
    """A step count for a sentence: "1 step", "4,550 steps"; -1 is "more than" the horizon (or the closed form's
    limit of a billion)."""
    if n < 0:
        return f"more than {steps:,} steps" if steps else f"more than {CLOSED_FORM_LIMIT:,} steps"
    return f"{n:,} step" + ("" if n == 1 else "s")


class Story(NamedTuple):
    """The facts the page's captions state, and the captions worded from them."""
    gd_steps: tuple[int, int]  # closed-form GD steps (raw, normalized) at the page's α
    rates: tuple[np.ndarray, np.ndarray]  # 1 − αλᵢ per eigen-direction (raw, normalized)
    steps: dict  # {name: (raw, normalized)} simulated steps to the tolerance (-1: not within the horizon)
    effects: dict  # {name: "helped" | "same" | "hurt"}
    momentum_gain: float  # GD's closed-form steps over momentum's on the raw inputs (NaN if either never)
    diagonal_kappa: float  # κ of the raw cost after the best per-coordinate rescaling
    contours: str
    steps_text: str


def story(cmp: Comparison, fraction: float, tol: float, methods, horizon: int | None = None,
          beta: float = 0.9) -> Story:
    """What the cost contours and the step counts show, computed (items the page must not state from memory)."""
    gd = tuple(gd_steps_at_fraction(q, fraction, tol) for q in (cmp.raw, cmp.norm))
    rates = (gd_rates(cmp.raw, fraction), gd_rates(cmp.norm, fraction))
    steps = {name: tuple(cmp.runs[(kind, name)].steps for kind in ("raw", "norm")) for name in methods}
    effects = {name: effect(*(gd if name == "sgd" else steps[name])) for name in methods}
    m_raw = steps.get("momentum", (-1,))[0]
    gain = gd[0] / m_raw if m_raw > 0 and gd[0] >= 0 else float("nan")
    diag_kappa = diagonal_condition(cmp.raw)
    k_raw, k_norm = cmp.raw.condition, cmp.norm.condition
    steep = 1 - 2 * fraction
    alpha = f"α = {fraction:.2f}·2/λ_max"

    def shape(k: float) -> str:
        return "nearly round contours" if k < 1.5 else "elongated ellipses" if k < 20 else "long, thin ellipses"

    def motion(r: np.ndarray, where: str) -> str:
        neg = r < 0
        if neg.all():
            return (f"every component of the error changes sign each step (factors {r[0]:+.2f} and {r[1]:+.2f}), "
                    f"so gradient descent zig-zags across {where}")
        if neg.any():
            along = (f"the error along the valley shrinks by only {r[0]:.4g} per step, so gradient descent "
                     "zig-zags across the valley while it crawls along it") if r[0] > 0.9 else (
                     f"the other shrinks by {r[0]:.2g} per step, so gradient descent zig-zags across the valley")
            return f"the steep component changes sign each step (factor {steep:+.2f}) while " + along
        return (f"no component changes sign (factors {r[0]:.2f} and {r[1]:.2f}), so gradient descent approaches "
                f"{where} without overshooting")

    contours = (f"Raw inputs: {shape(k_raw)} (κ = {fmt_kappa(k_raw)}; equal axis scales). At {alpha}, "
                f"{motion(rates[0], 'the minimum ★')}. Normalized inputs: {shape(k_norm)} "
                f"(κ = {fmt_kappa(k_norm)}); at the same rule for α, {motion(rates[1], 'the minimum ★')}. "
                "A fraction of at most 0.5 (α ≤ 1/λ_max) makes every factor non-negative: no overshoot.")

    slow = [float(np.abs(r).max()) for r in rates]
    text = [f"Gradient descent at {alpha} needs {_count(gd[0])} on the raw inputs and {_count(gd[1])} on "
            "the normalized ones (closed form)"]
    if gd[0] > 0 and gd[1] > 0 and k_raw / k_norm >= 2:
        text[-1] += f": {gd[0] / gd[1]:,.0f}× as many, not κ_raw/κ_norm = {k_raw / k_norm:,.0f}×"
    text[-1] += (f". The count follows the slowest factor max|1 − αλᵢ|: {slow[0]:.4f} raw, {slow[1]:.4f} normalized")
    if abs(abs(steep) - slow[1]) < 1e-12 and steep < 0:
        text[-1] += (f"; on the normalized inputs it is the steep direction's |1 − 2·{fraction:.2f}| = {-steep:.2f}: "
                     f"near the stability limit even a round problem takes {_count(gd[1])}")
    text[-1] += "."
    if "momentum" in methods:
        m = steps["momentum"]
        if m[0] < 0:
            text.append(f"Momentum (course form v = βv + (1−β)g, W −= αv, β = {beta:g}, best α of its grid) does not "
                        "reach the tolerance on the raw inputs within "
                        + (f"the {horizon:,} simulated steps." if horizon else "the simulated steps."))
        else:
            cmp_word = (f"{gain:,.1f}× fewer than gradient descent's {gd[0]:,}" if gain >= 1 else
                        f"{1 / gain:,.1f}× more than gradient descent's {gd[0]:,}") if np.isfinite(gain) else ""
            text.append(f"Momentum (course form v = βv + (1−β)g, W −= αv, β = {beta:g}, best α of its grid) needs "
                        f"{_count(m[0])} on the raw inputs" + (f", {cmp_word}" if cmp_word else "") + ".")
        text.append(f"With β fixed at {beta:g} its largest stable α is (1+β)/(1−β) = "
                    f"{momentum_gain_bound(beta):.0f} times gradient descent's, so its gain stops growing with κ: on "
                    "very elongated valleys (κ of several thousand) it levels off near that factor; a gain that keeps "
                    "growing like √κ needs β tuned to κ.")
    if "adam" in methods:
        a = steps["adam"]
        text.append(f"Adam (best α of its grid) needs {_count(a[0], horizon)} raw and {_count(a[1], horizon)} "
                    "normalized. Rescaling each weight separately, as Adam's √ŝ roughly does, "
                    + (f"has nothing to fix here: the raw cost is already round (κ = {fmt_kappa(k_raw)})."
                       if k_raw < 1.5 else
                       f"would leave κ at {fmt_kappa(diag_kappa)} of {fmt_kappa(k_raw)} here: this elongation is the "
                       "tilt a shared offset gives the valley, not a difference in scale." if diag_kappa > 0.5 * k_raw
                       else f"can at best take κ from {fmt_kappa(k_raw)} to {fmt_kappa(diag_kappa)} here: it undoes "
                       "a difference in scale, not the tilt a shared offset gives the valley."))
    helped = [NAMES[n] for n in methods if effects[n] == "helped"]
    hurt = [f"{NAMES[n]} ({_count((gd if n == 'sgd' else steps[n])[0], horizon)} → "
            f"{_count((gd if n == 'sgd' else steps[n])[1], horizon)})" for n in methods if effects[n] == "hurt"]
    same = [NAMES[n] for n in methods if effects[n] == "same"]
    parts = []
    if helped:
        parts.append(f"saved steps for {_join(helped)}")
    if same:
        parts.append(f"left {_join(same)} unchanged")
    if hurt:
        parts.append(f"cost {_join(hurt)} steps: it guarantees round contours, not fewer steps for every "
                     "optimizer at every setting")
    text.append("Here normalizing " + "; it ".join(parts) + ".")
    return Story(gd, rates, steps, effects, gain, diag_kappa, contours, " ".join(text))
