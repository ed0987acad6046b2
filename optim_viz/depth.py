"""Deep networks at initialization: vanishing and exploding activations and gradients, symmetry, training.

Built on ``optim_viz.nn``. A network of ``depth`` hidden layers of ``width`` units has
``layer_dims = [width] + [width] * depth + [1]`` (inputs of size ``width``, a sigmoid output).
Per layer we report the spread ``std(A[l])`` of the activations of a seeded batch, and the gradient norm
``‖dW[l]‖_F`` from one backward pass. With ``Var(w) = c/n[l−1]``, a ReLU layer multiplies the mean square
activation by about ``c/2``: He (c = 2) keeps it, ``randn · 1.0`` multiplies it by ``n/2`` per layer.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from . import datasets, nn

INITS = {
    "zeros": "Zeros",
    "constant": "Constant (= scale)",
    "random": "Random: randn · scale",
    "xavier": "Xavier: Var = 1/n[l−1]",
    "he": "He: Var = 2/n[l−1]",
    "glorot": "Glorot: Var = 2/(n[l−1]+n[l])",
}


USES_SCALE = ("constant", "random")  # the initializations that read ``scale``


def dims(depth: int, width: int, n_x: int | None = None) -> list[int]:
    """``[n_x] + [width] * depth + [1]``; n_x defaults to width."""
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be at least 1, got {depth} and {width}")
    return [width if n_x is None else n_x] + [width] * depth + [1]


class LayerStats(NamedTuple):
    spread: np.ndarray  # (depth,) std(A[l]) of hidden layer l = 1..depth; NaN where it overflowed
    grad_norm: np.ndarray  # (depth + 1,) ‖dW[l]‖_F, l = 1..L; NaN where it overflowed
    overflow: bool  # some value was not finite (exploded past float64)


def batch(n_x: int, m: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A seeded batch: ``X ~ N(0, 1)`` of shape (n_x, m) and labels ``Y = [x₁ > 0]``."""
    X = np.random.default_rng(seed).standard_normal((n_x, m))
    return X, (X[0:1] > 0).astype(float)


DRAWN = ("random", "xavier", "he", "glorot")  # the initializations that scale standard-normal draws


class NormalDraws:
    """A bounded, thread-safe memo of the draws ``nn.standard_normals(dims, default_rng([seed, k]))`` of network
    k: the random, Xavier, He and Glorot starts of one network scale the same draws, so a page showing them all
    draws once instead of four times (the draws were a quarter of section 1's work at the defaults). Read-only;
    the least recently used go beyond ``max_bytes``, and a network larger than that is drawn, never kept."""

    def __init__(self, max_bytes: float = 32e6):
        self.max_bytes = float(max_bytes)
        self._draws: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, layer_dims, seed: int, k: int) -> list[np.ndarray]:
        key = (tuple(int(n) for n in layer_dims), int(seed), int(k))
        with self._lock:
            if key in self._draws:
                self._draws.move_to_end(key)
                return self._draws[key]
        normals = nn.standard_normals(key[0], np.random.default_rng([seed, k]))
        for a in normals:
            a.flags.writeable = False
        if sum(a.nbytes for a in normals) <= self.max_bytes:
            with self._lock:
                self._draws[key] = normals
                while self.nbytes > self.max_bytes:
                    self._draws.popitem(last=False)
        return normals

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for normals in self._draws.values() for a in normals)

    def __len__(self) -> int:
        return len(self._draws)


