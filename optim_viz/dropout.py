"""Inverted dropout, as in the course: ``d = rand(shape) < keep_prob;  a = a * d / keep_prob``.

``keep_prob`` is the probability of KEEPING a unit (PyTorch's ``p`` is the drop probability). Dividing
by keep_prob (not by the number of kept units, a common typo "keep_dims") keeps E[a] unchanged, so
nothing is rescaled at prediction time, where there is no dropout at all.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


def check_keep_prob(keep_prob: float) -> float:
    """``keep_prob`` as a float in (0, 1]; a ValueError otherwise."""
    kp = float(keep_prob)
    if not 0.0 < kp <= 1.0:
        raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
    return kp


def mask(shape, keep_prob: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask ``d = rng.random(shape) < keep_prob`` (True = unit kept); a new draw each call."""
    return rng.random(shape) < check_keep_prob(keep_prob)


def apply(a: np.ndarray, keep_prob: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout: ``(a * d / keep_prob, d)`` with ``d = mask(a.shape, keep_prob, rng)``."""
    kp = check_keep_prob(keep_prob)
    d = mask(np.shape(a), kp, rng)
    return a * d / kp, d


class ExpectedValue(NamedTuple):
    """Mean activation over many dropout draws, against the activation without dropout."""
    no_dropout: float  # mean(a)
    masked_only: float  # mean(a * d): too small by a factor keep_prob
    inverted: float  # mean(a * d / keep_prob): ≈ mean(a)
    kept_fraction: float  # mean(d): ≈ keep_prob


def expected_value_check(a: np.ndarray, keep_prob: float, rng: np.random.Generator,
                         draws: int = 200) -> ExpectedValue:
    """Average ``a * d`` and ``a * d / keep_prob`` over ``draws`` independent masks.

    Shows why the scaling is there: without it the next layer sees activations keep_prob times smaller
    during training than at test time.
    """
    kp = check_keep_prob(keep_prob)
    a = np.asarray(a, dtype=float)
    d = mask((draws,) + a.shape, kp, rng)
    masked = (a * d).mean()
    return ExpectedValue(float(a.mean()), float(masked), float(masked / kp), float(d.mean()))
