"""Exponentially weighted moving averages (EWMA) with bias correction, and the series the page shows.

Course form, with ``v_0 = 0`` and ``t`` counted from 1:

    v_t = β v_{t−1} + (1 − β) θ_t          (the recursion keeps the uncorrected v)
    v̂_t = v_t / (1 − β^t)                  (bias correction: only the reported value is divided)

Writing the correction into the recursion, or multiplying by (1 − β^t), is wrong (see COURSE.md).
"""
from __future__ import annotations

import numpy as np


def ewma(values, beta, bias_correction: bool = True) -> np.ndarray:
    """EWMA of the 1-D series ``values``: ``v_t = β v_{t−1} + (1−β) θ_t``, reported as ``v_t / (1−β^t)``
    when ``bias_correction`` (t = 1, 2, ...), else as ``v_t``.

    ``beta`` a scalar gives an array of the series' length; ``beta`` an array of k values gives shape
    (k, len(values)), one row per β.
    """
    theta = np.asarray(values, dtype=float)
    if theta.ndim != 1:
        raise ValueError("values must be a 1-D series")
    b = np.asarray(beta, dtype=float)
    if b.ndim > 1 or np.any((b < 0) | (b >= 1)):
        raise ValueError("beta must be a scalar or 1-D array with 0 ≤ β < 1")
    rows = np.atleast_1d(b)
    out = np.empty((rows.size, theta.size))
    values_list = theta.tolist()  # a recursion over Python floats is ~10× faster than over NumPy scalars
    for r, beta_r in enumerate(rows.tolist()):
        v, keep, row = 0.0, 1 - beta_r, []
        for x in values_list:
            v = beta_r * v + keep * x
            row.append(v)
        out[r] = row
    if bias_correction:
        t = np.arange(1, theta.size + 1)
        out /= 1 - rows[:, None] ** t[None, :]
    return out[0] if b.ndim == 0 else out


def effective_window(beta) -> np.ndarray | float:
    """Roughly how many recent points the average covers: ``1 / (1 − β)`` (0.9 → 10, 0.98 → 50)."""
    return 1 / (1 - np.asarray(beta, dtype=float))


def time_steps(values) -> np.ndarray:
    """The course's time index of a series: ``t = 1, 2, ..., len(values)`` (θ_1 is the first point)."""
    return np.arange(1, np.asarray(values).shape[-1] + 1)


def weights_horizon(beta: float, windows: float = 3.0, k_min: int = 20, k_max: int = 600) -> int:
    """How many lags k to draw of the weights ``(1 − β) β^k``: ``windows · 1/(1 − β)`` clipped to
    [k_min, k_max] and truncated to an integer (3 windows leave about β^{3/(1−β)} ≈ e^{−3} ≈ 5% of today's weight)."""
    return int(min(max(windows * effective_window(beta), k_min), k_max))


def weights(beta: float, k_max: int) -> np.ndarray:
    """Weight ``(1 − β) β^k`` that today's (uncorrected) average gives to the point k days back, k = 0..k_max."""
    return (1 - beta) * beta ** np.arange(k_max + 1)


def one_over_e_lag(beta: float) -> float:
    """The lag k where the weight has fallen to 1/e of today's: ``β^k = 1/e``, k = −1/ln β ≈ 1/(1 − β)."""
    return float(-1 / np.log(beta))


def shortfall(beta, t) -> np.ndarray | float:
    """How far the uncorrected ``v_t`` is below the corrected ``v̂_t``, as a share of it, on any series:
    ``v_t = (1 − β^t) v̂_t``, so the shortfall is ``β^t`` (t = 1/(1−β) leaves ≈ 1/e ≈ 37%)."""
    return np.asarray(beta, dtype=float) ** np.asarray(t, dtype=float)


def catch_up(beta: float, within: float = 0.05) -> int:
    """The first t at which the uncorrected average is within ``within`` of the corrected one:
    the smallest t with ``β^t ≤ within``, ``⌈ln(within) / ln β⌉`` (≈ 3/(1−β) for 5%)."""
    if beta <= 0:
        return 1
    t = max(int(np.ceil(np.log(within) / np.log(beta))), 1)
    return t - 1 if t > 1 and beta ** (t - 1) <= within else t  # guard ceil against round-off


def mean_age(beta: float) -> float:
    """The weights' mean age ``Σ k (1−β) β^k = β / (1 − β)``: how many points an EWMA trails a steady trend."""
    return beta / (1 - beta)


def roughness(curve) -> float:
    """RMS change from one point to the next, ``sqrt(mean((v_{t+1} − v_t)²))``: smaller is smoother."""
    d = np.diff(np.asarray(curve, dtype=float))
    return float(np.sqrt(np.mean(d * d))) if d.size else 0.0


def peak_time(curve) -> int:
    """The time t (counted from 1) of the curve's highest value."""
    return int(np.argmax(np.asarray(curve))) + 1


def wrong_recursion(values, beta: float) -> np.ndarray:
    """The pitfall, for comparison only: the correction written into the recursion,
    ``v_t = [β v_{t−1} + (1−β) θ_t] / (1 − β^t)``, which corrects the already-corrected value again."""
    v, out = 0.0, []
    for t, x in enumerate(np.asarray(values, dtype=float).tolist(), start=1):
        v = (beta * v + (1 - beta) * x) / (1 - beta**t)
        out.append(v)
    return np.array(out)


def season(days: int = 365) -> np.ndarray:
    """The noise-free seasonal temperature in °F of ``temperature_series``: ``55 − 16 cos(2π (day − 15) / 365)``
    (coldest in mid-January, warmest in mid-July)."""
    day = np.arange(days)
    return 55 - 16 * np.cos(2 * np.pi * (day - 15) / 365)


def temperature_series(days: int = 365, seed: int = 0) -> np.ndarray:
    """A year of noisy daily temperatures in °F, as in the course's London example (about 40 °F in
    January, 70 °F in July): a seasonal cosine, a few-day weather wobble and daily noise, seeded."""
    rng = np.random.default_rng(seed)
    weather = ewma(rng.normal(0, 5, days), 0.7, bias_correction=True)  # spells of warm and cold days
    return season(days) + weather + rng.normal(0, 5, days)


def noisy_loss_curve(iterations: int = 300, seed: int = 0) -> np.ndarray:
    """A mini-batch style training loss: exponential decay to a floor, multiplicative noise, rare spikes."""
    rng = np.random.default_rng(seed)
    t = np.arange(iterations)
    clean = 0.15 + 2.2 * np.exp(-t / (iterations / 6))
    noisy = clean * np.exp(rng.normal(0, 0.25, iterations))
    spikes = rng.random(iterations) < 0.02
    return noisy + spikes * rng.uniform(0.5, 1.5, iterations) * clean


SERIES = {
    "temperature": ("Daily temperature (one year)", "day", "temperature (°F)", temperature_series),
    "loss": ("Noisy mini-batch loss", "iteration", "loss", noisy_loss_curve),
}


def series(name: str, seed: int = 0) -> np.ndarray:
    """The named series (``SERIES``) generated with ``seed``."""
    if name not in SERIES:
        raise ValueError(f"unknown series {name!r}; choose one of {', '.join(SERIES)}")
    return SERIES[name][3](seed=seed)
