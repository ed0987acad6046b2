"""Batch normalization of a hidden layer's pre-activations, in the course's notation and layout.

``z`` has shape (n, m): n units, m examples of one mini-batch. Per unit, over the mini-batch:

    μ = (1/m) Σᵢ z⁽ⁱ⁾,   σ² = (1/m) Σᵢ (z⁽ⁱ⁾ − μ)²,   z_norm = (z − μ) / √(σ² + ε),   z̃ = γ z_norm + β

γ and β (n, 1) are learned like weights. The bias b[l] of a batch-normalized layer is redundant: adding it to z
adds it to μ too, so z − μ does not change (β takes over its role). At test time μ and σ² come from running
estimates, an EWMA over the training mini-batches in the course's form ``v = β v + (1 − β) θ`` (this β is the
EWMA's, not the shift β): PyTorch's ``momentum = 0.1`` is β = 0.9 (PyTorch keeps the unbiased variance for its
running estimate; here it is the 1/m variance, as in the course).

    z_tilde, cache = forward(z, gamma, beta)
    dz, dgamma, dbeta = backward(dz_tilde, cache)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import datasets, optimizers

# nn imports this module at import time (its BN layers use EPS and the BN step), so the functions here that train a
# network import nn when they run.

EPS = 1e-5


class Cache(NamedTuple):
    """What ``backward`` needs from ``forward``."""
    z: np.ndarray  # (n, m) input
    mu: np.ndarray  # (n, 1) batch mean
    var: np.ndarray  # (n, 1) batch variance (1/m)
    z_norm: np.ndarray  # (n, m)
    gamma: np.ndarray  # (n, 1)
    eps: float


def batch_stats(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``μ = mean(z)`` and ``σ² = mean((z − μ)²)`` per unit (row), each (n, 1)."""
    z = np.asarray(z, dtype=float)
    m = z.shape[1]
    mu = z.sum(axis=1, keepdims=True) / m  # sums, not np.mean: this runs every layer of every iteration
    d = z - mu
    return mu, (d * d).sum(axis=1, keepdims=True) / m


def forward(z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = EPS) -> tuple[np.ndarray, Cache]:
    """``z̃ = γ (z − μ)/√(σ² + ε) + β`` with the mini-batch's own μ, σ² (training mode)."""
    z = np.asarray(z, dtype=float)
    mu, var = batch_stats(z)
    with np.errstate(invalid="ignore", divide="ignore"):  # ε = 0 with σ² = 0 gives 0/0 = NaN, on purpose
        z_norm = (z - mu) / np.sqrt(var + eps)
    return gamma * z_norm + beta, Cache(z, mu, var, z_norm, gamma, eps)