@nn.single_blas_thread
def layer_stats(depth: int = 20, width: int = 100, hidden: str = "relu", method: str = "he", scale: float = 0.01,
                m: int = 64, seed: int = 0, nets: int = 1, draws: NormalDraws | None = None) -> LayerStats:
    """Forward and backward passes of ``nets`` freshly initialized networks on seeded batches.

    ``spread[l] = sqrt(mean over nets of var(A[l]))`` and ``grad_norm[l] = sqrt(mean over nets of ‖dW[l]‖²)``.
    One network of finite width fluctuates around the expected scale (a random walk in log scale whose
    variance grows like depth/width); pooling a few networks shows the trend the variance rule predicts.
    ``draws`` shares the standard-normal draws between initializations (the same numbers as without it)."""
    var = np.zeros(depth)
    sq = np.zeros(depth + 1)
    with np.errstate(all="ignore"):  # exploding nets overflow on purpose; the NaNs are reported
        for k in range(nets):
            d = dims(depth, width)
            normals = draws.get(d, seed, k) if draws is not None and method in DRAWN else None
            params = nn.init_params(d, method, np.random.default_rng([seed, k]), scale, normals=normals)
            X, Y = batch(width, m, seed + 1000 + k)
            AL, caches = nn.forward(params, X, hidden, "sigmoid")
            grads = nn.backward(AL, Y, caches, hidden=hidden, output="sigmoid")
            var += np.array([np.var(c["A"]) for c in caches[:-1]])
            sq += np.array([np.sum(grads[f"dW{l}"] ** 2) for l in range(1, depth + 2)])
        spread, grad_norm = np.sqrt(var / nets), np.sqrt(sq / nets)
    bad, bad_g = ~np.isfinite(spread), ~np.isfinite(grad_norm)
    spread[bad], grad_norm[bad_g] = np.nan, np.nan
    return LayerStats(spread, grad_norm, bool(bad.any() or bad_g.any()))


def all_layer_stats(methods, depth: int, width: int, hidden: str, scale: float, m: int = 64,
                    seed: int = 0, nets: int = 1) -> dict[str, LayerStats]:
    """``layer_stats`` for each initialization in ``methods`` (same batches, same seeds)."""
    return {k: layer_stats(depth, width, hidden, k, scale, m, seed, nets) for k in methods}


def linear_example(depth: int = 20, w: float = 1.5, x=(1.0, 1.0)) -> tuple[np.ndarray, float]:
    """The course's deep linear network: ``W[l] = w·I`` (2×2) for l < L, ``W[L] = [1, 1]``, no bias, so
    ``a[l] = w^l x`` and ``ŷ = W[L] w^(L−1) x``. Returns ``(‖a[l]‖ for l = 1..L−1, ŷ)`` computed by the network's
    own forward pass; ``depth`` is L."""
    L = int(depth)
    params = {}
    for l in range(1, L):
        params[f"W{l}"], params[f"b{l}"] = w * np.eye(2), np.zeros((2, 1))
    params[f"W{L}"], params[f"b{L}"] = np.ones((1, 2)), np.zeros((1, 1))
    with np.errstate(all="ignore"):
        AL, caches = nn.forward(params, np.asarray(x, float).reshape(2, 1), "linear", "linear")
        norms = np.array([np.linalg.norm(c["A"]) for c in caches[:-1]])
    return norms, float(AL[0, 0])


LINEAR_WEIGHTS = (1.5, 1.0, 0.5)  # slightly above, at and slightly below the identity


def linear_examples(n_hidden: int, ws=LINEAR_WEIGHTS) -> dict[float, tuple[np.ndarray, float]]:
    """``linear_example`` for each w in ``ws`` with ``L = n_hidden + 1`` layers (n_hidden hidden layers and the
    output layer)."""
    return {w: linear_example(n_hidden + 1, w) for w in ws}


def first_and_last(stats: LayerStats) -> tuple[float, float, float, float]:
    """``(std(A[1]), std(A[depth]), ‖dW[1]‖_F, ‖dW[L]‖_F)``: the first and last hidden spread and the first and
    last layer's gradient norm, the numbers that show vanishing or exploding at a glance."""
    return (float(stats.spread[0]), float(stats.spread[-1]), float(stats.grad_norm[0]), float(stats.grad_norm[-1]))


def trend(stats: LayerStats, flat: float = 3.0) -> tuple[str, float]:
    """What a profile does over the layers: ("flat" | "vanishes" | "explodes" | "all zero" | "overflows", g) with
    ``g = std(A[depth]) / std(A[1])``; flat means within a factor ``flat`` either way."""
    if stats.overflow:
        return "overflows", float("nan")
    first, last = float(stats.spread[0]), float(stats.spread[-1])
    if not (first > 0 and last > 0):
        return "all zero", float("nan")
    g = last / first
    return ("flat" if 1 / flat < g < flat else "vanishes" if g < 1 else "explodes"), g


