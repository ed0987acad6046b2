"""Mini-batch gradient descent on a real problem: logistic regression with 2 weights and a bias.

Notation as in the course: ``X`` has shape (2, m) (one column per example), ``Y`` shape (m,) of 0/1,
params ``θ = [w₁, w₂, b]`` as one array so the project's optimizers update it directly.

    Z = w·X + b,  A = σ(Z),  J = −(1/m) Σ [y log a + (1 − y) log(1 − a)]
    dZ = A − Y,   dW = (1/m) X dZᵀ,   db = (1/m) Σ dZ

One epoch is one pass over the (reshuffled) training set in mini-batches ``X{t}, Y{t}`` of size
``batch_size`` (the last one may be smaller): size 1 is stochastic GD, size m is batch GD.
"""
from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from . import optimizers, schedules

M_DEFAULT = 3000
START = np.array([-3.0, 4.0, 0.0])  # a start far from the optimum so the paths travel across the contour


def make_data(m: int = M_DEFAULT, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping Gaussian classes in 2-D (correlated features, so the cost contours are
    elongated), shuffled; returns ``X`` (2, m) and ``Y`` (m,)."""
    rng = np.random.default_rng(seed)
    Y = (rng.random(m) < 0.5).astype(float)
    cov = np.array([[1.0, 0.6], [0.6, 1.0]])
    centre = np.where(Y[None, :] == 1, np.array([[1.0], [1.2]]), np.array([[-1.0], [-0.6]]))
    X = centre + np.linalg.cholesky(cov) @ rng.normal(size=(2, m))
    return X, Y


def _z(params: np.ndarray, X: np.ndarray) -> np.ndarray:
    return params[..., 0, None] * X[0] + params[..., 1, None] * X[1] + params[..., 2, None]


def cost(params: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Cross-entropy ``J = (1/m) Σ [log(1 + e^z) − y z]`` (the stable form of −[y log a + (1−y) log(1−a)]).
    ``params`` may be (3,) or (..., 3) for many parameter vectors at once."""
    Z = _z(np.asarray(params, dtype=float), X)
    return np.mean(np.logaddexp(0, Z) - Y * Z, axis=-1)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z), without overflow warnings for large |z|."""
    return np.exp(-np.logaddexp(0, -z))


def gradient(params: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``[dw₁, dw₂, db]`` with ``dZ = A − Y``, ``dW = (1/m) X dZᵀ``, ``db = mean(dZ)``."""
    dZ = sigmoid(_z(params, X)) - Y
    m = Y.shape[-1]
    return np.array([X[0] @ dZ / m, X[1] @ dZ / m, dZ.sum() / m])


