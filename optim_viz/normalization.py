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


class Comparison(NamedTuple):
    data: Data
    X_centred: np.ndarray
    X_train_n: np.ndarray
    X_test_n: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    raw: Quadratic
    norm: Quadratic
    runs: dict  # {("raw"|"norm", optimizer name): Run}


def compare(ratio: float = 20.0, offset: float = 2.0, seed: int = 0, fraction: float = 0.95, steps: int = 2000,
            tol: float = 1e-6, methods=("sgd", "momentum", "adam"), m_train: int = 200) -> Comparison:
    """Everything the normalization page shows: data at each stage, both costs, and each optimizer on both."""
    data = make_data(ratio, offset, m_train=m_train, seed=seed)
    mu, sigma = fit(data.X_train)
    raw = regression_cost(data.X_train, data.y_train)
    Xn = transform(data.X_train, mu, sigma)
    norm = regression_cost(Xn, data.y_train)
    runs = {(kind, name): run_optimizer(q, name, fraction, steps, tol)
            for kind, q in (("raw", raw), ("norm", norm)) for name in methods}
    return Comparison(data, data.X_train - mu, Xn, transform(data.X_test, mu, sigma), mu, sigma, raw, norm, runs)


# Classic demonstrations for the Input normalization page: name -> (what to look for, {widget key: value}).
PRESETS = {
    "Very different feature scales": (
        "x₁ is 100 times larger than x₂: the raw contours are a long thin valley (κ in the thousands) and "
        "gradient descent does not reach the tolerance; after normalizing, κ ≈ 1 and it takes a few dozen steps.",
        {"ratio": 100.0, "offset": 0.0, "opts": ["sgd"]}),
    "Already normalized: nothing to gain": (
        "Both features already have mean 0 and variance 1: raw and normalized contours are both round and "
        "gradient descent needs about the same number of steps. Normalizing never hurts.",
        {"ratio": 1.0, "offset": 0.0}),
    "Subtract the mean too: an offset alone elongates": (
        "Same scale, but both features have mean 5: x₁ and x₂ are strongly correlated, so the valley is long and "
        "tilted. Subtracting μ makes it round; dividing by σ alone would not.",
        {"ratio": 1.0, "offset": 5.0, "opts": ["sgd"]}),
    "Momentum/Adam recover part of it": (
        "On the badly scaled raw inputs gradient descent would need tens of thousands of steps; momentum gets there "
        "in far fewer and Adam, which rescales each coordinate, faster still. All three are fast once the inputs "
        "are normalized.",
        {"ratio": 50.0, "offset": 2.0, "opts": ["sgd", "momentum", "adam"]}),
}
