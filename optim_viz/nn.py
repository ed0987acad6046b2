"""A small fully-connected network in NumPy, in the course's notation and shapes.

Convention: ``X`` has shape ``(n_x, m)`` (columns are examples); ``Y`` has shape ``(1, m)`` for a sigmoid
or linear output and ``(C, m)`` one-hot for softmax. ``W[l]`` has shape ``(n[l], n[l−1])``, ``b[l]`` is
``(n[l], 1)``. Forward keeps per-layer caches, backward is written by hand and checked against central
differences in the tests. Regularization: L2 in the cost and its gradient, inverted dropout on hidden layers.
Batch norm on the hidden layers with ``init_params(..., batch_norm=True)`` (see ``optim_viz.batchnorm``).

    params = nn.init_params([2, 20, 10, 1], "he", np.random.default_rng(0))
    params, history = nn.train(params, X, Y, optimizers.adam(lr=0.01), 2000, "relu", "sigmoid", lambd=0.1)
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import os
import threading
from typing import NamedTuple

import numpy as np

from . import batchnorm, dropout
from .optimizers import Optimizer

HIDDEN = ("relu", "tanh", "linear", "sigmoid")
OUTPUTS = ("sigmoid", "softmax", "linear")
INIT_METHODS = ("zeros", "constant", "random", "xavier", "he", "glorot")
_LOG_FLOOR = 1e-300  # keeps log finite for a saturated output without clipping ordinary values
PREACT_PERCENTILES = (15, 50, 85)  # as in Ioffe & Szegedy's figure of a sigmoid's input over training


# ------------------------------------------------------------------------------------- BLAS threads

def _openblas_setters():
    """(set_num_threads, get_num_threads) of the OpenBLAS NumPy was built with, or None if there is none."""
    paths = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*.so*"))
    with contextlib.suppress(OSError):
        with open("/proc/self/maps") as f:
            paths += sorted({line.split()[-1] for line in f if "openblas" in line and line.split()[-1].startswith("/")})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"),
                               ("openblas", "")):
            try:
                set_ = getattr(lib, f"{prefix}_set_num_threads{suffix}")
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}")
            except AttributeError:
                continue
            set_.argtypes, set_.restype, get.restype = [ctypes.c_int], None, ctypes.c_int
            return set_, get
    return None


_BLAS = _openblas_setters()
_BLAS_LOCK = threading.Lock()
_BLAS_USERS = [0, 0]  # sessions inside one_blas_thread, the thread count to restore when the last one leaves


@contextlib.contextmanager
def one_blas_thread():
    """Run BLAS single-threaded inside the block (restored when the last concurrent user leaves).

    The matrices here are small (50 × 50 by 50 × 180): OpenBLAS splits each product over every core anyway, and on
    a shared 2-core server the threads' hand-offs cost more than the product (measured: m = 650 took 21 s of CPU
    with threads, 1.3 s without). Results are the same; each output block is computed by one thread either way."""
    if _BLAS is None:
        yield
        return
    set_, get = _BLAS
    with _BLAS_LOCK:
        if _BLAS_USERS[0] == 0:
            _BLAS_USERS[1] = get()
            set_(1)
        _BLAS_USERS[0] += 1
    _INSIDE.depth = getattr(_INSIDE, "depth", 0) + 1
    try:
        yield
    finally:
        _INSIDE.depth -= 1
        with _BLAS_LOCK:
            _BLAS_USERS[0] -= 1
            if _BLAS_USERS[0] == 0:
                set_(_BLAS_USERS[1])


_INSIDE = threading.local()  # depth of one_blas_thread blocks this thread is in


def single_blas_thread(fn):
    """Decorator: ``fn`` runs inside ``one_blas_thread`` (at once when this thread already is: a training loop
    calls forward and backward thousands of times, and the lock is then pure overhead)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if getattr(_INSIDE, "depth", 0):
            return fn(*args, **kwargs)
        with one_blas_thread():
            return fn(*args, **kwargs)
    return wrapper


# ------------------------------------------------------------------------------------- parameters

