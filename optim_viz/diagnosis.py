"""The course's bias/variance diagnosis and the basic recipe's next step.

Avoidable bias = train error − Bayes error; variance = dev error − train error. Each is "high" when it
exceeds ``tolerance``. With Bayes ≈ 0%: 1%/11% → high variance; 15%/16% → high bias; 15%/30% → both;
0.5%/1% → neither. The basic recipe fixes bias first (bigger network, train longer), then variance
(more data, regularization).
"""
from __future__ import annotations

from typing import NamedTuple

BIAS_STEPS = "Bigger network (more hidden units or layers), train longer, or try another architecture."
VARIANCE_STEPS = "More data, regularization (raise λ or lower keep_prob), or try another architecture."
DONE = "Done: both gaps are small. Confirm on the test set."


class Diagnosis(NamedTuple):
    label: str  # "high variance", "high bias", "high bias and high variance", "neither (low bias, low variance)"
    high_bias: bool
    high_variance: bool
    avoidable_bias: float  # train − Bayes
    variance: float  # dev − train
    next_step: str


def diagnose(train_error: float, dev_error: float, bayes_error: float = 0.0, tolerance: float = 0.02) -> Diagnosis:
    """Diagnose from error rates in [0, 1]: high bias if train − Bayes > tolerance, high variance if
    dev − train > tolerance. The next step follows the basic recipe: bias first, then variance."""
    for name, v in (("train_error", train_error), ("dev_error", dev_error), ("bayes_error", bayes_error)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name} must be an error rate in [0, 1], got {v}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be ≥ 0, got {tolerance}")
    avoidable, variance = train_error - bayes_error, dev_error - train_error
    high_bias, high_variance = avoidable > tolerance, variance > tolerance
    if high_bias and high_variance:
        label, step = "high bias and high variance", "First reduce bias. " + BIAS_STEPS + " Then: " + VARIANCE_STEPS
    elif high_bias:
        label, step = "high bias", BIAS_STEPS
    elif high_variance:
        label, step = "high variance", VARIANCE_STEPS
    else:
        label, step = "neither (low bias, low variance)", DONE
    return Diagnosis(label, high_bias, high_variance, avoidable, variance, step)


class GapChange(NamedTuple):
    """How regularization changed a run against the unregularized one (error rates in [0, 1])."""
    gap_before: float  # dev − train without regularization
    gap_after: float  # dev − train with it
    train_before: float
    train_after: float
    narrower: bool  # the gap shrank
    closed: bool  # the gap is now within the tolerance (no longer high variance)
    dev_better: bool  # the dev error fell


def gap_change(before: dict, after: dict, tolerance: float = 0.02) -> GapChange:
    """Compare two runs' ``{"train", "dev"}`` errors: did the train/dev gap narrow, close (≤ tolerance), and
    did the dev error fall?"""
    g0, g1 = before["dev"] - before["train"], after["dev"] - after["train"]
    return GapChange(g0, g1, before["train"], after["train"], g1 < g0, g1 <= tolerance, after["dev"] < before["dev"])