def cost_and_gradient(params: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    """``(J, [dw₁, dw₂, db])`` from one forward pass (the trainer's per-update work)."""
    Z = _z(params, X)
    log1pez = np.logaddexp(0, Z)
    dZ = np.exp(Z - log1pez) - Y  # σ(z) = e^z / (1 + e^z)
    m = Y.shape[-1]
    return float(np.mean(log1pez - Y * Z)), np.array([X[0] @ dZ / m, X[1] @ dZ / m, dZ.sum() / m])


def accuracy(params: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    """Share of examples with ``(a > 0.5) == y``."""
    return float(np.mean((_z(params, X) > 0) == (Y == 1)))


def optimum(X: np.ndarray, Y: np.ndarray, iterations: int = 30) -> np.ndarray:
    """The minimizer of J by Newton's method (the cost is strictly convex when the classes overlap)."""
    p = np.zeros(3)
    Xb = np.vstack([X, np.ones(X.shape[1])])
    for _ in range(iterations):
        A = sigmoid(p @ Xb)
        H = (Xb * (A * (1 - A))) @ Xb.T / Y.size
        p = p - np.linalg.solve(H, Xb @ (A - Y) / Y.size)
    return p


class Run(NamedTuple):
    """One training run. ``path[0]`` is the start; ``cost_iter[i]`` is the mini-batch cost J{t} seen by
    update i + 1 (before it); ``cost_epoch[e]`` the full-batch cost after e epochs (e = 0 is the start)."""
    batch_size: int
    params: np.ndarray  # (3,) final [w1, w2, b]
    path: np.ndarray  # (updates + 1, 3)
    cost_iter: np.ndarray  # (updates,)
    cost_epoch: np.ndarray  # (epochs + 1,)
    updates_per_epoch: int
    time_per_epoch: np.ndarray  # (epochs,) seconds
    accuracy: float


def train(X: np.ndarray, Y: np.ndarray, batch_size: int, epochs: int, optimizer: str = "sgd",
          lr: float = 0.1, schedule: schedules.Schedule | None = None, seed: int = 0,
          start: np.ndarray = START, **hyper) -> Run:
    """Train θ = [w₁, w₂, b] from ``start`` with mini-batches of ``batch_size`` for ``epochs`` passes,
    reshuffling the examples every epoch (a single full batch needs no shuffle).

    ``optimizer`` names one of ``optimizers.SPECS`` (extra hyperparameters in ``hyper``). With a
    ``schedule`` (an epoch schedule from ``optim_viz.schedules``) the learning rate decays per epoch,
    via ``schedules.per_update``; otherwise α = ``lr`` throughout.
    """
    m = Y.size
    if not 1 <= batch_size <= m:
        raise ValueError(f"batch size must be between 1 and m = {m}")
    if epochs < 1:
        raise ValueError("train for at least one epoch")
    rng = np.random.default_rng(seed)
    n_batches = -(-m // batch_size)
    rate = schedules.per_update(schedule, n_batches) if schedule is not None else lr
    opt = optimizers.make(optimizer, lr=rate, **hyper)
    params = np.array(start, dtype=float)
    state = opt.init(params)
    path = np.empty((epochs * n_batches + 1, 3))
    cost_iter = np.empty(epochs * n_batches)
    cost_epoch = np.empty(epochs + 1)
    seconds = np.empty(epochs)
    path[0], cost_epoch[0] = params, cost(params, X, Y)
    i = 0
    with np.errstate(over="ignore"):
        for epoch in range(epochs):
            t0 = time.perf_counter()
            if n_batches > 1:
                order = rng.permutation(m)
                Xs, Ys = X[:, order], Y[order]
            else:
                Xs, Ys = X, Y
            for k in range(0, m, batch_size):
                Xt, Yt = Xs[:, k:k + batch_size], Ys[k:k + batch_size]
                cost_iter[i], g = cost_and_gradient(params, Xt, Yt)
                delta, state = opt.update(g, state, params)
                params = params + delta
                i += 1
                path[i] = params
            seconds[epoch] = time.perf_counter() - t0
            cost_epoch[epoch + 1] = cost(params, X, Y)
    return Run(batch_size, params, path, cost_iter, cost_epoch, n_batches, seconds, accuracy(params, X, Y))


def path_cost(path: np.ndarray, X: np.ndarray, Y: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Full-batch J at every row of ``path`` (N, 3), in chunks so memory stays at chunk × m."""
    return np.concatenate([cost(path[i:i + chunk], X, Y) for i in range(0, len(path), chunk)] or [np.empty(0)])


def cost_grid(X: np.ndarray, Y: np.ndarray, w1: np.ndarray, w2: np.ndarray, b: float) -> np.ndarray:
    """Full-batch J over the grid ``w1 × w2`` (1-D axes) at fixed bias ``b``; shape (len(w2), len(w1))."""
    W1, W2 = np.meshgrid(w1, w2)
    params = np.stack([W1, W2, np.full_like(W1, b)], axis=-1)
    return np.array([cost(row, X, Y) for row in params])


def batch_sizes(m: int, largest_power: int = 1024) -> list[int]:
    """The page's choices: 1 (stochastic), powers of two up to ``largest_power`` (below m), and m (batch)."""
    powers = [2**k for k in range(1, 20) if 2**k <= min(largest_power, m - 1)]
    return [1, *powers, m]


# ------------------------------------------------------------------------------- what the pages show

class Summary(NamedTuple):
    """One row of the mini-batch page's trade-off table (times are medians over the epochs)."""
    batch_size: int
    updates_per_epoch: int
    ms_per_epoch: float
    us_per_update: float
    final_cost: float
    accuracy: float


def summary(run: Run) -> Summary:
    """``ms_per_epoch = 10³ · median(epoch seconds)``, ``us_per_update = 10⁶ · median(epoch seconds) / updates
    per epoch``, the full-batch J after the last epoch and the final accuracy."""
    median = float(np.median(run.time_per_epoch))
    return Summary(run.batch_size, run.updates_per_epoch, 1e3 * median, 1e6 * median / run.updates_per_epoch,
                   float(run.cost_epoch[-1]), run.accuracy)


def cost_on_epoch_axis(run: Run, X: np.ndarray, Y: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch J at the path rows ``idx`` (update counts), against ``epoch = idx / updates_per_epoch``."""
    return idx / run.updates_per_epoch, path_cost(run.path[idx], X, Y)


def last_epoch(run: Run) -> Run:
    """The run cut to its last epoch: ``path`` from the epoch's start (one row) through its
    ``updates_per_epoch`` updates."""
    return run._replace(path=run.path[-run.updates_per_epoch - 1:])


def last_epoch_updates(run: Run) -> np.ndarray:
    """The ``updates_per_epoch`` parameter vectors θ_t reached by the updates of the last epoch, shape (n, 3)."""
    return run.path[-run.updates_per_epoch:]


def last_epoch_summary(run: Run, X: np.ndarray, Y: np.ndarray, optimum: np.ndarray,
                       J_star: float) -> tuple[float, float]:
    """Over the ``updates_per_epoch`` parameter vectors θ_t of the last epoch: the mean excess cost
    ``mean_t J(θ_t) − J*`` and the RMS distance ``sqrt(mean_t ‖(w₁, w₂)_t − (w₁*, w₂*)‖²)`` to the optimum."""
    tail = last_epoch_updates(run)
    gap = float(np.mean(path_cost(tail, X, Y)) - J_star)
    rms = float(np.sqrt(np.mean(np.sum((tail[:, :2] - optimum[:2]) ** 2, axis=1))))
    return gap, rms


def zoom_axes(paths: list, centre: np.ndarray, n: int = 60, pad: float = 1.15,
              min_half: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Axes ``w1``, ``w2`` of n points over the square centred on ``centre[:2]`` that holds every (w₁, w₂) of
    ``paths``: half-width ``h = max(pad · max |w − centre|, min_half)``, ``w1 = linspace(c₁ − h, c₁ + h, n)``."""
    pts = np.concatenate(paths)[:, :2]
    half = max(np.abs(pts - centre[:2]).max() * pad, min_half)
    return (np.linspace(centre[0] - half, centre[0] + half, n),
            np.linspace(centre[1] - half, centre[1] + half, n))


def view_axes(paths: list, optimum: np.ndarray, start: np.ndarray, n: int = 80, q: float = 0.5,
              margin: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Axes ``w1``, ``w2`` of n points over a box that shows the paths without their rare outliers and always
    holds the optimum and the start: per coordinate ``lo = min(P_q, optimum, start) − margin`` and
    ``hi = max(P_{100−q}, optimum, start) + margin``, P_q the q-th percentile of every (w₁, w₂) in ``paths``
    (the optimum and the start included)."""
    pts = np.concatenate([p[:, :2] for p in paths] + [optimum[None, :2], start[None, :2]])
    lo, hi = np.percentile(pts, q, axis=0), np.percentile(pts, 100 - q, axis=0)
    lo = np.minimum(lo, np.minimum(optimum[:2], start[:2])) - margin
    hi = np.maximum(hi, np.maximum(optimum[:2], start[:2])) + margin
    return np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
