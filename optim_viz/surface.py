"""The ``Surface`` a race runs on: f, its gradient, bounds, known minima and a default start.

In its own module so that ``surfaces`` (the built-in catalogue) and ``expression`` (surfaces from user text) both
build on it without importing each other.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Surface(NamedTuple):
    name: str
    title: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    bounds: tuple[tuple[float, float], tuple[float, float]]  # ((x_min, x_max), (y_min, y_max))
    minima: np.ndarray  # (k, 2) known minima; k may be 0
    start: np.ndarray  # (2,) default start
    note: str = ""  # what this surface teaches
    log_colour: bool = True  # colour the background by log(1 + f − f_min) where f varies over decades
    lr: tuple[float, float] = (0.01, 0.01)  # suggested α for (GD-like, adaptive) optimizers: a lively race
    lr_by_name: tuple[tuple[str, float], ...] = ()  # suggested α for particular optimizers, where they differ

    def grad_xy(self, p: np.ndarray) -> np.ndarray:
        """Gradient at points ``p`` of shape (..., 2), returned with the same shape."""
        gx, gy = self.grad(p[..., 0], p[..., 1])
        return np.stack([gx, gy], axis=-1)

    def loss(self, p: np.ndarray) -> np.ndarray:
        """``f`` at points ``p`` of shape (..., 2)."""
        return self.f(p[..., 0], p[..., 1])