def standard_normals(layer_dims: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """The draws ``init_params`` scales: ``randn(n[l], n[l−1])`` for l = 1..L, in order, from ``rng``."""
    dims = [int(n) for n in layer_dims]
    return [rng.standard_normal((dims[l], dims[l - 1])) for l in range(1, len(dims))]


def init_params(layer_dims: list[int], method: str = "he", rng: np.random.Generator | None = None,
                scale: float = 0.01, batch_norm: bool = False, normals: list | None = None) -> dict[str, np.ndarray]:
    """``W[l]`` of shape (n[l], n[l−1]) and ``b[l] = 0`` of shape (n[l], 1) for l = 1..L.

    batch_norm: hidden layers get ``γ[l] = 1`` and ``β[l] = 0`` (n[l], 1) instead of ``b[l]`` (redundant under
    batch norm); the weights drawn are the same as without it.

    method: "zeros"; "constant" (every weight = scale); "random" (randn·scale); "xavier" (randn·√(1/n[l−1]));
    "he" (randn·√(2/n[l−1])); "glorot" (randn·√(2/(n[l−1]+n[l]))). ``rng`` defaults to ``default_rng(0)``;
    ``normals`` (``standard_normals(layer_dims, rng)``, drawn once for several methods) replaces the draws.
    """
    if method not in INIT_METHODS:
        raise ValueError(f"unknown init method {method!r}; expected one of {', '.join(INIT_METHODS)}")
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(f"layer_dims needs at least an input and an output size, all ≥ 1; got {layer_dims}")
    rng = np.random.default_rng(0) if rng is None else rng
    params = {}
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        if method == "zeros":
            W = np.zeros((n, n_prev))
        elif method == "constant":
            W = np.full((n, n_prev), float(scale))
        else:
            std = {"random": float(scale), "xavier": np.sqrt(1 / n_prev), "he": np.sqrt(2 / n_prev),
                   "glorot": np.sqrt(2 / (n_prev + n))}[method]
            W = (rng.standard_normal((n, n_prev)) if normals is None else normals[l - 1]) * std
        params[f"W{l}"] = W
        if batch_norm and l < len(dims) - 1:
            params[f"gamma{l}"], params[f"beta{l}"] = np.ones((n, 1)), np.zeros((n, 1))
        else:
            params[f"b{l}"] = np.zeros((n, 1))
    return params


def percentiles(z: np.ndarray, q=PREACT_PERCENTILES) -> np.ndarray:
    """Per row of ``z`` (n, m), its ``q``-th percentiles (linear interpolation, as ``np.percentile``): (n, len(q)).
    One sort instead of ``np.percentile``, which cost a quarter of a training run."""
    s = np.sort(z, axis=1)
    pos = np.asarray(q, dtype=float) / 100 * (s.shape[1] - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, s.shape[1] - 1)
    return s[:, lo] + (pos - lo) * (s[:, hi] - s[:, lo])


def bn_layers(params: dict) -> list[int]:
    """The layers l that are batch-normalized (those with a ``γ[l]``)."""
    return [l for l in range(1, n_layers(params) + 1) if f"gamma{l}" in params]


def init_running(params: dict) -> dict[str, np.ndarray]:
    """Running statistics ``mu{l}``, ``var{l}`` for each batch-normalized layer, before any mini-batch."""
    out = {}
    for l in bn_layers(params):
        out[f"mu{l}"], out[f"var{l}"] = batchnorm.init_running(params[f"W{l}"].shape[0])
    return out


def n_layers(params: dict) -> int:
    """L, the number of weight layers (hidden layers + output)."""
    return sum(1 for k in params if k.startswith("W"))


def layer_dims(params: dict) -> list[int]:
    """[n_x, n[1], ..., n[L]] read from the weight shapes."""
    L = n_layers(params)
    return [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]


def _keys(d: dict) -> list[str]:
    prefix = "d" if "dW1" in d else ""
    L = sum(1 for k in d if k.startswith(prefix + "W"))
    bn = lambda l: f"{prefix}gamma{l}" in d  # noqa: E731
    return [f"{prefix}{p}{l}" for l in range(1, L + 1) for p in (("W", "gamma", "beta") if bn(l) else ("W", "b"))]


def to_vector(params: dict) -> np.ndarray:
    """All arrays flattened into one vector in the order W1, b1, W2, b2, ... (or dW1, db1, ... for grads);
    a batch-normalized layer contributes W, gamma, beta instead of W, b."""
    return np.concatenate([np.ravel(params[k]) for k in _keys(params)])


def from_vector(theta: np.ndarray, like: dict) -> dict:
    """The inverse of ``to_vector``: ``theta`` cut into arrays shaped (and keyed) like ``like``."""
    theta = np.asarray(theta, dtype=float)
    out, i = {}, 0
    for k in _keys(like):
        size = np.size(like[k])
        out[k] = theta[i:i + size].reshape(np.shape(like[k]))
        i += size
    if i != theta.size:
        raise ValueError(f"theta has {theta.size} entries, the parameters need {i}")
    return out


def weight_norms(params: dict) -> np.ndarray:
    """Frobenius norm ``‖W[l]‖_F`` of each layer, l = 1..L."""
    return np.array([np.linalg.norm(params[f"W{l}"]) for l in range(1, n_layers(params) + 1)])


def all_weights(params: dict) -> np.ndarray:
    """Every entry of ``W[1], ..., W[L]`` in one flat array (no biases: L2 does not regularize b)."""
    return np.concatenate([params[f"W{l}"].ravel() for l in range(1, n_layers(params) + 1)])


def sum_squared_weights(params: dict) -> float:
    """``Σ_l ‖W[l]‖²_F``, the sum that the L2 term ``(λ/2m) Σ_l ‖W[l]‖²_F`` scales."""
    return float(np.sum(weight_norms(params) ** 2))


# ------------------------------------------------------------------------------------ activations

def sigmoid(z):
    """σ(z) = 1/(1 + e^−z), in two branches (e^−|z| / (1 + e^−|z|) for z < 0) so that exp never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def activation(z: np.ndarray, name: str) -> np.ndarray:
    """g(z) for relu, tanh, linear, sigmoid; softmax along axis 0 (max subtracted first)."""
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "linear":
        return z
    if name == "sigmoid":
        return sigmoid(z)
    if name == "softmax":
        t = np.exp(z - z.max(axis=0, keepdims=True))
        return t / t.sum(axis=0, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def activation_grad(z: np.ndarray, a: np.ndarray, name: str) -> np.ndarray:
    """g'(z) for a hidden activation, from z and a = g(z)."""
    if name == "relu":
        return (z > 0).astype(float)
    if name == "tanh":
        return 1 - a * a
    if name == "linear":
        return np.ones_like(z)
    if name == "sigmoid":
        return a * (1 - a)
    raise ValueError(f"unknown hidden activation {name!r}")


def keep_prob_list(keep_probs, n_hidden: int) -> list[float]:
    """keep_probs (None, one float, or one per hidden layer) as a list of n_hidden floats in (0, 1]."""
    if keep_probs is None:
        return [1.0] * n_hidden
    if np.ndim(keep_probs) == 0:
        return [dropout.check_keep_prob(keep_probs)] * n_hidden
    kps = [dropout.check_keep_prob(k) for k in keep_probs]
    if len(kps) != n_hidden:
        raise ValueError(f"need one keep_prob per hidden layer ({n_hidden}), got {len(kps)}")
    return kps


def _check(hidden: str, output: str) -> None:
    if hidden not in HIDDEN:
        raise ValueError(f"hidden must be one of {', '.join(HIDDEN)}, got {hidden!r}")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}")


# -------------------------------------------------------------------------------- forward/backward

