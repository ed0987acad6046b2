"""Mini-batch gradient descent on a real problem: logistic regression with 2 weights and a bias.

Notation as in the course: ``X`` has shape (2, m) (one column per example), ``Y`` shape (m,) of 0/1,
params ``θ = [w₁, w₂, b]`` as one array so the project's optimizers update it directly.

    Z = w·X + b,  A = σ(Z),  J = −(1/m) Σ [y log a + (1 − y) log(1 − a)]
    dZ = A − Y,   dW = (1/m) X dZᵀ,   db = (1/m) Σ dZ

One epoch is one pass over the (reshuffled) training set in mini-batches ``X{t}, Y{t}`` of size
``batch_size`` (the last one may be smaller): size 1 is stochastic GD, size m is batch GD.
"""
from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np

from . import optimizers, schedules
from .nn import sigmoid, single_blas_thread

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


@single_blas_thread
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


def updates_per_epoch(m: int, batch_size: int) -> int:
    """Mini-batches in one pass over m examples: ``⌈m / batch_size⌉`` (the last one may be smaller)."""
    return -(-int(m) // int(batch_size))


def train(X: np.ndarray, Y: np.ndarray, batch_size: int, epochs: int, optimizer: str = "sgd",
          lr: float = 0.1, schedule: schedules.Schedule | None = None, seed: int = 0,
          start: np.ndarray = START, **hyper) -> Run:
    """Train θ = [w₁, w₂, b] from ``start`` with mini-batches of ``batch_size`` for ``epochs`` passes,
    reshuffling the examples every epoch (a single full batch needs no shuffle).

    ``optimizer`` names one of ``optimizers.SPECS`` (extra hyperparameters in ``hyper``). With a
    ``schedule`` (an epoch schedule from ``optim_viz.schedules``) the learning rate decays per epoch,
    via ``schedules.per_update``; otherwise α = ``lr`` throughout.
    """
    return train_many(X, Y, batch_size, epochs, optimizer, [schedule if schedule is not None else lr], seed,
                      start, **hyper)[0]


def learning_rates(rates: list, updates: int, n_batches: int) -> np.ndarray:
    """α_t for t = 1..updates, one column per entry of ``rates`` (a constant α or an epoch schedule,
    applied per epoch through ``schedules.per_update``): shape (updates, len(rates))."""
    t = np.arange(1, updates + 1)
    cols = [schedules.per_update(r, n_batches)(t) if isinstance(r, schedules.Schedule) else np.full(updates, float(r))
            for r in rates]
    return np.stack(cols, axis=1) if cols else np.empty((updates, 0))


@single_blas_thread
def train_many(X: np.ndarray, Y: np.ndarray, batch_size: int, epochs: int, optimizer: str = "sgd",
               rates: list = (0.1,), seed: int = 0, start: np.ndarray = START, **hyper) -> list[Run]:
    """One ``train`` run per entry of ``rates`` (a constant α or an epoch schedule), vectorized: every run sees
    the same mini-batches in the same order, so run i equals ``train`` with ``rates[i]`` alone. The times are
    those of the whole vectorized loop.

    Per update, on the mini-batch ``X{t}, Y{t}`` of size B: ``dZ = σ(Z) − Y`` (as ½·tanh(Z/2) + ½ − Y, which
    cannot overflow), ``dW = (1/B) X dZᵀ``, ``db = (1/B) Σ dZ``, then the optimizer's step with ``α_t``. The
    mini-batch costs J{t} and the full-batch cost after each epoch are computed from the recorded path
    afterwards, in a few vectorized passes (the same numbers as inside the loop, not its per-update overhead).
    With batch size 1, gradient descent, momentum and Adam run on Python floats (there is no batch to vectorize).
    """
    m = Y.size
    if not 1 <= batch_size <= m:
        raise ValueError(f"batch size must be between 1 and m = {m}")
    if epochs < 1:
        raise ValueError("train for at least one epoch")
    n_batches = updates_per_epoch(m, batch_size)
    T, k = epochs * n_batches, len(rates)
    alpha = learning_rates(list(rates), T, n_batches)[:, :, None]  # (T, k, 1): broadcasts over θ's 3 entries
    rng = np.random.default_rng(seed)
    Xb = np.vstack([X, np.ones(m)]).T  # (m, 3): one row x̃ = [x₁, x₂, 1] per example
    P = np.tile(np.asarray(start, dtype=float), (k, 1))
    if batch_size == 1 and optimizer in ("sgd", "momentum", "adam"):
        path, orders, seconds = _train_single_examples(Xb, Y, epochs, P, alpha[:, :, 0], optimizer, hyper, rng)
    else:
        path, orders, seconds = _train_batches(Xb, Y, batch_size, epochs, P, _step_rule(optimizer, (k, 3), alpha,
                                                                                        hyper), rng)
    cost_iter = _batch_costs(path, Xb, Y, np.array(orders), batch_size)
    runs = []
    for r in range(k):
        p = np.ascontiguousarray(path[:, r])
        runs.append(Run(int(batch_size), p[-1].copy(), p, cost_iter[:, r], path_cost(p[::n_batches], X, Y),
                        n_batches, seconds, accuracy(p[-1], X, Y)))
    return runs


def _train_batches(Xb, Y, batch_size, epochs, P, step, rng):
    """The update loop over mini-batches, vectorized over each batch and over the runs (rows of P)."""
    m, k = Y.size, P.shape[0]
    starts = np.arange(0, m, batch_size)
    scale = 0.5 / np.diff(np.append(starts, m))  # ½ · 1/B for each mini-batch of the epoch
    path = np.empty((epochs * starts.size + 1, k, 3))
    path[0] = P
    orders, seconds, i = [], np.empty(epochs), 0
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            t0 = time.perf_counter()
            order = rng.permutation(m) if starts.size > 1 else np.arange(m)
            Xs = Xb[order]
            Xh, C = 0.5 * Xs, 1 - 2 * Y[order]  # σ(z) − y = ½ (tanh(z/2) + 1 − 2y)
            for j, s in enumerate(starts):
                D = np.tanh(np.dot(Xh[s:s + batch_size], P.T))  # (B, k)
                D += C[s:s + batch_size, None]
                G = np.dot(D.T, Xs[s:s + batch_size])
                G *= scale[j]  # (k, 3): [dw₁, dw₂, db] of each run
                P = step(P, G, i)
                i += 1
                path[i] = P
            seconds[epoch] = time.perf_counter() - t0
            orders.append(order)
    return path, orders, seconds


def _train_single_examples(Xb, Y, epochs, P, alpha, optimizer, hyper, rng):
    """Batch size 1 with Python floats: one example per update leaves nothing to vectorize, and a float recursion
    is ~10× faster than NumPy calls on 3-element arrays. The same equations as ``_step_rule``."""
    h = {**optimizers.SPECS[optimizer].defaults, **hyper}
    m, k = Y.size, P.shape[0]
    beta = h.get("beta", h.get("beta1", 0.0))
    beta2, eps = h.get("beta2", 0.0), h.get("eps", 0.0)
    theta = P.tolist()
    v = [[0.0] * 3 for _ in range(k)]
    s = [[0.0] * 3 for _ in range(k)]
    rates = alpha.tolist()
    flat = [x for row in theta for x in row]
    orders, seconds, t = [], np.empty(epochs), 0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        order = rng.permutation(m)
        rows, labels = Xb[order].tolist(), (0.5 - Y[order]).tolist()
        for (x1, x2, _), c in zip(rows, labels):
            t += 1
            lr_t = rates[t - 1]
            c1, c2 = (1 - beta**t, 1 - beta2**t) if optimizer == "adam" else (1.0, 1.0)
            for r in range(k):
                w = theta[r]
                dz = 0.5 * math.tanh(0.5 * (w[0] * x1 + w[1] * x2 + w[2])) + c  # σ(z) − y
                for i, g in enumerate((dz * x1, dz * x2, dz)):  # [dw₁, dw₂, db]
                    if optimizer == "sgd":
                        w[i] -= lr_t[r] * g  # θ −= α g
                    elif optimizer == "momentum":
                        v[r][i] = beta * v[r][i] + (1 - beta) * g  # v = β v + (1 − β) g
                        w[i] -= lr_t[r] * v[r][i]  # θ −= α v
                    else:
                        v[r][i] = beta * v[r][i] + (1 - beta) * g  # v = β₁ v + (1 − β₁) g
                        s[r][i] = beta2 * s[r][i] + (1 - beta2) * (g * g)  # s = β₂ s + (1 − β₂) g²
                        w[i] -= lr_t[r] * ((v[r][i] / c1) / (math.sqrt(s[r][i] / c2) + eps))  # θ −= α v̂/(√ŝ + ε)
                flat.extend(w)
        seconds[epoch] = time.perf_counter() - t0
        orders.append(order)
    return np.array(flat).reshape(-1, k, 3), orders, seconds


def _step_rule(optimizer: str, shape: tuple, alpha: np.ndarray, hyper: dict):
    """``step(θ, g, i) -> θ`` for update i (0-based; t = i + 1) with ``α_t = alpha[i]``. Gradient descent,
    momentum and Adam are written out in place (one line per equation, the course's form, and bitwise what
    ``optimizers`` computes); any other optimizer runs through ``optimizers.make``."""
    h = {**optimizers.SPECS[optimizer].defaults, **hyper}
    if optimizer == "sgd":
        def step(P, G, i):
            G *= alpha[i]
            P -= G  # θ −= α g
            return P
    elif optimizer == "momentum":
        beta, v = h["beta"], np.zeros(shape)

        def step(P, G, i):
            nonlocal v
            v = beta * v + (1 - beta) * G  # v = β v + (1 − β) g
            P -= alpha[i] * v  # θ −= α v
            return P
    elif optimizer == "adam":
        beta1, beta2, eps = h["beta1"], h["beta2"], h["eps"]
        v, s = np.zeros(shape), np.zeros(shape)

        def step(P, G, i):
            nonlocal v, s
            t = i + 1
            v = beta1 * v + (1 - beta1) * G  # v = β₁ v + (1 − β₁) g
            s = beta2 * s + (1 - beta2) * (G * G)  # s = β₂ s + (1 − β₂) g²
            P -= alpha[i] * ((v / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps))  # θ −= α v̂ / (√ŝ + ε)
            return P
    else:
        opt = optimizers.make(optimizer, **{**hyper, "lr": lambda t: alpha[t - 1, :, 0]})
        state = None

        def step(P, G, i):
            nonlocal state
            state = opt.init(P) if state is None else state
            delta, state = opt.update(G, state, P)
            return P + delta
    return step


def _batch_costs(path: np.ndarray, Xb: np.ndarray, Y: np.ndarray, orders: np.ndarray, batch_size: int) -> np.ndarray:
    """J{t} of every update t on its own mini-batch, from the θ it started from: shape (updates, k).
    ``orders[e]`` is epoch e's shuffle; position n of an epoch is in mini-batch ⌊n / batch_size⌋."""
    epochs, m = orders.shape
    n_batches = updates_per_epoch(m, batch_size)
    batch = np.arange(m) // batch_size
    starts = np.arange(0, m, batch_size)
    out = np.empty((epochs * n_batches, path.shape[1]))
    for e, order in enumerate(orders):
        theta = path[e * n_batches + batch]  # (m, k, 3): the θ each example's update started from
        Z = np.einsum("nkc,nc->nk", theta, Xb[order])
        loss = np.logaddexp(0, Z) - Y[order, None] * Z
        sizes = np.diff(np.append(starts, m))[:, None]
        out[e * n_batches:(e + 1) * n_batches] = np.add.reduceat(loss, starts, axis=0) / sizes
    return out


@single_blas_thread
def path_cost(path: np.ndarray, X: np.ndarray, Y: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Full-batch J at every row of ``path`` (N, 3), in chunks so memory stays at chunk × m. The linear part
    of ``J = (1/m) Σ [log(1 + e^z) − y z]`` is one dot product per row: ``(1/m) Σ y z = θ · (X̃ Y)/m``."""
    path = np.asarray(path, dtype=float).reshape(-1, 3)
    Xb = np.vstack([X, np.ones(Y.size)])
    linear = path @ (Xb @ Y) / Y.size
    soft = [np.logaddexp(0, path[i:i + chunk] @ Xb).mean(axis=1) for i in range(0, len(path), chunk)]
    return (np.concatenate(soft) if soft else np.empty(0)) - linear


@single_blas_thread
def cost_grid(X: np.ndarray, Y: np.ndarray, w1: np.ndarray, w2: np.ndarray, b: float) -> np.ndarray:
    """Full-batch J over the grid ``w1 × w2`` (1-D axes) at fixed bias ``b``; shape (len(w2), len(w1))."""
    W1, W2 = np.meshgrid(w1, w2)
    params = np.stack([W1, W2, np.full_like(W1, b)], axis=-1)
    return path_cost(params.reshape(-1, 3), X, Y).reshape(W1.shape)


def chebyshev_points(lo: float, hi: float, n: int) -> np.ndarray:
    """The n Chebyshev points of the second kind on [lo, hi]: ``(lo+hi)/2 − (hi−lo)/2 · cos(πk/(n−1))``."""
    return (lo + hi) / 2 - (hi - lo) / 2 * np.cos(np.pi * np.arange(n) / (n - 1))


def interpolation_matrix(nodes: np.ndarray, x: np.ndarray) -> np.ndarray:
    """L (len(x), n) with ``f(x) ≈ L @ f(nodes)``: barycentric polynomial interpolation through Chebyshev points
    of the second kind (weights ±1, halved at the ends); exact at the nodes."""
    w = (-1.0) ** np.arange(len(nodes))
    w[[0, -1]] *= 0.5
    d = np.asarray(x, float)[:, None] - nodes[None, :]
    hit = d == 0
    L = w / np.where(hit, 1.0, d)
    L /= L.sum(axis=1, keepdims=True)
    rows = hit.any(axis=1)
    L[rows] = hit[rows]
    return L


def cost_contour(X: np.ndarray, Y: np.ndarray, w1: np.ndarray, w2: np.ndarray, b: float,
                 nodes: int = 24) -> np.ndarray:
    """``cost_grid`` for drawing: J evaluated exactly on ``nodes × nodes`` Chebyshev points of the box and
    interpolated to the grid (J is analytic, so the error falls geometrically with ``nodes``: ~1e-5 of J's
    range on the mini-batch page's view at 24). Exact when the grid is not larger than the nodes."""
    if len(w1) * len(w2) <= nodes * nodes or w1[0] == w1[-1] or w2[0] == w2[-1]:
        return cost_grid(X, Y, w1, w2, b)
    a, c = chebyshev_points(w1[0], w1[-1], nodes), chebyshev_points(w2[0], w2[-1], nodes)
    return interpolation_matrix(c, w2) @ cost_grid(X, Y, a, c, b) @ interpolation_matrix(a, w1).T


def batch_sizes(m: int, largest_power: int = 1024) -> list[int]:
    """The page's choices: 1 (stochastic), powers of two up to ``largest_power`` (below m), and m (batch)."""
    powers = [2**k for k in range(1, 20) if 2**k <= min(largest_power, m - 1)]
    return [1, *powers, m]


# ------------------------------------------------------------------------------------------ work budgets
# Work units: estimated microseconds of one core here. A vectorized update costs a fixed amount (NumPy calls on
# arrays of a few elements) plus a little per example of its batch; size 1 runs on Python floats, per run.
UPDATE_WORK = {"sgd": 14.0, "momentum": 17.0, "adam": 23.0}
SINGLE_WORK = {"sgd": 2.9, "momentum": 3.4, "adam": 3.8}
EXAMPLE_WORK = 0.3
PAGE_BUDGET = 8e5  # the mini-batch page: every batch size it compares, about 0.8 s
DECAY_DEMO_BUDGET = 2.5e5  # the learning-rate decay page's demo (two runs): about 0.25 s, the page stays under 0.4 s


def train_work(m: int, batch_size: int, epochs: int, optimizer: str = "sgd", runs: int = 1) -> float:
    """Work units of ``train_many`` with ``runs`` rates: ``epochs · ⌈m/B⌉`` updates, each
    ``runs · c₁`` (size 1 on floats) or ``c_B + c_x · B`` (vectorized over the batch and the runs)."""
    updates = int(epochs) * updates_per_epoch(m, batch_size)
    if batch_size == 1 and optimizer in SINGLE_WORK:
        return updates * runs * SINGLE_WORK[optimizer]
    return updates * (UPDATE_WORK.get(optimizer, max(UPDATE_WORK.values())) + EXAMPLE_WORK * batch_size)


def affordable_epochs(m: int, sizes, epochs: int, optimizer: str, budget: float, runs: int = 1) -> int:
    """``epochs`` if training every batch size of ``sizes`` for that long fits ``budget`` work units, else the
    most epochs that do (at least 1)."""
    per_epoch = sum(train_work(m, b, 1, optimizer, runs) for b in sizes)
    return int(max(1, min(int(epochs), budget // per_epoch)))


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


def epoch_summary(run: Run, X: np.ndarray, Y: np.ndarray, optimum: np.ndarray, J_star: float,
                  epoch: int | None = None, max_points: int = 250) -> tuple[float, float]:
    """Over the ``updates_per_epoch`` parameter vectors θ_t reached in ``epoch`` (1-based; default the last):
    the mean excess cost ``mean_t J(θ_t) − J*`` (over at most ``max_points`` of them at a constant stride: each J
    costs a pass over the data) and the RMS distance ``sqrt(mean_t ‖(w₁, w₂)_t − (w₁*, w₂*)‖²)`` to the optimum
    (over all of them)."""
    n = run.updates_per_epoch
    e = run.cost_epoch.size - 1 if epoch is None else int(epoch)
    tail = run.path[(e - 1) * n + 1:e * n + 1]
    stride = max(1, -(-len(tail) // max_points))
    gap = float(np.mean(path_cost(tail[::stride], X, Y)) - J_star)
    rms = float(np.sqrt(np.mean(np.sum((tail[:, :2] - optimum[:2]) ** 2, axis=1))))
    return gap, rms


def last_epoch_summary(run: Run, X: np.ndarray, Y: np.ndarray, optimum: np.ndarray,
                       J_star: float, max_points: int = 250) -> tuple[float, float]:
    """``epoch_summary`` of the last epoch."""
    return epoch_summary(run, X, Y, optimum, J_star, None, max_points)


class Settling(NamedTuple):
    """A run's mean excess cost J − J* in the middle epoch and in the last one."""
    mid_epoch: int
    mid: float
    last: float

    @property
    def levels_off(self) -> bool:
        """Less than halved over the second half of training: the run has reached its noise floor (or froze)."""
        return bool(self.last > 0.5 * self.mid)


def settling(run: Run, X: np.ndarray, Y: np.ndarray, optimum: np.ndarray, J_star: float,
             last: float | None = None, max_points: int = 250) -> Settling:
    """``Settling`` of a run: ``epoch_summary``'s mean J − J* in the middle epoch ⌈E/2⌉ and in the last one
    (``last``, when that is already known)."""
    epochs = run.cost_epoch.size - 1
    mid = (epochs + 1) // 2
    gap = lambda e: epoch_summary(run, X, Y, optimum, J_star, e, max_points)[0]  # noqa: E731
    return Settling(mid, gap(mid), gap(epochs) if last is None else float(last))


def distance_to(run: Run, optimum: np.ndarray) -> float:
    """‖(w₁, w₂) − (w₁*, w₂*)‖ after the last update."""
    return float(np.linalg.norm(run.params[:2] - optimum[:2]))


def smooth_descent(run: Run) -> bool:
    """True when the cost on the mini-batch goes down at every update, J{t+1} < J{t}."""
    return bool(np.all(np.diff(run.cost_iter) < 0))


class Tradeoff(NamedTuple):
    """The page's vectorization trade-off, from ``summary`` rows: the batch size with the slowest epoch, the one
    with the lowest final cost, and the mini-batch sizes (1 < B < m) that get both: an epoch faster than every
    size-1 run's and a final cost below every size-m run's (either check is skipped when that size is absent)."""
    slowest_epoch: int
    lowest_cost: int
    gets_both: tuple


def tradeoff(rows: list[Summary], m: int) -> Tradeoff:
    ones = [r for r in rows if r.batch_size == 1]
    fulls = [r for r in rows if r.batch_size >= m]
    both = tuple(r.batch_size for r in rows if 1 < r.batch_size < m
                 and all(r.ms_per_epoch < o.ms_per_epoch for o in ones)
                 and all(r.final_cost < f.final_cost for f in fulls))
    return Tradeoff(max(rows, key=lambda r: r.ms_per_epoch).batch_size,
                    min(rows, key=lambda r: r.final_cost).batch_size, both)