LOG2 = float(np.log(2.0))


def stuck_at_log2(runs: dict, tol: float = 0.01) -> list[str]:
    """The runs whose final cost is within ``tol`` of log 2: networks still predicting about 0.5 everywhere."""
    return [k for k, r in runs.items() if np.isfinite(r.cost[-1]) and abs(r.cost[-1] - LOG2) < tol]


# ---------------------------------------------------------------------------------------------
# Several networks of the same shape trained side by side: full-batch gradient descent with the arithmetic of
# ``nn.forward`` / ``nn.backward`` / ``optimizers.sgd``, on weights stacked along a first axis (one per network).
# One loop over the iterations serves every initialization a page compares (tested against ``nn.train``).

_LOG_FLOOR = 1e-300  # as nn.compute_cost


def _stack(nets: list[dict]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    L = nn.n_layers(nets[0])
    return ([np.array([p[f"W{l}"] for p in nets], dtype=float) for l in range(1, L + 1)],
            [np.array([p[f"b{l}"] for p in nets], dtype=float) for l in range(1, L + 1)])


def _forward(Ws, bs, X, hidden: str, out: list | None = None):
    """Stacked forward pass: ``Z = W A + b``, hidden ``g``, sigmoid output. Returns (AL, [(A_prev, A)]); the
    activation is applied in place (g'(Z) is read from A: relu's Z > 0 is A > 0, tanh's 1 − A²). ``out``: one
    preallocated (k, n[l], m) array per hidden layer, reused every iteration (fresh arrays of this size cost a
    page-faulting allocation each, which doubled the training loop's time)."""
    A, caches, L = X, [], len(Ws)
    for l in range(L):
        Z = Ws[l] @ A if out is None or l == L - 1 else np.matmul(Ws[l], A, out=out[l])
        Z += bs[l]
        if l == L - 1:
            A_new = nn.activation(Z, "sigmoid")
        elif hidden == "relu":
            A_new = np.maximum(Z, 0, out=Z)
        elif hidden == "tanh":
            A_new = np.tanh(Z, out=Z)
        else:
            A_new = nn.activation(Z, hidden)
        caches.append((A, A_new))
        A = A_new
    return A, caches


def _costs(AL, Y) -> np.ndarray:
    """Cross-entropy of each network: ``−(1/m) Σ [y log ŷ + (1−y) log(1−ŷ)]``."""
    loss = -(Y * np.log(np.maximum(AL, _LOG_FLOOR)) + (1 - Y) * np.log(np.maximum(1 - AL, _LOG_FLOOR)))
    return np.sum(loss, axis=(1, 2)) / Y.shape[1]


def _backward(Ws, AL, Y, caches, hidden: str, out: list | None = None):
    """Stacked ``nn.backward`` (no L2, no dropout): ``dZ[L] = (A[L] − Y)/m``, ``dW = dZ A[l−1]ᵀ``, ``db = Σ dZ``.
    ``out``: preallocated (k, n[l], m) arrays for dA[l] (and a scratch one), as in ``_forward``."""
    dZ = (AL - Y) / Y.shape[1]
    dWs, dbs, dA = [None] * len(Ws), [None] * len(Ws), None
    for l in range(len(Ws) - 1, -1, -1):
        A_prev, A = caches[l]
        if l < len(Ws) - 1:
            if hidden == "relu":
                dZ = np.multiply(dA, A > 0, out=dA)
            elif hidden == "linear":
                dZ = dA  # g' = 1
            elif hidden == "tanh" and out is not None:
                g = np.multiply(A, A, out=out[-1][:, :A.shape[1]])
                dZ = np.multiply(dA, np.subtract(1, g, out=g), out=dA)  # dA · (1 − A²), as nn.activation_grad
            else:
                dZ = dA * nn.activation_grad(A, A, hidden)  # tanh: 1 − A² (Z itself is not needed)
        dWs[l] = dZ @ np.swapaxes(A_prev, -1, -2)
        dbs[l] = dZ.sum(axis=-1, keepdims=True)
        if l > 0:
            WT = np.swapaxes(Ws[l], -1, -2)
            dA = WT @ dZ if out is None else np.matmul(WT, dZ, out=out[l - 1])
    return dWs, dbs


@nn.single_blas_thread
def train_side_by_side(nets: list[dict], X, Y, lr: float, iterations: int, hidden: str = "relu",
                       record_every: int = 10, snapshot_every: int = 0, resume: tuple | None = None):
    """Full-batch gradient descent ``W := W − α dW`` of every network in ``nets`` (same shapes) at once.

    Returns ``(Ws, bs, iteration, cost, snapshots)``: the final stacked weights, the recorded iterations (1, every
    ``record_every``-th and the last, as ``nn.train``) with each network's cost of that iteration's forward pass
    (before its update), and, if ``snapshot_every``, ``[(t, Ws, bs)]`` after t = 0, every, 2·every, ... updates.
    ``resume = (t0, Ws, bs)``: carry on from stacked weights after t0 updates (``nets`` is then not read), counting
    t from t0 + 1, so a run continued to T records what a fresh run to T records after t0 (when t0 is one of
    its records, e.g. a multiple of ``record_every``), with the same arithmetic (gradient descent draws nothing)."""
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    t0, (Ws, bs) = (0, _stack(nets)) if resume is None else (int(resume[0]), (list(resume[1]), list(resume[2])))
    if resume is not None and snapshot_every:
        raise ValueError("snapshots start at t = 0: no snapshots when resuming")
    its, costs, snaps = [], [], []
    k, m = Ws[0].shape[0], X.shape[1]
    hidden_sizes = [W.shape[1] for W in Ws[:-1]]
    z_out = [np.empty((k, n, m)) for n in hidden_sizes]
    da_out = [np.empty((k, n, m)) for n in hidden_sizes] + [np.empty((k, max(hidden_sizes, default=1), m))]
    with np.errstate(all="ignore"):  # exploding starts overflow on purpose; their NaNs become gaps
        last = t0 + int(iterations)
        for t in range(t0 + 1, last + 1):
            if snapshot_every and (t - 1) % snapshot_every == 0:
                snaps.append((t - 1, Ws, bs))
            AL, caches = _forward(Ws, bs, X, hidden, z_out)
            if t % record_every == 0 or t == 1 or t == last:
                its.append(t)
                costs.append(_costs(AL, Y))
            dWs, dbs = _backward(Ws, AL, Y, caches, hidden, da_out)
            Ws = [W + np.multiply(dW, -lr, out=dW) for W, dW in zip(Ws, dWs)]
            bs = [b + np.multiply(db, -lr, out=db) for b, db in zip(bs, dbs)]
        if snapshot_every and int(iterations) % snapshot_every == 0:
            snaps.append((int(iterations), Ws, bs))
    return Ws, bs, np.array(its, dtype=int), np.array(costs).reshape(len(its), k), snaps


@nn.single_blas_thread
def accuracies(Ws, bs, X, Y, hidden: str) -> np.ndarray:
    """Training accuracy of each stacked network: ``1 − mean([ŷ > 0.5] ≠ y)``, as ``1 − nn.error_rate``."""
    with np.errstate(all="ignore"):
        AL, _ = _forward(Ws, bs, np.asarray(X, float), hidden)
    return 1.0 - np.mean((AL > 0.5).astype(int) != np.asarray(Y).astype(int), axis=(1, 2))


class SymmetryRun(NamedTuple):
    iteration: np.ndarray  # (k,)
    W1_column: np.ndarray  # (k, n[1]): weight from input 1 to each unit of layer 1, per recorded iteration
    unit_spread: np.ndarray  # (k,) max over hidden layers and units of |W[l][i, :] − W[l][0, :]|
    cost: np.ndarray  # (k,)


@nn.single_blas_thread
def symmetry_runs(methods, hidden: str = "tanh", width: int = 6, iterations: int = 300, lr: float = 0.5,
                  scale: float = 0.5, every: int = 10, seed: int = 0) -> dict[str, SymmetryRun]:
    """``symmetry_run`` for every method of ``methods``, trained side by side."""
    X, Y = datasets.make("circles", m=200, noise=0.1, seed=seed)
    nets = [nn.init_params([2, width, width, 1], k, np.random.default_rng(seed), scale) for k in methods]
    *_, snaps = train_side_by_side(nets, X, Y, lr, iterations, hidden, record_every=iterations or 1,
                                   snapshot_every=every)
    if not iterations:
        snaps = [(0, *_stack(nets))]
    elif snaps[-1][0] != iterations:  # the last chunk is shorter than ``every``
        Ws, bs, *_ = train_side_by_side(nets, X, Y, lr, iterations, hidden, record_every=iterations)
        snaps.append((iterations, Ws, bs))
    out = {}
    with np.errstate(all="ignore"):
        costs = [_costs(_forward(Ws, bs, X, hidden)[0], Y) for _, Ws, bs in snaps]
    for i, k in enumerate(methods):
        with np.errstate(all="ignore"):  # a huge constant overflows; its NaNs are shown as gaps
            spread = [float(max(np.abs(W[i] - W[i][0:1]).max() for W in Ws[:-1])) for _, Ws, _ in snaps]
        out[k] = SymmetryRun(np.array([t for t, *_ in snaps]), np.array([Ws[0][i][:, 0] for _, Ws, _ in snaps]),
                             np.array(spread), np.array([c[i] for c in costs]))
    return out


def symmetry_run(method: str, hidden: str = "tanh", width: int = 6, iterations: int = 300, lr: float = 0.5,
                 scale: float = 0.5, every: int = 10, seed: int = 0) -> SymmetryRun:
    """Gradient descent on the seeded circles data with two hidden layers of ``width`` units.

    With zeros or a constant every unit of a layer computes the same function, gets the same gradient and so
    stays the same: ``unit_spread`` stays exactly 0. A random initialization breaks the symmetry."""
    return symmetry_runs([method], hidden, width, iterations, lr, scale, every, seed)[method]


class TrainRun(NamedTuple):
    iteration: np.ndarray
    cost: np.ndarray  # NaN where it overflowed
    train_accuracy: float


TRAIN_RECORD = 5  # section 4 records the cost every 5 iterations, so any run ending on a multiple of 5 continues


class Trained(NamedTuple):
    """``training_runs`` part-way: t updates done, the stacked weights and the records so far."""
    t: int
    Ws: list
    bs: list
    iteration: np.ndarray
    cost: np.ndarray  # (records, networks), raw (inf/NaN where it overflowed)


def training_runs(methods, depth: int = 5, width: int = 10, hidden: str = "relu", iterations: int = 500,
                  lr: float = 0.1, scale: float = 0.01, dataset: str = "circles", seed: int = 0) -> dict[str, TrainRun]:
    """The same short gradient-descent run from each initialization on a seeded 2-D data set (side by side)."""
    return training_continued(methods, depth, width, hidden, iterations, lr, scale, dataset, seed)[0]


@nn.single_blas_thread
def training_continued(methods, depth: int = 5, width: int = 10, hidden: str = "relu", iterations: int = 500,
                       lr: float = 0.1, scale: float = 0.01, dataset: str = "circles", seed: int = 0,
                       start: Trained | None = None) -> tuple[dict[str, TrainRun], Trained]:
    """``training_runs`` and its ``Trained`` state; from ``start`` (the same settings, ``start.t`` ≤ iterations and a
    multiple of ``TRAIN_RECORD``) only the remaining updates run, and the result equals a fresh run's."""
    methods = list(methods)
    if not methods:
        return {}, Trained(0, [], [], np.zeros(0, int), np.zeros((0, 0)))
    X, Y = datasets.make(dataset, m=300, noise=0.15, seed=seed)
    if start is None or start.t > iterations or start.t % TRAIN_RECORD:
        nets = [nn.init_params([2] + [width] * depth + [1], k, np.random.default_rng(seed), scale) for k in methods]
        Ws, bs, its, cost, _ = train_side_by_side(nets, X, Y, lr, iterations, hidden, record_every=TRAIN_RECORD)
    else:
        Ws, bs, its, cost, _ = train_side_by_side([], X, Y, lr, iterations - start.t, hidden,
                                                  record_every=TRAIN_RECORD, resume=(start.t, start.Ws, start.bs))
        # the start's own last record (t = start.t) is one a longer run makes too: it is a multiple of 5
        its, cost = np.concatenate([start.iteration, its]), np.concatenate([start.cost, cost])
    state = Trained(int(iterations), Ws, bs, its, cost)
    acc = accuracies(Ws, bs, X, Y, hidden)
    cost = np.where(np.isfinite(cost), cost, np.nan)
    return {k: TrainRun(its, cost[:, i], float(acc[i])) for i, k in enumerate(methods)}, state


class TrainingMemo:
    """A bounded, thread-safe memo of ``training_continued`` states for a server: ``get(methods, depth, width,
    hidden, iterations, lr, scale, seed)`` keeps the longest state per setting (everything but ``iterations``) and,
    asked for more iterations, trains only the remaining ones from it; fewer iterations train afresh. The least
    recently used settings are dropped beyond ``max_entries``."""

    def __init__(self, max_entries: int = 16):
        self.max_entries = int(max_entries)
        self._states: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, methods, depth: int, width: int, hidden: str, iterations: int, lr: float, scale: float,
            seed: int) -> dict[str, TrainRun]:
        key = (tuple(methods), int(depth), int(width), hidden, float(lr), float(scale), int(seed))
        with self._lock:
            start = self._states.get(key)
        if start is not None and start.t > iterations:
            start = None
        runs, state = training_continued(methods, depth, width, hidden, iterations, lr, scale, seed=seed, start=start)
        with self._lock:
            kept = self._states.get(key)
            if kept is None or kept.t <= state.t:
                self._states[key] = state
            self._states.move_to_end(key)
            while len(self._states) > self.max_entries:
                self._states.popitem(last=False)
        return runs

    def __len__(self) -> int:
        return len(self._states)