@single_blas_thread
def forward(params: dict, X: np.ndarray, hidden: str = "relu", output: str = "sigmoid", keep_probs=None,
            rng: np.random.Generator | None = None, running: dict | None = None,
            bn_eps: float = batchnorm.EPS) -> tuple[np.ndarray, list[dict]]:
    """``Z[l] = W[l] A[l−1] + b[l]``, ``A[l] = g(Z[l])``; inverted dropout on hidden layers with keep_prob < 1.

    Returns ``(AL, caches)``; ``caches[l−1]`` holds A_prev, W, b, Z, A (after dropout, what layer l+1 sees),
    A_raw (= g(Z) before dropout), D (the boolean mask, or None) and keep_prob.

    A batch-normalized layer (one with ``γ[l]``) has no b: ``Z[l] = W[l] A[l−1]``, ``Z̃[l] = γ[l] Z_norm + β[l]``,
    ``A[l] = g(Z̃[l])``; its cache also holds Z_tilde and bn (the ``batchnorm.Cache``). Without ``running`` the
    mini-batch's own μ, σ² are used (training mode); with ``running`` (``mu{l}``, ``var{l}``) the running
    statistics are (inference mode; bn is then None and there is no backward pass).
    """
    _check(hidden, output)
    L = n_layers(params)
    kps = keep_prob_list(keep_probs, L - 1)
    if rng is None and min(kps, default=1.0) < 1.0:
        raise ValueError("dropout (keep_prob < 1) needs an rng")
    A = np.asarray(X, dtype=float)
    caches = []
    for l in range(1, L + 1):
        W, b = params[f"W{l}"], params.get(f"b{l}")
        bn = f"gamma{l}" in params
        Z = W @ A if bn else W @ A + b
        if bn:
            gamma, beta = params[f"gamma{l}"], params[f"beta{l}"]
            if running is None:
                Z_tilde, bn_cache = batchnorm.forward(Z, gamma, beta, bn_eps)
            else:
                Z_tilde, bn_cache = batchnorm.inference(Z, gamma, beta, running[f"mu{l}"], running[f"var{l}"],
                                                        bn_eps), None
        is_out = l == L
        A_raw = activation(Z_tilde if bn else Z, output if is_out else hidden)
        kp = 1.0 if is_out else kps[l - 1]
        A_new, D = dropout.apply(A_raw, kp, rng) if kp < 1.0 else (A_raw, None)
        caches.append(dict(A_prev=A, W=W, b=b, Z=Z, A=A_new, A_raw=A_raw, D=D, keep_prob=kp))
        if bn:
            caches[-1].update(Z_tilde=Z_tilde, bn=bn_cache)
        A = A_new
    return A, caches


def l2_penalty(params: dict, lambd: float, m: int) -> float:
    """``(λ/2m) Σ_l ‖W[l]‖²_F``."""
    if not lambd:
        return 0.0
    return lambd / (2 * m) * sum(float(np.sum(params[f"W{l}"] ** 2)) for l in range(1, n_layers(params) + 1))


def compute_cost(AL: np.ndarray, Y: np.ndarray, params: dict | None = None, lambd: float = 0.0,
                 output: str = "sigmoid") -> float:
    """``J = (1/m) Σ L(ŷ, y) + (λ/2m) Σ_l ‖W[l]‖²_F``.

    L is the cross-entropy ``−[y log ŷ + (1−y) log(1−ŷ)]`` for sigmoid, ``−Σ_j y_j log ŷ_j`` for softmax,
    and ``½(ŷ − y)²`` for a linear output.
    """
    Y = np.asarray(Y, dtype=float)
    m = Y.shape[1]
    if output == "sigmoid":
        loss = -(Y * np.log(np.maximum(AL, _LOG_FLOOR)) + (1 - Y) * np.log(np.maximum(1 - AL, _LOG_FLOOR)))
    elif output == "softmax":
        loss = -Y * np.log(np.maximum(AL, _LOG_FLOOR))
    elif output == "linear":
        loss = 0.5 * (AL - Y) ** 2
    else:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, got {output!r}")
    cost = float(np.sum(loss)) / m
    return cost + (l2_penalty(params, lambd, m) if params is not None else 0.0)


@single_blas_thread
def backward(AL: np.ndarray, Y: np.ndarray, caches: list[dict], lambd: float = 0.0, hidden: str = "relu",
             output: str = "sigmoid", keep_probs=None) -> dict[str, np.ndarray]:
    """Gradients ``dW1, db1, ..., dWL, dbL`` of ``compute_cost`` (L2 term included: ``dW += (λ/m) W``).

    With the matching loss every output type gives ``dZ[L] = (A[L] − Y)/m``. Hidden layers:
    ``dA = dA·D/keep_prob`` (the masks of this forward pass), ``dZ = dA·g'(Z)``, ``dW = dZ A[l−1]ᵀ + (λ/m)W``,
    ``db = Σ dZ``, ``dA[l−1] = W[l]ᵀ dZ``. ``keep_probs`` is read from the caches; if given it must agree.
    A batch-normalized layer: ``dZ̃ = dA·g'(Z̃)``, then ``dZ, dγ, dβ = batchnorm.backward(dZ̃)`` (no db).
    """
    _check(hidden, output)
    Y = np.asarray(Y, dtype=float)
    m = Y.shape[1]
    L = len(caches)
    if keep_probs is not None:
        kps = keep_prob_list(keep_probs, L - 1)
        if any(abs(k - c["keep_prob"]) > 1e-12 for k, c in zip(kps, caches[:-1])):
            raise ValueError("keep_probs differ from those used in the forward pass")
    grads = {}
    dZ = (AL - Y) / m
    dA_next = None  # dA[l], set by layer l + 1 (the loop runs from the output down)
    for l in range(L, 0, -1):
        c = caches[l - 1]
        if l < L:
            dA = dA_next
            if c["D"] is not None:
                dA = dA * c["D"] * (1 / c["keep_prob"])
            Zg = c.get("Z_tilde", c["Z"])  # the activation's input
            # ReLU: multiply by the boolean Z > 0 directly (no float copy of g'(Z))
            dZ = dA * (Zg > 0) if hidden == "relu" else dA * activation_grad(Zg, c["A_raw"], hidden)
        if "bn" in c:
            if c["bn"] is None:
                raise ValueError("no backward pass through batch norm in inference mode (running statistics)")
            dZ, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = batchnorm.backward(dZ, c["bn"])
        dW = dZ @ c["A_prev"].T
        grads[f"dW{l}"] = dW + (lambd / m) * c["W"] if lambd else dW
        if c["b"] is not None:
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:  # dA[0] (the input's gradient) is not needed
            dA_next = c["W"].T @ dZ
    return {k: grads[k] for k in _keys(grads)}


