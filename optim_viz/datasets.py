"""Two-class 2-D data sets in the course's shapes, and a train/dev/test split.

Every generator returns ``X`` of shape (2, m) (columns are examples) and ``Y`` of shape (1, m) with labels
0/1, half of each class. ``noise`` is the standard deviation of Gaussian noise added to each coordinate;
the data lie roughly in [−1.5, 1.5]², so 0.3 already makes the classes overlap.

    X, Y = datasets.make("moons", m=300, noise=0.2, seed=0)
    s = datasets.split(X, Y, (0.6, 0.2, 0.2), seed=0)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Generator = Callable[[int, int, np.random.Generator], np.ndarray]  # (m0, m1, rng) -> X (2, m0 + m1)


def _moons(m0, m1, rng):
    t0 = rng.uniform(0, np.pi, m0)
    t1 = rng.uniform(0, np.pi, m1)
    upper = np.stack([np.cos(t0), np.sin(t0)])
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)])
    return np.hstack([upper, lower]) - np.array([[0.5], [0.25]])


def _circles(m0, m1, rng):
    t = rng.uniform(0, 2 * np.pi, m0 + m1)
    r = np.r_[np.full(m0, 1.0), np.full(m1, 0.45)]
    return np.stack([r * np.cos(t), r * np.sin(t)])


def _spiral(m0, m1, rng):
    out = []
    for k, mk in enumerate((m0, m1)):
        s = rng.uniform(0.05, 1.0, mk)  # fraction along the arm
        angle = 1.75 * 2 * np.pi * s + k * np.pi
        out.append(np.stack([1.2 * s * np.cos(angle), 1.2 * s * np.sin(angle)]))
    return np.hstack(out)


def _blobs(m0, m1, rng):
    centres = np.array([[-0.6, 0.6], [-0.3, 0.3]])  # columns: class 0 centre, class 1 centre
    X = rng.standard_normal((2, m0 + m1)) * 0.35
    X[:, :m0] += centres[:, [0]]
    X[:, m0:] += centres[:, [1]]
    return X


def _xor(m0, m1, rng):
    def quadrant_points(n, same_sign):
        P = rng.uniform(0.05, 1.2, (2, n)) * rng.choice([-1.0, 1.0], (1, n))
        P[1] *= 1 if same_sign else -1
        return P
    return np.hstack([quadrant_points(m0, False), quadrant_points(m1, True)])


DATASETS: dict[str, tuple[str, Generator]] = {
    "moons": ("Two moons", _moons),
    "circles": ("Circles", _circles),
    "spiral": ("Spiral", _spiral),
    "blobs": ("Noisy blobs", _blobs),
    "xor": ("XOR", _xor),
}


def make(name: str, m: int = 300, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Data set ``name`` with m examples: ``X`` (2, m), ``Y`` (1, m) in {0, 1}, classes of m//2 and m − m//2.

    The points come in a random order (seeded), so any slice of them holds both classes.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    m = int(m)
    if m < 2:
        raise ValueError(f"need at least 2 examples, got {m}")
    if not noise >= 0:
        raise ValueError(f"noise must be ≥ 0, got {noise}")
    rng = np.random.default_rng(seed)
    m0 = m // 2
    X = DATASETS[name][1](m0, m - m0, rng) + noise * rng.standard_normal((2, m))
    Y = np.r_[np.zeros(m0), np.ones(m - m0)][None, :]
    order = rng.permutation(m)
    return X[:, order], Y[:, order]


class Split(NamedTuple):
    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray


def split_sizes(m: int, proportions) -> tuple[int, int, int]:
    """(m_train, m_dev, m_test) from proportions (normalised to sum 1); rounding goes to the train set."""
    p = np.asarray(proportions, dtype=float)
    if p.shape != (3,) or not np.all(np.isfinite(p)) or np.any(p < 0) or p[0] <= 0:
        raise ValueError(f"proportions must be three non-negative numbers with train > 0, got {proportions}")
    p = p / p.sum()
    m_dev, m_test = int(round(m * p[1])), int(round(m * p[2]))
    m_train = m - m_dev - m_test
    if m_train < 1:
        raise ValueError("the split leaves no training examples")
    return m_train, m_dev, m_test


def split(X: np.ndarray, Y: np.ndarray, proportions=(0.6, 0.2, 0.2), seed: int = 0) -> Split:
    """Shuffle the columns (seeded) and cut them into train / dev / test by ``proportions``.

    Dev and test come from the same shuffled pool, hence the same distribution, as the course requires.
    """
    m = X.shape[1]
    m_train, m_dev, _ = split_sizes(m, proportions)
    order = np.random.default_rng(seed).permutation(m)
    X, Y = X[:, order], Y[:, order]
    a, b = m_train, m_train + m_dev
    return Split(X[:, :a], Y[:, :a], X[:, a:b], Y[:, a:b], X[:, b:], Y[:, b:])