# ------------------------------------------------------------------------------------------ work budgets
# Section 1 counts multiply-adds (forward and backward: three products per layer and example); section 4 counts
# network-layer-iterations, where the fixed cost of each small product dominates (np.tanh about 2.5× a ReLU layer).
STATS_BUDGET = 2.0e9  # about 0.5 s of one core here
TRAIN_BUDGET = 28_000  # about 0.9 s; the default settings with tanh (27,000) fit
TRAIN_ACTIVATION = {"relu": 1.0, "linear": 1.0, "tanh": 2.5}
BATCH = 64  # examples in section 1's batch
MIN_BATCH = 8


def stats_work(n_methods: int, depth: int, width: int, nets: int, m: int = BATCH) -> float:
    """Multiply-adds of section 1: ``n_methods · nets · m · 3 Σ_l n[l]·n[l−1]`` for ``dims(depth, width)``."""
    d = dims(depth, width)
    return 3.0 * n_methods * nets * m * sum(a * b for a, b in zip(d, d[1:]))


def affordable_stats(n_methods: int, depth: int, width: int, nets: int, budget: float = STATS_BUDGET
                     ) -> tuple[int, int]:
    """(nets, m) within ``budget``: fewer networks averaged first, then (with one network) a smaller batch."""
    per = stats_work(n_methods, depth, width, 1, 1)
    fit = int(budget // per)
    if fit >= nets * BATCH:
        return nets, BATCH
    if fit >= BATCH:
        return fit // BATCH, BATCH
    return 1, max(MIN_BATCH, fit)


def training_work(n_methods: int, depth: int, iterations: int, hidden: str) -> float:
    """Network-layer-iterations of section 4: ``n_methods · (depth + 1) · iterations``, weighted for tanh."""
    return n_methods * (depth + 1) * iterations * TRAIN_ACTIVATION.get(hidden, 1.0)


def affordable_iterations(n_methods: int, depth: int, iterations: int, hidden: str, budget: float = TRAIN_BUDGET,
                          step: int = 100) -> int:
    """``iterations`` if ``training_work`` fits ``budget``, else the largest multiple of ``step`` that does (of 10
    below ``step``, at least 10)."""
    fit = int(budget // training_work(n_methods, depth, 1, hidden))
    if iterations <= fit:
        return int(iterations)
    return fit // step * step if fit >= step else max(10, fit // 10 * 10)


def fmt(v: float, digits: int = 3) -> str:
    """A number for a sentence (``digits`` significant), or "overflow" where the value exploded past float64."""
    return f"{v:.{digits}g}" if np.isfinite(v) else "overflow"