# ------------------------------------------------------------------------------- prediction/train

def predict(params: dict, X: np.ndarray, hidden: str = "relu", output: str = "sigmoid",
            running: dict | None = None) -> np.ndarray:
    """Labels, shape (1, m), no dropout: ``ŷ > 0.5`` (sigmoid), the argmax class (softmax), ŷ itself (linear).
    ``running``: batch norm's running statistics (inference mode), see ``forward``."""
    AL, _ = forward(params, X, hidden, output, running=running)
    if output == "sigmoid":
        return (AL > 0.5).astype(int)
    if output == "softmax":
        return AL.argmax(axis=0)[None, :]
    return AL


def labels_of(Y: np.ndarray) -> np.ndarray:
    """Labels (1, m) from Y: the row itself for (1, m), the argmax for a one-hot (C, m)."""
    Y = np.asarray(Y)
    return Y.astype(int) if Y.shape[0] == 1 else Y.argmax(axis=0)[None, :]


def error_rate(params: dict, X: np.ndarray, Y: np.ndarray, hidden: str = "relu", output: str = "sigmoid",
               running: dict | None = None) -> float:
    """Fraction of misclassified examples (sigmoid/softmax outputs)."""
    if np.shape(Y)[1] == 0:
        return float("nan")
    return float(np.mean(predict(params, X, hidden, output, running) != labels_of(Y)))


@single_blas_thread
def train(params: dict, X: np.ndarray, Y: np.ndarray, optimizer: Optimizer, iterations: int,
          hidden: str = "relu", output: str = "sigmoid", lambd: float = 0.0, keep_probs=None,
          rng: np.random.Generator | None = None, record_every: int = 10,
          record_masks: int = 0, batch_size: int | None = None, bn_momentum: float = 0.9,
          bn_eps: float = batchnorm.EPS, record_preact: bool = False) -> tuple[dict, dict]:
    """Training: forward (with dropout), backward, one ``optimizer`` update per parameter array; full-batch
    unless ``batch_size`` is given.

    Returns the new params (the input dict is not mutated) and a history dict:
    ``iteration`` (1, every ``record_every``-th, and the last), ``cost`` (J with L2 of that iteration's forward
    pass, dropout included, i.e. before its update), ``weight_norms`` (rows of ‖W[l]‖_F after that update) and
    ``masks``: per hidden layer, the dropout masks of example 0 in the first ``record_masks`` iterations
    (bool array (record_masks, n[l]), row t−1 = iteration t), or None where keep_prob = 1.

    ``batch_size`` < m: one iteration is one update on the next mini-batch of a permutation drawn (from ``rng``,
    or ``default_rng(0)``) at the start of every epoch; the recorded cost is then that mini-batch's J.
    Batch norm (params from ``init_params(..., batch_norm=True)``): γ, β are updated by ``optimizer`` like the
    weights, and the history also holds ``running`` (``mu{l}``, ``var{l}``: the EWMA
    ``v = bn_momentum·v + (1 − bn_momentum)·θ`` of every mini-batch's μ, σ², for inference mode) and
    ``batch_mu``, ``batch_var`` ({l: (iterations, n[l])}, the statistics of every mini-batch).
    ``record_preact``: ``preact`` and ``preact_z``, {l: (records, n[l], 3)} for each hidden layer, the 15th,
    50th and 85th percentiles per unit over the mini-batch of the activation's input (Z̃ under batch norm)
    and of ``Z = W A (+ b)``.
    """
    _check(hidden, output)
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    L = n_layers(params)
    kps = keep_prob_list(keep_probs, L - 1)
    if rng is None and min(kps, default=1.0) < 1.0:
        raise ValueError("dropout (keep_prob < 1) needs an rng")
    kps_or_none = kps if min(kps, default=1.0) < 1.0 else None  # None: forward need not check them again
    record_every = max(1, int(record_every))
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    states = {k: optimizer.init(v) for k, v in params.items()}
    hist = {"iteration": [], "cost": [], "weight_norms": []}
    record_masks = max(0, min(int(record_masks), int(iterations)))
    dims = layer_dims(params)
    masks = [np.ones((record_masks, dims[l]), dtype=bool) if kp < 1.0 else None for l, kp in enumerate(kps, 1)]
    m = X.shape[1]
    B = m if batch_size is None else min(max(1, int(batch_size)), m)
    n_batches = -(-m // B)
    shuffle = np.random.default_rng(0) if rng is None else rng
    bn = bn_layers(params)
    running = init_running(params)
    batch_mu = {l: np.empty((int(iterations), dims[l])) for l in bn}
    batch_var = {l: np.empty((int(iterations), dims[l])) for l in bn}
    preact = {l: [] for l in range(1, L)} if record_preact else {}
    preact_z = {l: [] for l in range(1, L)} if record_preact else {}
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, int(iterations) + 1):
            Xt, Yt = X, Y
            if B < m:
                k = (t - 1) % n_batches
                if k == 0:
                    order = shuffle.permutation(m)
                Xt, Yt = X[:, order[k * B:(k + 1) * B]], Y[:, order[k * B:(k + 1) * B]]
            AL, caches = forward(params, Xt, hidden, output, kps_or_none, rng, bn_eps=bn_eps)
            grads = backward(AL, Yt, caches, lambd, hidden, output)
            for l in bn:
                c = caches[l - 1]
                # batchnorm.update_running with the batch statistics this forward pass already computed
                running[f"mu{l}"] = batchnorm.ewma_step(running[f"mu{l}"], c["bn"].mu, bn_momentum)
                running[f"var{l}"] = batchnorm.ewma_step(running[f"var{l}"], c["bn"].var, bn_momentum)
                batch_mu[l][t - 1], batch_var[l][t - 1] = c["bn"].mu[:, 0], c["bn"].var[:, 0]
            if t <= record_masks:
                for rec, c in zip(masks, caches):
                    if rec is not None:
                        rec[t - 1] = c["D"][:, 0]
            record = t % record_every == 0 or t == 1 or t == iterations
            if record:
                hist["iteration"].append(t)
                hist["cost"].append(compute_cost(AL, Yt, params, lambd, output))
                for l in preact:
                    c = caches[l - 1]
                    preact_z[l].append(percentiles(c["Z"], PREACT_PERCENTILES))
                    preact[l].append(percentiles(c["Z_tilde"], PREACT_PERCENTILES) if "bn" in c else preact_z[l][-1])
            for k in params:
                delta, states[k] = optimizer.update(grads["d" + k], states[k], params[k])
                params[k] = params[k] + delta
            if record:
                hist["weight_norms"].append(weight_norms(params))
    hist["iteration"] = np.array(hist["iteration"])
    hist["cost"] = np.array(hist["cost"])
    hist["weight_norms"] = np.array(hist["weight_norms"]).reshape(-1, L)
    hist["masks"] = masks
    if bn:
        hist.update(running=running, batch_mu=batch_mu, batch_var=batch_var)
    if record_preact:
        hist["preact"] = {l: np.array(v) for l, v in preact.items()}
        hist["preact_z"] = {l: np.array(v) for l, v in preact_z.items()}
    return params, hist


