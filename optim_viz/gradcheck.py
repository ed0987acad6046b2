"""Gradient checking: compare an analytic gradient with finite differences of the cost.

    dθ_approx[i] = (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε            (two-sided, ε = 1e-7)
    diff = ‖dθ_approx − dθ‖₂ / (‖dθ_approx‖₂ + ‖dθ‖₂)
    ~1e-7 great · ~1e-5 look closer · ~1e-3 or more: a bug

``cost(theta) -> float`` and ``grad(theta) -> array`` shaped like the flat ``theta``. The network part
(planted bugs) builds such a pair from ``optim_viz.nn``.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

Cost = Callable[[np.ndarray], float]
Grad = Callable[[np.ndarray], np.ndarray]

EPS = 1e-7
BANDS = ((1e-7, "great"), (1e-5, "look closer"), (1e-3, "probably a bug"))


def numerical_gradient(cost: Cost, theta, eps: float = EPS, two_sided: bool = True) -> np.ndarray:
    """Finite-difference gradient, one component at a time.

    two-sided: ``(J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε`` (error O(ε²));
    one-sided: ``(J(θ + ε eᵢ) − J(θ)) / ε`` (error O(ε)).
    """
    theta = np.asarray(theta, dtype=float).ravel()
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
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


def check(cost: Cost, grad: Grad, theta, eps: float = EPS) -> Check:
    """Relative difference plus the per-component differences that locate a bug."""
    theta = np.asarray(theta, dtype=float).ravel()
    approx = numerical_gradient(cost, theta, eps)
    exact = np.asarray(grad(theta.copy()), dtype=float).ravel()
    err = np.abs(approx - exact)
    denom = np.abs(approx) + np.abs(exact)
    rel = np.divide(err, denom, out=np.zeros_like(err), where=denom > 0)
    return Check(approx, exact, relative_error(approx, exact), err, rel)


def verdict(diff: float) -> str:
    """The course's reading of a relative difference."""
    if not np.isfinite(diff):
        return "not a number: the cost or gradient overflowed"
    if diff < 1e-7:
        return "great: the gradient is almost certainly right"
    if diff < 1e-5:
        return "probably fine, but look at the components"
    if diff < 1e-3:
        return "worrying: look closer at the components"
    return "a bug: the analytic gradient is wrong somewhere"


def eps_sweep(cost: Cost, grad: Grad, theta, eps_values, two_sided: bool = True) -> np.ndarray:
    """Relative difference for each ε: V-shaped on log-log axes (truncation error ∝ ε² (two-sided) or ε
    (one-sided) on the right, round-off ∝ 1/ε on the left)."""
    theta = np.asarray(theta, dtype=float).ravel()
    exact = np.asarray(grad(theta.copy()), dtype=float).ravel()
    return np.array([relative_error(numerical_gradient(cost, theta, float(e), two_sided), exact)
                     for e in np.ravel(eps_values)])


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


def network_problem(bug: str = "none", lambd: float = 0.0, layer_dims=(3, 5, 3, 1), hidden: str = "tanh",
                    keep_prob: float = 0.8, m: int = 20, seed: int = 0) -> Problem:
    """The network's ``cost(θ)`` (cross-entropy plus ``(λ/2m) Σ‖W‖²``) and its backprop ``grad(θ)`` with
    ``bug`` planted (see ``BUGS``). For ``"l2"`` with λ = 0 a λ of 0.7 is used, or the bug would do nothing."""
    from . import nn

    if bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; choose one of {', '.join(BUGS)}")
    if bug == "l2" and lambd == 0:
        lambd = 0.7
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

    return Problem(cost, grad, theta0, names, block, blocks, lambd)


def block_differences(problem: Problem, result: Check) -> np.ndarray:
    """Relative difference restricted to each parameter block (W1, b1, ...): the broken one stands out."""
    return np.array([relative_error(result.approx[problem.block == i], result.exact[problem.block == i])
                     for i in range(len(problem.blocks))])


def worst_components(result: Check, k: int = 6) -> list[int]:
    """Indices of the ``k`` components with the largest ``|dθ_approx[i] − dθ[i]|``, largest first (equal
    differences keep their order in θ)."""
    return sorted(range(len(result.component)), key=lambda i: -result.component[i])[:k]


def flagged_blocks(problem: Problem, block_diff, threshold: float = 1e-5) -> list[str]:
    """Names of the parameter blocks (W1, b1, ...) whose relative difference is above ``threshold``
    (1e-5: beyond "look closer")."""
    return [b for b, d in zip(problem.blocks, block_diff) if d > threshold]


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
    problem = network_problem(bug, lambd, hidden=hidden, seed=seed)
    result = check(problem.cost, problem.grad, problem.theta, eps)
    clean = network_problem("none", problem.lambd, hidden=hidden, seed=seed)
    two = eps_sweep(clean.cost, clean.grad, clean.theta, eps_values, two_sided=True)
    one = eps_sweep(clean.cost, clean.grad, clean.theta, eps_values, two_sided=False)
    buggy = None if bug == "none" else eps_sweep(problem.cost, problem.grad, problem.theta, eps_values)
    return Report(problem, result, block_differences(problem, result), np.asarray(eps_values, float), two, one, buggy)


# Classic demonstrations for the Gradient checking page: name -> (what to look for, {widget key: value}).
PRESETS = {
    "Correct backprop passes": (
        "Backprop as written in the course, ε = 1e-7: the relative difference is about 1e-9, in the green band.",
        {"bug": "none"}),
    "Bug: wrong sign in dW2": (
        "The relative difference jumps far above 1e-3 and only the W2 block lights up in section 2.", {"bug": "sign"}),
    "Bug: db1 without the 1/m": (
        "Well above 1e-3; only b1 is wrong, by a factor m = 20.", {"bug": "factor"}),
    "Bug: L2 term missing from dW": (
        "λ is in J but not in dW: every W block is off and no b block is (biases are not regularized).",
        {"bug": "l2", "lambd": 0.7}),
    "Bug: dropout left on": (
        "Each cost evaluation draws a new mask, so J is a different function every time: every component is noise. "
        "Turn dropout off (keep_prob = 1) while checking.", {"bug": "dropout"}),
    "ε too small: round-off": (
        "Correct backprop, but ε = 1e-12: J is only known to about 1e-16, divided by 2ε that is around 1e-4, so the "
        "check looks worse than at ε = 1e-7. See the left arm of the V in section 3.", {"eps": 1e-12}),
}
