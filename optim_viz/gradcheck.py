"""Gradient checking: compare an analytic gradient with finite differences of the cost.

    dθ_approx[i] = (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε            (two-sided, ε = 1e-7)
    diff = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)
    ~1e-7 great · ~1e-5 look closer · ~1e-3 or more: a bug          (``BANDS``: the one table of thresholds)

``cost(theta) -> float`` and ``grad(theta) -> array`` shaped like the flat ``theta``. The network part
(planted bugs) builds such a pair from ``optim_viz.nn``, plus ``cost_batch(thetas (k, size)) -> (k,)`` that
evaluates many perturbed θ at once (the same cost; ~100× faster than one call per θ).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import nn

Cost = Callable[[np.ndarray], float]
Grad = Callable[[np.ndarray], np.ndarray]
BatchCost = Callable[[np.ndarray], np.ndarray]

EPS = 1e-7


class Band(NamedTuple):
    lo: float  # the band starts here (inclusive, except that "great" includes its upper bound 1e-7)
    hi: float
    label: str  # short name, on the charts
    verdict: str  # the page's sentence
    colour: str


# The course's reading of the relative difference, used by ``verdict``, the charts' colours and the page's text.
# 1e-7 itself is great ("about 1e-7 or below"), 1e-5 is "look closer", 1e-3 is a bug ("1e-3 or more").
BANDS = (Band(0.0, 1e-7, "great", "great: the gradient is almost certainly right", "#2ca02c"),
         Band(1e-7, 1e-5, "probably fine", "probably fine, but look at the components", "#bcbd22"),
         Band(1e-5, 1e-3, "look closer", "worrying: look closer at the components", "#ff7f0e"),
         Band(1e-3, np.inf, "bug", "a bug: the analytic gradient is wrong somewhere", "#d62728"))
GREAT, FINE, CLOSER, BUG = BANDS


def band(diff: float) -> Band | None:
    """The band of ``BANDS`` a relative difference falls in (None if it is not a finite number ≥ 0)."""
    if not (np.isfinite(diff) and diff >= 0):
        return None
    if diff <= GREAT.hi:
        return GREAT
    return next(b for b in BANDS[1:] if diff < b.hi)


def numerical_gradient(cost: Cost, theta, eps: float = EPS, two_sided: bool = True,
                       cost_batch: BatchCost | None = None) -> np.ndarray:
    """Finite-difference gradient, one component at a time.

    two-sided: ``(J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε`` (error O(ε²));
    one-sided: ``(J(θ + ε eᵢ) − J(θ)) / ε`` (error O(ε)).
    With ``cost_batch`` every perturbed θ is evaluated in one call (same formula, same θ ± ε eᵢ).
    """
    theta = np.asarray(theta, dtype=float).ravel()
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    if cost_batch is not None:
        return batched_gradients(cost_batch, theta, [eps], two_sided)[0]
    approx = np.empty_like(theta)
    base = None if two_sided else float(cost(theta.copy()))
    for i in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[i] += eps
        if two_sided:
            minus[i] -= eps
            approx[i] = (float(cost(plus)) - float(cost(minus))) / (2 * eps)
        else:
            approx[i] = (float(cost(plus)) - base) / eps
    return approx


def relative_error(approx, exact) -> float:
    """``‖approx − exact‖₂ / (‖approx‖₂ + ‖exact‖₂)``; 0 when both are zero."""
    approx, exact = np.ravel(approx), np.ravel(exact)
    denom = np.linalg.norm(approx) + np.linalg.norm(exact)
    return float(np.linalg.norm(approx - exact) / denom) if denom > 0 else 0.0


def relative_difference(cost: Cost, grad: Grad, theta, eps: float = EPS) -> float:
    """The course's check: the relative difference between ``grad(θ)`` and the two-sided difference."""
    theta = np.asarray(theta, dtype=float).ravel()
    exact = np.asarray(grad(theta.copy()), dtype=float).ravel()
    if exact.shape != theta.shape:
        raise ValueError(f"grad(theta) must have one entry per component of theta ({theta.size}), got {exact.size}")
    return relative_error(numerical_gradient(cost, theta, eps), exact)


class Check(NamedTuple):
    approx: np.ndarray  # two-sided difference
    exact: np.ndarray  # analytic gradient
    diff: float  # relative difference over all components
    component: np.ndarray  # |approx − exact| per component
    component_rel: np.ndarray  # |approx − exact| / (|approx| + |exact|) per component (0 where both are 0)


def check(cost: Cost, grad: Grad, theta, eps: float = EPS, cost_batch: BatchCost | None = None) -> Check:
    """Relative difference plus the per-component differences that locate a bug."""
    theta = np.asarray(theta, dtype=float).ravel()
    approx = numerical_gradient(cost, theta, eps, cost_batch=cost_batch)
    exact = np.asarray(grad(theta.copy()), dtype=float).ravel()
    err = np.abs(approx - exact)
    denom = np.abs(approx) + np.abs(exact)
    rel = np.divide(err, denom, out=np.zeros_like(err), where=denom > 0)
    return Check(approx, exact, relative_error(approx, exact), err, rel)


def verdict(diff: float) -> str:
    """The course's reading of a relative difference: the ``verdict`` of its band in ``BANDS``."""
    b = band(diff)
    return "not a number: the cost or gradient overflowed" if b is None else b.verdict


def reading() -> str:
    """The bands in words, from ``BANDS``: "about 1e-07 or below: great; ..." (the page's legend)."""
    return (f"about {GREAT.hi:.0e} or below: {GREAT.label}; up to {FINE.hi:.0e}: {FINE.label}; from {CLOSER.lo:.0e}: "
            f"{CLOSER.label}; {BUG.lo:.0e} or more: almost certainly a {BUG.label}")


def batched_gradients(cost_batch: BatchCost, theta, eps_values, two_sided: bool = True) -> np.ndarray:
    """``numerical_gradient`` for every ε of ``eps_values`` at once, shape (len(eps_values), size)."""
    theta = np.asarray(theta, dtype=float).ravel()
    eps = np.asarray(eps_values, dtype=float).ravel()
    if not (eps > 0).all():
        raise ValueError(f"eps must be positive, got {eps.min()}")
    n, k = theta.size, eps.size
    plus = np.repeat(theta[None, None, :], n, axis=1).repeat(k, axis=0)  # (k, n, n): row i perturbs component i
    idx = np.arange(n)
    plus[:, idx, idx] = theta[idx] + eps[:, None]
    if two_sided:
        minus = np.repeat(theta[None, None, :], n, axis=1).repeat(k, axis=0)
        minus[:, idx, idx] = theta[idx] - eps[:, None]
        J = cost_batch(np.concatenate([plus, minus]).reshape(-1, n)).reshape(2, k, n)
        return (J[0] - J[1]) / (2 * eps[:, None])
    J = cost_batch(np.concatenate([theta[None], plus.reshape(-1, n)]))
    return (J[1:].reshape(k, n) - J[0]) / eps[:, None]


def eps_sweep(cost: Cost, grad: Grad, theta, eps_values, two_sided: bool = True,
              cost_batch: BatchCost | None = None) -> np.ndarray:
    """Relative difference for each ε: V-shaped on log-log axes (truncation error ∝ ε² (two-sided) or ε
    (one-sided) on the right, round-off ∝ 1/ε on the left)."""
    theta = np.asarray(theta, dtype=float).ravel()
    exact = np.asarray(grad(theta.copy()), dtype=float).ravel()
    if cost_batch is not None:
        return np.array([relative_error(a, exact)
                         for a in batched_gradients(cost_batch, theta, eps_values, two_sided)])
    return np.array([relative_error(numerical_gradient(cost, theta, float(e), two_sided), exact)
                     for e in np.ravel(eps_values)])


class EpsReading(NamedTuple):
    best_eps: float  # the ε of the grid where the two-sided error of the correct gradient is smallest
    best: float  # that smallest error
    at_eps: float  # the error at the chosen ε
    arm: str  # "round-off" (left of the bottom), "bottom" (within half a decade of it) or "truncation" (right)
    tiny: float  # the error at ε = 1e-12 (the grid's smallest ε)
    course: float  # the error at the course's ε = 1e-7
    bug_min: float | None  # the planted bug's smallest error over the grid (None without a bug)


def read_sweep(eps_values, sweep, eps: float, at_eps: float, bug=None) -> EpsReading:
    """Where the chosen ``eps`` sits on the V of ``sweep`` (the correct gradient's error per ε), the errors at
    ε = 1e-12 and at the course's 1e-7 (both on the grid), and how low a bug's curve gets."""
    eps_values, sweep = np.asarray(eps_values, float), np.asarray(sweep, float)
    i = int(np.nanargmin(sweep))
    best_eps = float(eps_values[i])
    ratio = np.log10(eps / best_eps)
    arm = "bottom" if abs(ratio) <= 0.5 else "round-off" if ratio < 0 else "truncation"

    def at(e: float) -> float:
        return float(sweep[int(np.argmin(np.abs(np.log10(eps_values / e))))])

    return EpsReading(best_eps, float(sweep[i]), float(at_eps), arm, at(1e-12), at(EPS),
                      None if bug is None else float(np.nanmin(bug)))


# ---------------------------------------------------------------------------------------------
# The small network with planted bugs.

BUGS = {
    "none": "No bug: backprop as written in the course",
    "sign": "Wrong sign: dW2 = −(dZ2 A1ᵀ)/m",
    "factor": "Missing factor: db1 without the 1/m",
    "l2": "Forgot the L2 term in the gradient: dW without + (λ/m) W",
    "dropout": "Dropout left on: every cost evaluation draws a new mask",
}


class Problem(NamedTuple):
    cost: Cost
    grad: Grad
    theta: np.ndarray
    names: list[str]  # one per component, e.g. "W1[0,2]"
    block: np.ndarray  # (size,) index into ``blocks`` for each component
    blocks: list[str]  # "W1", "b1", ...
    lambd: float
    cost_batch: BatchCost | None = None  # cost of many θ (rows) at once


def _network_cost_batch(params: dict, X, Y, hidden: str, lambd: float, keep=None, rng=None) -> BatchCost:
    """``cost`` of the network for a batch of θ (rows): the same forward pass and cross-entropy as ``nn``,
    on stacked weights. With ``keep`` (dropout left on) every row draws its own masks."""
    shapes = [np.shape(params[k]) for k in params]  # W1, b1, W2, b2, ...: the order of nn.to_vector
    m, L = Y.shape[1], len(shapes) // 2

    def cost_batch(thetas: np.ndarray) -> np.ndarray:
        thetas = np.asarray(thetas, dtype=float)
        k, i, A, l2 = thetas.shape[0], 0, np.asarray(X, float), 0.0
        with np.errstate(all="ignore"):
            for l in range(1, L + 1):
                n, n_prev = shapes[2 * l - 2]
                W = thetas[:, i:i + n * n_prev].reshape(k, n, n_prev)
                i += n * n_prev
                b = thetas[:, i:i + n].reshape(k, n, 1)
                i += n
                A = nn.activation(W @ A + b, hidden if l < L else "sigmoid")
                if keep is not None and l < L:
                    A = A * (rng.random(A.shape) < keep[l - 1]) / keep[l - 1]
                l2 = l2 + np.sum(W * W, axis=(1, 2))
            floor = 1e-300  # as nn.compute_cost: log stays finite for a saturated output
            loss = -(Y * np.log(np.maximum(A, floor)) + (1 - Y) * np.log(np.maximum(1 - A, floor)))
            cost = np.sum(loss, axis=(1, 2)) / m
        return cost + (lambd / (2 * m) * l2 if lambd else 0.0)

    return cost_batch


def _layout(nn, params: dict):
    """Names and block index of every entry of ``nn.to_vector(params)``, whatever its ordering."""
    blocks = list(params)
    marker = {k: np.full(np.shape(v), i, dtype=float) for i, (k, v) in enumerate(params.items())}
    block = nn.to_vector(marker).astype(int).ravel()
    position = {k: 0 for k in blocks}
    names = []
    for b in block:
        k = blocks[b]
        idx = np.unravel_index(position[k], np.shape(params[k]))
        position[k] += 1
        names.append(f"{k}[{','.join(map(str, idx))}]")
    return blocks, block, names


def make_data(m: int = 20, n_x: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded inputs ``X`` (n_x, m) and labels ``Y`` (1, m) for the gradient check."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (X[0:1] * X[1:2] + 0.5 * X[-1:] > 0).astype(float)
    return X, Y


def effective_lambda(bug: str, lambd: float) -> float:
    """The λ the check uses: 0.7 for a forgotten L2 term at λ = 0 (or the bug would do nothing)."""
    return 0.7 if bug == "l2" and lambd == 0 else float(lambd)


def network_problem(bug: str = "none", lambd: float = 0.0, layer_dims=(3, 5, 3, 1), hidden: str = "tanh",
                    keep_prob: float = 0.8, m: int = 20, seed: int = 0) -> Problem:
    """The network's ``cost(θ)`` (cross-entropy plus ``(λ/2m) Σ‖W‖²``) and its backprop ``grad(θ)`` with
    ``bug`` planted (see ``BUGS``). For ``"l2"`` with λ = 0 a λ of 0.7 is used, or the bug would do nothing."""
    if bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; choose one of {', '.join(BUGS)}")
    lambd = effective_lambda(bug, lambd)
    layer_dims = list(layer_dims)
    X, Y = make_data(m, layer_dims[0], seed)
    params = nn.init_params(layer_dims, method="xavier", rng=np.random.default_rng(seed + 1))
    blocks, block, names = _layout(nn, params)
    theta0 = nn.to_vector(params).astype(float).ravel()
    L = len(layer_dims) - 1
    keep = [keep_prob] * (L - 1) if bug == "dropout" else None
    mask_rng = np.random.default_rng(seed + 2)  # advances on every call: each evaluation sees a new mask

    def cost(theta):
        p = nn.from_vector(theta, params)
        AL, _ = nn.forward(p, X, hidden=hidden, output="sigmoid", keep_probs=keep, rng=mask_rng)
        return float(nn.compute_cost(AL, Y, params=p, lambd=lambd, output="sigmoid"))

    def grad(theta):
        p = nn.from_vector(theta, params)
        AL, caches = nn.forward(p, X, hidden=hidden, output="sigmoid", keep_probs=keep, rng=mask_rng)
        g = nn.backward(AL, Y, caches, lambd=0.0 if bug == "l2" else lambd, hidden=hidden, output="sigmoid",
                        keep_probs=keep)
        g = {k: np.array(v, dtype=float) for k, v in g.items()}
        if bug == "sign":
            g["dW2"] = -g["dW2"]
        elif bug == "factor":
            g["db1"] = g["db1"] * m
        return nn.to_vector({k: g["d" + k] for k in params}).astype(float).ravel()

    batch = _network_cost_batch(params, X, Y, hidden, lambd, keep, np.random.default_rng(seed + 3))
    return Problem(cost, grad, theta0, names, block, blocks, lambd, batch)


def block_differences(problem: Problem, result: Check) -> np.ndarray:
    """Relative difference restricted to each parameter block (W1, b1, ...): the broken one stands out."""
    return np.array([relative_error(result.approx[problem.block == i], result.exact[problem.block == i])
                     for i in range(len(problem.blocks))])


def worst_components(result: Check, k: int = 6) -> list[int]:
    """Indices of the ``k`` components with the largest ``|dθ_approx[i] − dθ[i]|``, largest first (equal
    differences keep their order in θ)."""
    return sorted(range(len(result.component)), key=lambda i: -result.component[i])[:k]


def flagged_blocks(problem: Problem, block_diff, threshold: float = CLOSER.lo) -> list[str]:
    """Names of the parameter blocks (W1, b1, ...) whose relative difference is ``threshold`` or more
    (by default 1e-5, where "look closer" starts in ``BANDS``)."""
    return [b for b, d in zip(problem.blocks, block_diff) if not d < threshold]


EPS_GRID = np.logspace(-12, -1, 23)


class Report(NamedTuple):
    problem: Problem
    result: Check
    block_diff: np.ndarray  # per block
    eps: np.ndarray
    sweep_two: np.ndarray  # correct gradient, two-sided
    sweep_one: np.ndarray  # correct gradient, one-sided
    sweep_bug: np.ndarray | None  # the planted bug, two-sided (None when there is no bug)


def network_report(bug: str = "none", lambd: float = 0.0, hidden: str = "tanh", eps: float = EPS, seed: int = 0,
                   eps_values=EPS_GRID) -> Report:
    """Everything the gradient-check page shows: the check at ``eps`` with ``bug`` planted, per block and per
    component, and the ε sweep of the correct gradient (one- and two-sided) and of the bug."""
    problem, result, block_diff = network_check(bug, lambd, hidden, eps, seed)
    two, one = clean_sweeps(problem.lambd, hidden, seed, eps_values)
    return Report(problem, result, block_diff, np.asarray(eps_values, float), two, one,
                  bug_sweep(bug, lambd, hidden, seed, eps_values))


def network_check(bug: str = "none", lambd: float = 0.0, hidden: str = "tanh", eps: float = EPS, seed: int = 0):
    """The check at ``eps`` with ``bug`` planted: ``(problem, Check, relative difference per block)``."""
    problem = network_problem(bug, lambd, hidden=hidden, seed=seed)
    result = check(problem.cost, problem.grad, problem.theta, eps, problem.cost_batch)
    return problem, result, block_differences(problem, result)


def clean_sweeps(lambd: float = 0.0, hidden: str = "tanh", seed: int = 0, eps_values=EPS_GRID):
    """The correct gradient's relative difference per ε, two-sided and one-sided (the V of section 3)."""
    p = network_problem("none", lambd, hidden=hidden, seed=seed)
    return tuple(eps_sweep(p.cost, p.grad, p.theta, eps_values, two_sided, p.cost_batch) for two_sided in (True, False))


def bug_sweep(bug: str, lambd: float = 0.0, hidden: str = "tanh", seed: int = 0, eps_values=EPS_GRID):
    """The planted bug's two-sided relative difference per ε (None without a bug)."""
    if bug == "none":
        return None
    p = network_problem(bug, lambd, hidden=hidden, seed=seed)
    return eps_sweep(p.cost, p.grad, p.theta, eps_values, True, p.cost_batch)


def clean_difference(lambd: float, hidden: str, eps: float, seed: int = 0) -> float:
    """The correct gradient's two-sided relative difference at ``eps`` (where it sits on the V)."""
    p = network_problem("none", lambd, hidden=hidden, seed=seed)
    return check(p.cost, p.grad, p.theta, eps, p.cost_batch).diff