# ------------------------------------------------------------------------------------------ the lab

from collections import OrderedDict  # noqa: E402
from collections.abc import Callable  # noqa: E402


def dropout_expected_values(params: dict, X: np.ndarray, hidden: str, keep_probs, seed: int = 0,
                            draws: int = 100, output: str = "sigmoid") -> list[dropout.ExpectedValue]:
    """For each hidden layer l, ``dropout.expected_value_check`` of its activations ``A[l] = g(Z[l])`` on ``X``
    (a forward pass without dropout) at that layer's keep_prob: the means of ``A[l]``, ``A[l] ⊙ d`` and
    ``A[l] ⊙ d / keep_prob`` over ``draws`` masks, all drawn from one ``default_rng(seed)`` in layer order."""
    _, caches = forward(params, X, hidden, output)
    rng = np.random.default_rng(seed)
    return [dropout.expected_value_check(c["A_raw"], kp, rng, draws=draws) for c, kp in zip(caches[:-1], keep_probs)]


def record_every(iterations: int, points: int = 200) -> int:
    """The history stride that keeps about ``points`` records of a run: ``max(1, ⌊iterations / points⌋)``."""
    return max(1, iterations // points)


def diverged(history: dict) -> bool:
    """True when the last recorded cost J is infinite or NaN (the learning rate was too large)."""
    return not np.isfinite(history["cost"][-1])


def _flat_layout(params: dict) -> tuple[list[str], list[tuple], np.ndarray]:
    """Keys W1, b1, ..., WL, bL, their shapes and the offsets of each in one flat parameter vector."""
    keys = [f"{p}{l}" for l in range(1, n_layers(params) + 1) for p in ("W", "b")]
    shapes = [np.shape(params[k]) for k in keys]
    return keys, shapes, np.cumsum([0] + [int(np.prod(s)) for s in shapes])


class InPlace:
    """``optimizers.make(name, lr=lr)`` (sgd, momentum, rmsprop or adam at the course's defaults) for one flat
    parameter array that it updates in place: the same operations in the same order, so the same bits, without a
    fresh array for every operation (which cost Adam a sixth of a training iteration)."""

    NAMES = ("sgd", "momentum", "rmsprop", "adam")

    def __init__(self, name: str, lr: float):
        from . import optimizers

        if name not in self.NAMES:
            raise ValueError(f"in-place optimizers: {', '.join(self.NAMES)}; got {name!r}")
        self.name = name
        self.hyper = {k: np.asarray(v, dtype=float) for k, v in {**optimizers.SPECS[name].defaults, "lr": lr}.items()}

    def init(self, theta: np.ndarray) -> dict:
        return {"t": 0, "v": np.zeros_like(theta), "s": np.zeros_like(theta), "tmp": np.empty_like(theta),
                "tmp2": np.empty_like(theta)}

    def step(self, g: np.ndarray, state: dict, theta: np.ndarray) -> None:
        """One update of ``theta`` with the gradient ``g`` (``optimizers``' formulas)."""
        h, tmp, tmp2 = self.hyper, state["tmp"], state["tmp2"]
        state["t"] = t = state["t"] + 1
        neg_lr = -h["lr"]
        if self.name == "sgd":  # x −= α g
            np.multiply(neg_lr, g, out=tmp)
        elif self.name == "momentum":  # v = β v + (1 − β) g;  x −= α v
            v, b = state["v"], h["beta"]
            v *= b
            v += np.multiply(1 - b, g, out=tmp)
            np.multiply(neg_lr, v, out=tmp)
        elif self.name == "rmsprop":  # s = β₂ s + (1 − β₂) g²;  x −= α g / (√s + ε)
            s, b2 = state["s"], h["beta2"]
            s *= b2
            np.multiply(g, g, out=tmp)
            s += np.multiply(1 - b2, tmp, out=tmp)
            np.sqrt(s, out=tmp2)
            tmp2 += h["eps"]
            np.multiply(neg_lr, g, out=tmp)
            tmp /= tmp2
        else:  # adam: v, s as above; x −= α v̂ / (√ŝ + ε) with v̂ = v/(1 − β₁ᵗ), ŝ = s/(1 − β₂ᵗ)
            v, s, b1, b2 = state["v"], state["s"], h["beta1"], h["beta2"]
            v *= b1
            v += np.multiply(1 - b1, g, out=tmp)
            s *= b2
            np.multiply(g, g, out=tmp)
            s += np.multiply(1 - b2, tmp, out=tmp)
            np.divide(s, 1 - b2 ** t, out=tmp2)
            np.sqrt(tmp2, out=tmp2)
            tmp2 += h["eps"]
            np.divide(v, 1 - b1 ** t, out=tmp)
            tmp /= tmp2
            tmp *= neg_lr
        theta += tmp


@single_blas_thread
def train_variants(params: dict, X: np.ndarray, Y: np.ndarray, optimizer: Optimizer | InPlace, iterations: int,
                   hidden: str = "relu", lambdas=(0.0,), keep_probs=(None,), rngs=(None,),
                   record_every: int = 10, record_masks: int = 0, chunk: int = 50,
                   progress: Callable[[float], None] | None = None) -> list[tuple[dict, dict]]:
    """``train`` (full batch, sigmoid output, no batch norm) for V variants of one network at once.

    Variant v starts from ``params`` and trains with its own ``lambdas[v]``, ``keep_probs[v]`` and dropout
    generator ``rngs[v]``; every array carries a leading variant axis, so one matmul serves all V runs. Each
    variant's arithmetic is that of ``train`` (same operations in the same order, masks drawn from its rng in
    the same order), so ``[train(...) for each variant]`` gives the same params and history. ``optimizer``
    updates all parameters as one flat array (its updates are element-wise); an ``InPlace`` one updates it in
    place. ``progress(fraction)`` is called every ``chunk`` iterations. Returns ``[(params, history)]``.
    """
    _check(hidden, "sigmoid")
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    V, L, m = len(lambdas), n_layers(params), X.shape[1]
    if not len(keep_probs) == len(rngs) == V:
        raise ValueError("need one keep_probs entry and one rng per variant")
    dims = layer_dims(params)
    keys, shapes, offs = _flat_layout(params)
    kps = [keep_prob_list(k, L - 1) for k in keep_probs]
    if any(min(k, default=1.0) < 1.0 and r is None for k, r in zip(kps, rngs)):
        raise ValueError("dropout (keep_prob < 1) needs an rng")
    record_every = max(1, int(record_every))
    iterations = int(iterations)
    record_masks = max(0, min(int(record_masks), iterations))

    def views(flat):  # W[l], b[l] of every variant: (V, n[l], n[l−1]) and (V, n[l], 1), no copies
        return [flat[:, offs[i]:offs[i + 1]].reshape((V,) + shapes[i]) for i in range(len(keys))]

    theta = np.tile(np.concatenate([np.ravel(params[k]) for k in keys]).astype(float), (V, 1))
    P = views(theta)  # updated in place, so these views stay current
    Ws, bs = P[0::2], P[1::2]
    WTs = [W.swapaxes(1, 2) for W in Ws]
    state = optimizer.init(theta)
    inplace = isinstance(optimizer, InPlace)
    grad = np.empty_like(theta)
    g = views(grad)
    dWs, dbs = g[0::2], g[1::2]
    lam_m = np.array([float(lam) / m for lam in lambdas])[:, None, None]
    lam_2m = np.array([float(lam) / (2 * m) for lam in lambdas])
    any_l2 = bool(np.any(lam_m))  # dW + 0·W is dW: skip the term when no variant has L2
    kp = [np.array([k[l] for k in kps])[:, None, None] for l in range(L - 1)]
    inv_kp = [1 / k for k in kp]
    drops = [[l for l in range(L - 1) if k[l] < 1.0] for k in kps]  # hidden layers (0-based) with dropout
    # per hidden layer l (0-based): the variants that drop units there, and whether they all do
    drop_v = [[v for v in range(V) if kps[v][l] < 1.0] for l in range(L - 1)]
    every = [len(d) == V for d in drop_v]
    relu = hidden == "relu"
    masks = [[np.ones((record_masks, dims[l + 1]), dtype=bool) if k[l] < 1.0 else None for l in range(L - 1)]
             for k in kps]
    Xt = X.T
    # one buffer per hidden layer for Z, g(Z), the dropped-out A, dA and A > 0: fresh arrays of this size cost
    # page faults on every allocation, more than the arithmetic
    Zs = [np.empty((V, dims[l + 1], m)) for l in range(L)]
    A_raws, As, dAs = ([np.empty((V, dims[l + 1], m)) for l in range(L - 1)] for _ in range(3))
    positive = [np.empty((V, dims[l + 1], m), dtype=bool) for l in range(L - 1)]
    blocks: list = [None] * (L - 1)  # per layer: the whole (n, V, n[l], m) block or {v: (n, n[l], m)}
    Ds: list = [None] * (L - 1)  # the masks of this iteration, every variant (non-ReLU layers only)
    ones = [np.ones((dims[l + 1], m), bool) for l in range(L - 1)]
    rec_it, rec_cost, rec_norms = [], [], []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, iterations + 1):
            k = (t - 1) % chunk
            if k == 0:  # the masks of a block of iterations at once: the same stream as one draw per layer and step
                if progress is not None:
                    progress((t - 1) / iterations)
                n = min(chunk, iterations - t + 1)
                blocks = [(np.empty((n, V, dims[l + 1], m), dtype=bool) if every[l] else {}) if drop_v[l] else None
                          for l in range(L - 1)]
                for v, layers in enumerate(drops):
                    if not layers:
                        continue
                    draws, o = rngs[v].random((n, sum(dims[l + 1] for l in layers) * m)), 0
                    for l in layers:
                        size = dims[l + 1] * m
                        drawn = draws[:, o:o + size].reshape(n, dims[l + 1], m)
                        if every[l]:
                            np.less(drawn, kps[v][l], out=blocks[l][:, v])
                            block = blocks[l][:, v]
                        else:
                            block = blocks[l][v] = drawn < kps[v][l]
                        o += size
                        rec = masks[v][l][t - 1:min(t - 1 + n, record_masks)]
                        rec[:] = block[:len(rec), :, 0]
            A = X
            for l in range(L):
                Z = np.matmul(Ws[l], A, out=Zs[l])
                Z += bs[l]
                if l == L - 1:
                    A = sigmoid(Z)
                    continue
                if relu:  # the mask and 1/keep_prob in place, only where a variant drops (backward reads Z, not A)
                    A = np.maximum(Z, 0, out=A_raws[l])
                    if every[l]:
                        A *= blocks[l][k]
                        A /= kp[l]
                    else:
                        for v in drop_v[l]:
                            A[v] *= blocks[l][v][k]
                            A[v] /= kps[v][l]
                else:  # backward needs g(Z) itself: the dropped-out A goes to its own buffer
                    A = A_raw = A_raws[l]
                    A_raw[...] = activation(Z, hidden)
                    if drop_v[l]:
                        Ds[l] = blocks[l][k] if every[l] else np.stack(
                            [blocks[l][v][k] if v in blocks[l] else ones[l] for v in range(V)])
                        A = np.multiply(A_raw, Ds[l], out=As[l])
                        A /= kp[l]
                As[l] = A
            if t % record_every == 0 or t == 1 or t == iterations:
                loss = -(Y * np.log(np.maximum(A, _LOG_FLOOR)) + (1 - Y) * np.log(np.maximum(1 - A, _LOG_FLOOR)))
                squares = sum(np.sum(W ** 2, axis=(1, 2)) for W in Ws)
                rec_it.append(t)
                rec_cost.append(loss.sum(axis=(1, 2)) / m + lam_2m * squares)
            dZ = (A - Y) / m
            for l in range(L - 1, -1, -1):
                if l < L - 1:  # dA (in dAs[l]) came from layer l + 1
                    dA = dAs[l]
                    if relu:
                        # dA·d/keep_prob·[Z > 0] = dA·[A > 0]/keep_prob: A = g(Z)·d/keep_prob is > 0 exactly where
                        # the unit is kept and Z > 0 (the same products, so the same bits)
                        dZ = np.multiply(dA, np.greater(As[l], 0, out=positive[l]), out=dA)
                        if every[l]:
                            dZ *= inv_kp[l]
                        else:
                            for v in drop_v[l]:
                                dZ[v] *= 1 / kps[v][l]
                    else:
                        if drop_v[l]:
                            dA *= Ds[l]
                            dA *= inv_kp[l]
                        dZ = dA * activation_grad(Zs[l], A_raws[l], hidden)
                np.matmul(dZ, Xt if l == 0 else As[l - 1].swapaxes(1, 2), out=dWs[l])
                if any_l2:
                    dWs[l] += lam_m * Ws[l]
                dZ.sum(axis=2, keepdims=True, out=dbs[l])
                if l > 0:
                    if dims[l + 1] == 1:  # one unit (the output): Wᵀ dZ is an outer product, one rounding per entry
                        np.multiply(WTs[l], dZ, out=dAs[l - 1])
                    else:
                        np.matmul(WTs[l], dZ, out=dAs[l - 1])
            if inplace:
                optimizer.step(grad, state, theta)
            else:
                delta, state = optimizer.update(grad, state, theta)
                theta += delta
            if len(rec_norms) < len(rec_it):
                rec_norms.append(np.sqrt([np.sum(W ** 2, axis=(1, 2)) for W in Ws]).T)
    P = views(theta)
    costs, norms = np.array(rec_cost).reshape(-1, V), np.array(rec_norms).reshape(-1, V, L)
    return [({k: P[i][v].copy() for i, k in enumerate(keys)},
             {"iteration": np.array(rec_it), "cost": costs[:, v], "weight_norms": norms[:, v], "masks": masks[v]})
            for v in range(V)]


