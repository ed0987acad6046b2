"""Optimizers as optax-style ``(init, update)`` pairs of pure functions.

Params have shape ``(n, 2)``: n independent points moved at once. Every hyperparameter may be a
scalar or an array of shape ``(n,)`` that broadcasts over the n points (one run sweeps a learning
rate). ``lr`` may also be a callable ``lr(t) -> float | array`` of the update counter t (1, 2, ...),
which is how learning-rate schedules plug in.

``update(g, state, params) -> (delta, new_state)``; the new params are ``params + delta``. Nothing is
mutated. The state is one NamedTuple for every optimizer: ``t`` (updates done), ``v`` (first moment,
the momentum EWMA) and ``s`` (second moment: RMSprop/Adam EWMA of g², Adagrad's running sum G).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Hyper = float | np.ndarray


class OptState(NamedTuple):
    t: int
    v: np.ndarray
    s: np.ndarray


class Optimizer(NamedTuple):
    init: Callable[[np.ndarray], OptState]
    update: Callable[[np.ndarray, OptState, np.ndarray], tuple[np.ndarray, OptState]]


def _hp(value: Hyper) -> np.ndarray | float:
    """A hyperparameter shaped to broadcast over params (n, 2): (n,) arrays become (n, 1)."""
    a = np.asarray(value, dtype=float)
    return a[:, None] if a.ndim == 1 else a


def _schedule(lr: Hyper | Callable) -> Callable[[int], np.ndarray | float]:
    """``t -> α_t`` shaped to broadcast over params; a constant α is shaped once, not every step."""
    if callable(lr):
        return lambda t: _hp(lr(t))
    fixed = _hp(lr)
    return lambda t: fixed


def _init(params: np.ndarray) -> OptState:
    zeros = np.zeros_like(params, dtype=float)
    return OptState(0, zeros, zeros)


def ewma(m: np.ndarray, x: np.ndarray, beta) -> np.ndarray:
    """One EWMA step: ``m = β m + (1 − β) x``."""
    return beta * m + (1 - beta) * x


def bias_corrected(m: np.ndarray, beta, t: int) -> np.ndarray:
    """Bias correction: ``m / (1 − β^t)`` (divide, never multiply)."""
    return m / (1 - beta**t)


def sgd(lr: Hyper | Callable) -> Optimizer:
    """Gradient descent: ``x −= α g``."""
    lr_at = _schedule(lr)

    def update(g, state, params):
        t = state.t + 1
        return -lr_at(t) * g, state._replace(t=t)

    return Optimizer(_init, update)


def momentum(lr: Hyper | Callable, beta: Hyper = 0.9) -> Optimizer:
    """Momentum, course (EWMA) convention: ``v = β v + (1 − β) g;  x −= α v``.

    PyTorch's ``v = β v + g`` takes steps 1/(1 − β) times larger: it matches this form with
    ``α_pytorch = (1 − β) α``. No bias correction, as in the course.
    """
    lr_at = _schedule(lr)
    b = _hp(beta)

    def update(g, state, params):
        t = state.t + 1
        v = ewma(state.v, g, b)
        return -lr_at(t) * v, state._replace(t=t, v=v)

    return Optimizer(_init, update)


def nesterov(lr: Hyper | Callable, beta: Hyper = 0.9) -> Optimizer:
    """Nesterov momentum in the same EWMA form, with look-ahead:
    ``v = β v + (1 − β) g;  x −= α (β v + (1 − β) g)`` (v already updated)."""
    lr_at = _schedule(lr)
    b = _hp(beta)

    def update(g, state, params):
        t = state.t + 1
        v = ewma(state.v, g, b)
        return -lr_at(t) * ewma(v, g, b), state._replace(t=t, v=v)

    return Optimizer(_init, update)


def rmsprop(lr: Hyper | Callable, beta2: Hyper = 0.9, eps: Hyper = 1e-8) -> Optimizer:
    """RMSprop: ``s = β₂ s + (1 − β₂) g²;  x −= α g / (√s + ε)`` (square root, ε outside)."""
    lr_at = _schedule(lr)
    b2, e = _hp(beta2), _hp(eps)

    def update(g, state, params):
        t = state.t + 1
        s = ewma(state.s, g * g, b2)
        return -lr_at(t) * g / (np.sqrt(s) + e), state._replace(t=t, s=s)

    return Optimizer(_init, update)


def _adam_step(g, state, b1, b2, e, bias_correction):
    t = state.t + 1
    v = ewma(state.v, g, b1)
    s = ewma(state.s, g * g, b2)
    v_hat, s_hat = (bias_corrected(v, b1, t), bias_corrected(s, b2, t)) if bias_correction else (v, s)
    return v_hat / (np.sqrt(s_hat) + e), OptState(t, v, s)


def adam(lr: Hyper | Callable, beta1: Hyper = 0.9, beta2: Hyper = 0.999, eps: Hyper = 1e-8,
         bias_correction: bool = True) -> Optimizer:
    """Adam: ``v = β₁v + (1−β₁)g;  s = β₂s + (1−β₂)g²;  v̂ = v/(1−β₁ᵗ);  ŝ = s/(1−β₂ᵗ);
    x −= α v̂ / (√ŝ + ε)``. With ``bias_correction=False``, v̂ = v and ŝ = s (to show what it fixes)."""
    lr_at = _schedule(lr)
    b1, b2, e = _hp(beta1), _hp(beta2), _hp(eps)

    def update(g, state, params):
        direction, new = _adam_step(g, state, b1, b2, e, bias_correction)
        return -lr_at(new.t) * direction, new

    return Optimizer(_init, update)


def adagrad(lr: Hyper | Callable, eps: Hyper = 1e-8) -> Optimizer:
    """Adagrad: ``G += g²;  x −= α g / (√G + ε)``. The step only ever shrinks."""
    lr_at = _schedule(lr)
    e = _hp(eps)

    def update(g, state, params):
        t = state.t + 1
        s = state.s + g * g
        return -lr_at(t) * g / (np.sqrt(s) + e), state._replace(t=t, s=s)

    return Optimizer(_init, update)


def adamw(lr: Hyper | Callable, beta1: Hyper = 0.9, beta2: Hyper = 0.999, eps: Hyper = 1e-8,
          weight_decay: Hyper = 0.01) -> Optimizer:
    """AdamW (decoupled weight decay): ``x −= α λ x`` plus the Adam step, both from the pre-step x.
    Unlike L2 in the loss, the decay is not divided by √ŝ."""
    lr_at = _schedule(lr)
    b1, b2, e, wd = _hp(beta1), _hp(beta2), _hp(eps), _hp(weight_decay)

    def update(g, state, params):
        direction, new = _adam_step(g, state, b1, b2, e, True)
        return -lr_at(new.t) * (direction + wd * params), new

    return Optimizer(_init, update)


class Spec(NamedTuple):
    """What a UI needs to offer an optimizer: label, factory, hyperparameters and their defaults."""
    label: str
    factory: Callable[..., Optimizer]
    defaults: dict[str, float]
    rule: str  # LaTeX of the update rule


def _lines(*rows: str) -> str:
    """Update rules one per line, aligned on the arrow, so they fit a narrow column."""
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


_V = r"v &\leftarrow \beta v + (1-\beta)\, g"
_ADAMW_STEP = r"x &\leftarrow x - \alpha \left(\frac{\hat v}{\sqrt{\hat s}+\varepsilon} + \lambda x\right)"
_ADAM = (r"v &\leftarrow \beta_1 v + (1-\beta_1)\, g", r"s &\leftarrow \beta_2 s + (1-\beta_2)\, g^2",
         r"\hat v &= v/(1-\beta_1^t),\quad \hat s = s/(1-\beta_2^t)")

SPECS: dict[str, Spec] = {
    "sgd": Spec("Gradient descent", sgd, {"lr": 0.01}, _lines(r"x &\leftarrow x - \alpha\, g")),
    "momentum": Spec("Momentum", momentum, {"lr": 0.01, "beta": 0.9}, _lines(_V, r"x &\leftarrow x - \alpha v")),
    "nesterov": Spec("Nesterov", nesterov, {"lr": 0.01, "beta": 0.9},
                     _lines(_V, r"x &\leftarrow x - \alpha\,(\beta v + (1-\beta)\, g)")),
    "rmsprop": Spec("RMSprop", rmsprop, {"lr": 0.01, "beta2": 0.9, "eps": 1e-8},
                    _lines(r"s &\leftarrow \beta_2 s + (1-\beta_2)\, g^2",
                           r"x &\leftarrow x - \alpha\, \frac{g}{\sqrt{s}+\varepsilon}")),
    "adam": Spec("Adam", adam, {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
                 _lines(*_ADAM, r"x &\leftarrow x - \alpha\, \frac{\hat v}{\sqrt{\hat s}+\varepsilon}")),
    "adagrad": Spec("Adagrad", adagrad, {"lr": 0.1, "eps": 1e-8},
                    _lines(r"G &\leftarrow G + g^2", r"x &\leftarrow x - \alpha\, \frac{g}{\sqrt{G}+\varepsilon}")),
    "adamw": Spec("AdamW", adamw, {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
                  _lines(*_ADAM, _ADAMW_STEP)),
}


def make(name: str, **hyper) -> Optimizer:
    """Build the optimizer ``name`` with its course defaults overridden by ``hyper``."""
    spec = SPECS[name]
    return spec.factory(**{**spec.defaults, **hyper})