def backward(dz_tilde: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients through batch norm: ``dγ = Σᵢ dz̃ ⊙ z_norm``, ``dβ = Σᵢ dz̃``, and, with ``dẑ = γ dz̃``,

        dz = (1 / (m √(σ² + ε))) · (m dẑ − Σᵢ dẑ − z_norm ⊙ Σᵢ (dẑ ⊙ z_norm))

    (μ and σ² depend on every example of the batch, hence the two sums)."""
    m = dz_tilde.shape[1]
    dgamma = (dz_tilde * cache.z_norm).sum(axis=1, keepdims=True)
    dbeta = dz_tilde.sum(axis=1, keepdims=True)
    # Σ dẑ = γ dβ and Σ dẑ ⊙ z_norm = γ dγ, so the two sums are already known
    dz = cache.gamma / (m * np.sqrt(cache.var + cache.eps)) * (m * dz_tilde - dbeta - cache.z_norm * dgamma)
    return dz, dgamma, dbeta


def update_running(mu_run: np.ndarray, var_run: np.ndarray, z: np.ndarray, beta: float = 0.9
                   ) -> tuple[np.ndarray, np.ndarray]:
    """One EWMA step of the running statistics with this mini-batch's μ and σ²:
    ``μ_run = β μ_run + (1 − β) μ``, ``σ²_run = β σ²_run + (1 − β) σ²`` (course form, no bias correction)."""
    mu, var = batch_stats(z)
    return ewma_step(mu_run, mu, beta), ewma_step(var_run, var, beta)


def ewma_step(v: np.ndarray, theta: np.ndarray, beta: float) -> np.ndarray:
    """``v = β v + (1 − β) θ``."""
    return beta * v + (1 - beta) * theta


def inference(z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mu_run: np.ndarray, var_run: np.ndarray,
              eps: float = EPS) -> np.ndarray:
    """Test mode: ``z̃ = γ (z − μ_run)/√(σ²_run + ε) + β``, every example on its own (any m, also 1)."""
    return gamma * (np.asarray(z, dtype=float) - mu_run) / np.sqrt(var_run + eps) + beta


def init_running(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Running statistics before the first mini-batch: μ_run = 0, σ²_run = 1 (as PyTorch and Keras start;
    with β = 0.9 the start weighs 0.9^t after t mini-batches, under 3% after 35)."""
    return np.zeros((n, 1)), np.ones((n, 1))


def random_orders(m: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` independent random permutations of 0..m−1, (draws, m): the first B entries of a row are a
    random mini-batch of size B (without replacement), for every B at once."""
    return np.argsort(rng.random((draws, m)), axis=1)


def spread_of_batch_stats(z_all: np.ndarray, batch_size: int, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard deviation, over the random mini-batches ``orders[:, :batch_size]`` (see ``random_orders``) of
    the columns of ``z_all`` (n, m), of the batch μ and σ² of each unit: two (n,) arrays. Smaller batches,
    noisier statistics: the spread of μ is about σ/√B."""
    zb = z_all[:, orders[:, :batch_size]]  # (n, draws, B)
    mu = zb.mean(axis=2)
    var = ((zb - mu[..., None]) ** 2).mean(axis=2)
    return mu.std(axis=1), var.std(axis=1)


def mean_spread_theory(z_all: np.ndarray, batch_size: int) -> np.ndarray:
    """The closed form for the spread of a batch mean drawn without replacement from m values:
    ``σ/√B · √((m − B)/(m − 1))`` per unit (σ the population standard deviation), (n,)."""
    n, m = z_all.shape
    sigma = z_all.std(axis=1)
    return sigma / np.sqrt(batch_size) * np.sqrt((m - batch_size) / max(m - 1, 1))


def running_series(stats: np.ndarray, start: np.ndarray | float, beta: float = 0.9) -> np.ndarray:
    """The running estimate after every mini-batch: ``v_t = β v_{t−1} + (1 − β) θ_t`` from ``v_0 = start``;
    ``stats`` (T, n) holds the batch statistics θ_1..θ_T, the result (T, n) holds v_1..v_T."""
    stats = np.asarray(stats, dtype=float)
    out = np.empty_like(stats)
    v = np.broadcast_to(np.asarray(start, dtype=float).ravel(), stats.shape[1:]).copy()
    for t, theta in enumerate(stats):
        v = ewma_step(v, theta, beta)
        out[t] = v
    return out


def bias_redundancy(z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, b: float, eps: float = EPS) -> float:
    """``max |z̃(z + b) − z̃(z)|``: adding a bias b to every z moves μ by b too, so z̃ does not change (round-off)."""
    return float(np.max(np.abs(forward(z + b, gamma, beta, eps)[0] - forward(z, gamma, beta, eps)[0])))


def eps_effect(var: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Relative change of the divisor that ε makes: ``√(σ² + ε)/√σ² − 1`` (inf where σ² = 0)."""
    var = np.asarray(var, dtype=float)
    with np.errstate(divide="ignore"):
        return np.sqrt(var + eps) / np.sqrt(var) - 1


def example_noise(z_all: np.ndarray, batch_size: int, orders: np.ndarray, i: int = 0, eps: float = EPS
                  ) -> np.ndarray:
    """How much example ``i``'s ``z_norm`` depends on which other examples share its mini-batch: the standard
    deviation of ``(z_i − μ_B)/√(σ²_B + ε)`` over random batches of ``batch_size`` that contain it, per unit (n,).
    Batch d is ``orders[d, :B]`` with its last entry replaced by i when i is not among them (a uniformly random
    B-subset containing i). This noise is batch norm's slight regularization effect; it shrinks as B grows."""
    pick = orders[:, :batch_size].copy()
    pick[~(pick == i).any(axis=1), batch_size - 1] = i
    zb = z_all[:, pick]
    mu = zb.mean(axis=2)
    var = ((zb - mu[..., None]) ** 2).mean(axis=2)
    return ((z_all[:, i, None] - mu) / np.sqrt(var + eps)).std(axis=1)


# ---------------------------------------------------------------------------------------------
# The Batch normalization page's experiment: one deep network trained with and without batch norm.

DATASET, M_TRAIN, M_DEV, NOISE = "moons", 512, 128, 0.15
DEPTH, WIDTH = 4, 16  # hidden layers × units: deep enough for the drift, small enough to train in a rerun
EWMA_BETA = 0.9  # the running statistics' β (PyTorch's momentum = 0.1)
BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128, 256)


class Run(NamedTuple):
    params: dict
    history: dict  # nn.train's history (with running statistics and preactivation percentiles)
    running: dict | None  # mu{l}, var{l} for inference (None without batch norm)
    train_cost: float  # J on the whole training set after training (inference mode), NaN if it overflowed
    train_error: float
    dev_error: float


class Lab(NamedTuple):
    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    plain: Run
    bn: Run
    hidden: str
    layer_dims: list


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The page's seeded data: ``X_train, Y_train`` (M_TRAIN examples) and ``X_dev, Y_dev`` (M_DEV)."""
    X, Y = datasets.make(DATASET, M_TRAIN + M_DEV, NOISE, seed)  # already in random order
    return X[:, :M_TRAIN], Y[:, :M_TRAIN], X[:, M_TRAIN:], Y[:, M_TRAIN:]


def _run(params, lab_data, hidden, lr, batch_size, iterations, seed, record_every) -> Run:
    from . import nn

    X, Y, Xd, Yd = lab_data
    with np.errstate(all="ignore"):  # a diverging plain run overflows on purpose; it shows as NaN
        params, hist = nn.train(params, X, Y, optimizers.sgd(lr), iterations, hidden, "sigmoid",
                                rng=np.random.default_rng(seed + 1), record_every=record_every,
                                batch_size=batch_size, bn_momentum=EWMA_BETA, record_preact=True)
        running = hist.get("running")
        AL, _ = nn.forward(params, X, hidden, "sigmoid", running=running)
        cost = nn.compute_cost(AL, Y)
        errors = [nn.error_rate(params, Xs, Ys, hidden, running=running) for Xs, Ys in ((X, Y), (Xd, Yd))]
    return Run(params, hist, running, cost if np.isfinite(cost) else float("nan"), *errors)


def compare(lr: float = 3.0, hidden: str = "tanh", batch_size: int = 64, iterations: int = 100, seed: int = 0,
            record_every: int | None = None) -> Lab:
    """The same network (``DEPTH`` hidden layers of ``WIDTH`` units, Xavier for tanh, He for ReLU, from
    ``default_rng(seed)``), the same data and the same mini-batches, trained by gradient descent without and with
    batch norm (BN on every hidden layer, b dropped, γ, β learned with the same α)."""
    from . import nn

    record_every = max(1, iterations // 40) if record_every is None else record_every
    lab_data = data(seed)
    dims = [2] + [WIDTH] * DEPTH + [1]
    init = "he" if hidden == "relu" else "xavier"
    runs = [_run(nn.init_params(dims, init, np.random.default_rng(seed), batch_norm=with_bn), lab_data, hidden, lr,
                 batch_size, iterations, seed, record_every) for with_bn in (False, True)]
    return Lab(*lab_data, *runs, hidden, dims)


def outcome(lab: Lab, factor: float = 1.5) -> str:
    """"bn" when the plain network ends with a training cost over ``factor`` × batch norm's (or overflowed),
    "plain" for the reverse, "diverged" when both overflowed, "similar" otherwise."""
    p, b = lab.plain.train_cost, lab.bn.train_cost
    if not np.isfinite(p) and not np.isfinite(b):
        return "diverged"
    if not np.isfinite(p) or p > factor * b:
        return "bn"
    if not np.isfinite(b) or b > factor * p:
        return "plain"
    return "similar"


def drift(preact: np.ndarray) -> float:
    """How far the activation inputs wander during training: the range (max − min over the records) of each unit's
    median, averaged over the units. ``preact`` (records, n, 3) holds percentiles 15/50/85 per unit; NaN if any
    record overflowed."""
    med = preact[:, :, 1]
    if not np.all(np.isfinite(med)):
        return float("nan")
    return float(np.mean(med.max(axis=0) - med.min(axis=0)))


def layer_z(lab: Lab, layer: int, X: np.ndarray, running: bool = True) -> np.ndarray:
    """``Z[layer] = W A[layer−1]`` of the batch-norm network for the examples X, with the earlier layers in
    inference mode (running statistics) or, with ``running=False``, training mode on X as one mini-batch."""
    from . import nn

    _, caches = nn.forward(lab.bn.params, X, lab.hidden, "sigmoid", running=lab.bn.running if running else None)
    return caches[layer - 1]["Z"]


class NoiseRow(NamedTuple):
    batch_size: int
    mean_spread: float  # spread of the batch μ over batches, in units of the unit's σ, averaged over units
    mean_theory: float  # the closed form √((m − B)/(m − 1))/√B
    var_spread: float  # spread of the batch σ², in units of the unit's σ², averaged over units
    example_noise: float  # spread of one example's z_norm over the batches it can be in, averaged over units


def batch_size_noise(lab: Lab, layer: int, sizes=BATCH_SIZES, draws: int = 100, seed: int = 0) -> list[NoiseRow]:
    """For each mini-batch size B: how much layer ``layer``'s batch statistics, and one example's ``z_norm``,
    vary with the draw of the batch (the layer's z of every training example, earlier layers in inference mode)."""
    z = layer_z(lab, layer, lab.X_train)
    sigma = z.std(axis=1)
    live = sigma > 0  # a unit constant on the data has no spread to compare with
    orders = random_orders(z.shape[1], draws, np.random.default_rng(seed))
    rows = []
    for B in sizes:
        s_mu, s_var = spread_of_batch_stats(z[live], B, orders)
        rows.append(NoiseRow(int(B), float(np.mean(s_mu / sigma[live])),
                             float(np.mean(mean_spread_theory(z[live], B) / sigma[live])),
                             float(np.mean(s_var / sigma[live] ** 2)),
                             float(np.mean(example_noise(z[live], B, orders)))))
    return rows


class Step(NamedTuple):
    """One training-mode BN step of layer l on a small mini-batch, for one unit (row vectors of length k)."""
    examples: np.ndarray  # indices into the training set
    z: np.ndarray  # W a of the unit for each example
    mu: float
    var: float
    z_norm: np.ndarray
    gamma: float
    beta: float
    z_tilde: np.ndarray
    b: float  # a bias added to every z to show it changes nothing
    b_change: float  # max |z̃(z + b) − z̃(z)| over the layer's units and examples
    eps_rel: float  # √(σ² + ε)/√σ² − 1 for this unit


def bn_step(lab: Lab, layer: int, unit: int, k: int = 4, seed: int = 0, b: float = 5.0) -> Step:
    """Layer ``layer`` of the trained BN network in training mode on a mini-batch of ``k`` training examples
    (``default_rng(seed)``), seen from unit ``unit``: its z, the batch μ and σ², z_norm and z̃ with the learned γ, β."""
    from . import nn

    idx = np.sort(np.random.default_rng(seed).choice(lab.X_train.shape[1], size=k, replace=False))
    _, caches = nn.forward(lab.bn.params, lab.X_train[:, idx], lab.hidden, "sigmoid")
    c = caches[layer - 1]
    bc, u = c["bn"], unit
    gamma, beta = lab.bn.params[f"gamma{layer}"], lab.bn.params[f"beta{layer}"]
    return Step(idx, c["Z"][u], float(bc.mu[u, 0]), float(bc.var[u, 0]), bc.z_norm[u], float(gamma[u, 0]),
                float(beta[u, 0]), c["Z_tilde"][u], b, bias_redundancy(c["Z"], gamma, beta, b),
                float(eps_effect(bc.var[u, 0])))


class TestTime(NamedTuple):
    """Inference mode against batch statistics for single dev examples."""
    examples: np.ndarray  # dev indices
    z: np.ndarray  # (n,) layer z of the first example, earlier layers in inference mode
    mu_run: np.ndarray  # (n,)
    var_run: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    z_tilde: np.ndarray  # (n,) inference(z) with the running statistics
    z_tilde_batch1: np.ndarray  # (n,) the same example alone with batch statistics: every entry = β
    y_running: np.ndarray  # ŷ of each example alone, running statistics
    y_batch1: np.ndarray  # ŷ of each example alone, its own batch statistics (ε as trained)
    y_batch1_eps0: np.ndarray  # the same with ε = 0: 0/0


def test_time(lab: Lab, layer: int, examples=(0, 1, 2, 3)) -> TestTime:
    """What the trained BN network does at test time with one example at a time: with the running statistics
    (the course's way) and with the batch statistics of a batch of one (z − μ = 0, so z̃ = β whatever the input)."""
    from . import nn

    p, run, h = lab.bn.params, lab.bn.running, lab.hidden
    idx = np.asarray(examples, dtype=int)
    X = lab.X_dev
    _, caches = nn.forward(p, X[:, idx[:1]], h, "sigmoid", running=run)
    _, caches1 = nn.forward(p, X[:, idx[:1]], h, "sigmoid")
    col = lambda a: np.asarray(a)[:, 0]  # noqa: E731
    with np.errstate(invalid="ignore"):
        y_run = np.array([nn.forward(p, X[:, [i]], h, "sigmoid", running=run)[0][0, 0] for i in idx])
        y_b1 = np.array([nn.forward(p, X[:, [i]], h, "sigmoid")[0][0, 0] for i in idx])
        y_b0 = np.array([nn.forward(p, X[:, [i]], h, "sigmoid", bn_eps=0.0)[0][0, 0] for i in idx])
    c = caches[layer - 1]
    return TestTime(idx, col(c["Z"]), col(run[f"mu{layer}"]), col(run[f"var{layer}"]), col(p[f"gamma{layer}"]),
                    col(p[f"beta{layer}"]), col(c["Z_tilde"]), col(caches1[layer - 1]["Z_tilde"]), y_run, y_b1, y_b0)


def dev_errors_one_at_a_time(lab: Lab) -> tuple[float, float]:
    """Dev error of the BN network when every dev example is classified alone: with the running statistics (one
    vectorized pass: inference mode treats every example on its own), and with its own batch statistics (a batch
    of one: one forward pass per example)."""
    from . import nn

    p, h, X = lab.bn.params, lab.hidden, lab.X_dev
    alone = np.array([nn.forward(p, X[:, [i]], h, "sigmoid")[0][0, 0] > 0.5 for i in range(X.shape[1])])
    return nn.error_rate(p, X, lab.Y_dev, h, running=lab.bn.running), float(np.mean(alone != (lab.Y_dev[0] == 1)))


def no_better_than_a_constant(cost: float) -> bool:
    """True when a training cost J is at least log 2, the cross-entropy of predicting ŷ = 0.5 everywhere (or NaN)."""
    return not cost < np.log(2)


def compare_values(a: float, b: float, factor: float = 2.0) -> str:
    """"more" when a > factor·b, "less" when b > factor·a, else "similar". A NaN (an overflow) counts as larger
    than any number; two NaNs are "similar"."""
    if not np.isfinite(a) or not np.isfinite(b):
        return "similar" if not np.isfinite(a) and not np.isfinite(b) else "more" if not np.isfinite(a) else "less"
    if a > factor * b:
        return "more"
    if b > factor * a:
        return "less"
    return "similar"


def falls_with_batch_size(values) -> bool:
    """True when ``values`` (ordered by growing B) decrease at every step."""
    return bool(np.all(np.diff(np.asarray(values, dtype=float)) < 0))


def close_to(measured, theory, tol: float = 0.25) -> bool:
    """Every measured value within ``tol`` (relative) of the closed form."""
    m, t = np.asarray(measured, dtype=float), np.asarray(theory, dtype=float)
    return bool(np.all(np.abs(m / t - 1) <= tol))


def batch_jitter(batch_mu: np.ndarray, run_mu: np.ndarray, run_var: np.ndarray) -> float:
    """How far each mini-batch's μ lands from the running μ before it, in running standard deviations: the standard
    deviation over the second half of training of ``(μ_batch,t − μ_run,t−1)/√σ²_run,t−1``, averaged over units.
    Arrays (T, n), row t−1 = after mini-batch t."""
    half = max(1, len(batch_mu) // 2)
    d = (batch_mu[half:] - run_mu[half - 1:-1]) / np.sqrt(run_var[half - 1:-1])
    return float(np.mean(d.std(axis=0)))


def saturated_units(preact: np.ndarray, limit: float = 2.0) -> int:
    """How many units end training (last record) with a median activation input beyond ±``limit`` (for tanh,
    where tanh'(2) ≈ 0.07: a flat end where the gradient all but vanishes); overflowed medians count."""
    med = preact[-1, :, 1]
    return int(np.sum(~(np.abs(med) <= limit)))