class LabRun(NamedTuple):
    """One run of the Regularization lab. ``views`` holds what a page derives from it once (e.g. ŷ over a
    plot's grid), keyed by the page: the run is shared between sessions, its other fields are read-only."""
    split: object  # datasets.Split
    params: dict
    history: dict  # iteration, cost, weight_norms, masks
    errors: dict  # train / dev / test error rates
    views: dict


def run_labs(dataset: str = "moons", m: int = 300, noise: float = 0.25, proportions=(0.6, 0.2, 0.2),
             data_seed: int = 0, hidden_units=(20, 10), hidden: str = "relu", variants=((0.0, None),),
             iterations: int = 2000, optimizer: str = "adam", lr: float = 0.01, seed: int = 0,
             record_every: int = 10, record_masks: int = 0, progress: Callable[[float], None] | None = None
             ) -> list[LabRun]:
    """``run_lab`` for several (λ, keep_probs) variants of one setting, trained together (``train_variants``).
    Every variant sees the same data and initial weights; each draws its masks from ``default_rng(seed + 1)``."""
    from . import datasets

    X, Y = datasets.make(dataset, m, noise, data_seed)
    s = datasets.split(X, Y, proportions, data_seed)
    dims = [2, *[int(u) for u in hidden_units], 1]
    params = init_params(dims, "he" if hidden == "relu" else "xavier", np.random.default_rng(seed))
    runs = train_variants(params, s.X_train, s.Y_train, InPlace(optimizer, lr), iterations, hidden,
                          [lam for lam, _ in variants], [kps for _, kps in variants],
                          [np.random.default_rng(seed + 1) for _ in variants], record_every, record_masks,
                          progress=progress)
    out = []
    for params, history in runs:
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged run gives NaN params, not warnings
            errors = {name: error_rate(params, Xp, Yp, hidden) for name, Xp, Yp in
                      (("train", s.X_train, s.Y_train), ("dev", s.X_dev, s.Y_dev), ("test", s.X_test, s.Y_test))}
        out.append(LabRun(s, params, history, errors, {}))
    return out


def run_lab(dataset: str = "moons", m: int = 300, noise: float = 0.25, proportions=(0.6, 0.2, 0.2),
            data_seed: int = 0, hidden_units=(20, 10), hidden: str = "relu", lambd: float = 0.0,
            keep_probs=None, iterations: int = 2000, optimizer: str = "adam", lr: float = 0.01, seed: int = 0,
            record_every: int = 10, record_masks: int = 0) -> LabRun:
    """One run of the Regularization lab from plain values: data, split, init, training, errors.

    Initialization follows the hidden activation (He for ReLU, Xavier otherwise) from ``default_rng(seed)``;
    the dropout masks come from ``default_rng(seed + 1)``, so runs that differ only in λ or keep_prob start
    from the same weights. Returns a ``LabRun``: ``split`` (datasets.Split), ``params``, ``history`` and
    ``errors`` (train / dev / test error rates).
    """
    return run_labs(dataset, m, noise, proportions, data_seed, hidden_units, hidden, ((lambd, keep_probs),),
                    iterations, optimizer, lr, seed, record_every, record_masks)[0]


# Work units of a lab run: multiply-adds of the forward pass per example (the backward pass is a fixed multiple),
# plus the element-wise work per hidden unit and the per-layer overhead of an iteration in the same units, as
# measured here (a unit is about 0.45 ns of one core; np.tanh costs about five times a ReLU).
ACTIVATION_WORK = {"relu": 14, "linear": 14, "tanh": 70, "sigmoid": 70}
LAYER_OVERHEAD = 90_000
LAB_BUDGET = 3.7e9  # about 1.5 s of one core: the default network trained four times, with any activation, fits


def lab_work(iterations: int, m_train: int, hidden_units, hidden: str = "relu", runs: int = 1) -> float:
    """Work units of ``runs`` lab runs: ``iterations · (runs · m_train · (Σ_l n[l]·n[l−1] + c_g Σ_l n[l])
    + c_L · (L + 1))`` for ``layer_dims = [2, *hidden_units, 1]``."""
    dims = [2, *[int(u) for u in hidden_units], 1]
    per_example = sum(a * b for a, b in zip(dims, dims[1:])) + ACTIVATION_WORK[hidden] * sum(dims[1:-1])
    return float(iterations) * (runs * int(m_train) * per_example + LAYER_OVERHEAD * len(dims))


def affordable_iterations(requested: int, m_train: int, hidden_units, hidden: str = "relu", runs: int = 1,
                          budget: float = LAB_BUDGET, step: int = 100) -> int:
    """``requested`` if its ``lab_work`` fits ``budget``; otherwise the largest multiple of ``step`` that fits (of
    ``step // 10`` below ``step``, at least ``step // 10``)."""
    per_iteration = lab_work(1, m_train, hidden_units, hidden, runs)
    fit = int(budget // per_iteration)
    if int(requested) <= fit:
        return int(requested)
    small = max(1, step // 10)
    return fit // step * step if fit >= step else max(small, fit // small * small)


class LabRuns:
    """A bounded, thread-safe memo of lab runs for a server: ``get(variants, **setting)`` returns one
    ``run_labs`` result per (λ, keep_probs) variant of a setting (``run_labs``' other keyword arguments, plain
    hashable values) and trains only the variants it does not hold, together in one call. The least recently
    used runs are dropped beyond ``max_runs``. Returned runs are shared: treat them as read-only."""

    def __init__(self, max_runs: int = 48):
        self.max_runs = int(max_runs)
        self._runs: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(variant, setting: dict) -> tuple:
        lam, kps = variant
        return tuple(sorted(setting.items())), float(lam), None if kps is None else tuple(float(k) for k in kps)

    def missing(self, variants, **setting) -> list:
        """The variants (distinct, in order) that ``get`` would have to train."""
        with self._lock:
            keys = {}
            for v in variants:
                keys.setdefault(self._key(v, setting), v)
            return [v for k, v in keys.items() if k not in self._runs]

    def get(self, variants, progress: Callable[[float], None] | None = None, **setting) -> list[LabRun]:
        todo = self.missing(variants, **setting)
        if todo:
            new = run_labs(variants=todo, progress=progress, **setting)
            with self._lock:
                for v, run in zip(todo, new):
                    self._runs[self._key(v, setting)] = run
        with self._lock:
            out = []
            for v in variants:
                key = self._key(v, setting)
                run = self._runs.get(key)
                if run is None:  # dropped by another session's inserts in between: train it alone
                    run = run_labs(variants=[v], **setting)[0]
                    self._runs[key] = run
                self._runs.move_to_end(key)
                out.append(run)
            while len(self._runs) > self.max_runs:
                self._runs.popitem(last=False)
            return out

    def __len__(self) -> int:
        return len(self._runs)


def l2_only_steps(optimizer: str, lr: float, lambd: float, m: int, w0: float = 0.05, steps: int = 3) -> np.ndarray:
    """A weight w = ``w0`` after 1..``steps`` updates of ``optimizer`` whose gradient is the L2 term alone,
    ``(λ/m) w``: plain gradient descent gives ``w0 (1 − αλ/m)^t`` ("weight decay"); adaptive optimizers divide
    the term by √s and take far larger relative steps (why AdamW decouples the decay)."""
    from . import optimizers

    opt = optimizers.make(optimizer, lr=lr)
    w = np.array([float(w0)])
    state, out = opt.init(w), []
    for _ in range(int(steps)):
        delta, state = opt.update(float(lambd) / m * w, state, w)
        w = w + delta
        out.append(float(w[0]))
    return np.array(out)
