"""Learning-rate schedules: each function returns a callable ``Schedule`` mapping the epoch to α.

Conventions (state them wherever a schedule is shown):
- Decay runs **per epoch**, as in the course: α is constant during an epoch and changes between epochs.
  The one exception is ``inverse_sqrt_step`` (``k/√t · α₀``, t = mini-batch number), which runs per update.
- Epochs are numbered **from 1** and the formulas are evaluated exactly as written, so the first epoch
  already has a decayed rate: ``inverse_time(0.2, 1)`` gives 0.1, 0.067, 0.05, 0.04 for epochs 1–4.
- ``per_update(schedule, updates_per_epoch)`` turns a schedule into the ``lr(t)`` callable of the 1-based
  update counter that ``optim_viz.optimizers`` accepts: update t belongs to epoch ``⌊(t−1)/updates_per_epoch⌋ + 1``.

Every schedule accepts a scalar or a NumPy array of epochs (updates for per-update schedules).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Schedule:
    """``schedule(epoch) -> α``. ``unit`` is "epoch" or "update" (what the argument counts);
    ``formula`` is its LaTeX; ``beyond_course`` marks modern schedules the course does not teach."""
    fn: Callable[[np.ndarray], np.ndarray]
    unit: str
    formula: str
    beyond_course: bool = False

    def __call__(self, n):
        out = self.fn(np.asarray(n, dtype=float))
        return float(out) if np.ndim(out) == 0 else out


def _check(lr0: float) -> None:
    if not lr0 > 0:
        raise ValueError("α₀ must be positive")


def constant(lr0: float) -> Schedule:
    """No decay: ``α = α₀``."""
    _check(lr0)
    return Schedule(lambda e: np.full_like(e, lr0), "epoch", r"\alpha = \alpha_0")


def inverse_time(lr0: float, decay_rate: float) -> Schedule:
    """``α = α₀ / (1 + decay_rate · epoch)``, epoch = 1, 2, ..."""
    _check(lr0)
    return Schedule(lambda e: lr0 / (1 + decay_rate * e), "epoch",
                    r"\alpha = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot\text{epoch}}")


def exponential(lr0: float, base: float = 0.95) -> Schedule:
    """``α = base^epoch · α₀`` (the course's 0.95^epoch · α₀ with an adjustable base)."""
    _check(lr0)
    if not 0 < base <= 1:
        raise ValueError("the base must be in (0, 1]")
    return Schedule(lambda e: base**e * lr0, "epoch", rf"\alpha = {base:g}^{{\text{{epoch}}}}\cdot\alpha_0")


def inverse_sqrt(lr0: float, k: float = 1.0) -> Schedule:
    """``α = k / √epoch · α₀``."""
    _check(lr0)
    return Schedule(lambda e: k / np.sqrt(e) * lr0, "epoch",
                    r"\alpha = \frac{k}{\sqrt{\text{epoch}}}\cdot\alpha_0")


def inverse_sqrt_step(lr0: float, k: float = 1.0) -> Schedule:
    """``α = k / √t · α₀`` with t the mini-batch (update) number 1, 2, ...: decays **per update**."""
    _check(lr0)
    return Schedule(lambda t: k / np.sqrt(t) * lr0, "update", r"\alpha = \frac{k}{\sqrt{t}}\cdot\alpha_0")


def staircase(lr0: float, drop: float = 0.5, every: int = 10) -> Schedule:
    """Discrete staircase: ``α = α₀ · drop^⌊epoch / every⌋`` (same floor convention as the fixed-interval form)."""
    _check(lr0)
    if every < 1:
        raise ValueError("'every' must be at least 1 epoch")
    return Schedule(lambda e: lr0 * drop ** np.floor(e / every), "epoch",
                    r"\alpha = \alpha_0\cdot\text{drop}^{\lfloor \text{epoch}/\text{every} \rfloor}")


def interval_inverse_time(lr0: float, decay_rate: float, interval: int) -> Schedule:
    """Fixed-interval form: ``α = α₀ / (1 + decay_rate · ⌊epoch / interval⌋)``."""
    _check(lr0)
    if interval < 1:
        raise ValueError("the interval must be at least 1 epoch")
    return Schedule(lambda e: lr0 / (1 + decay_rate * np.floor(e / interval)), "epoch",
                    r"\alpha = \frac{\alpha_0}{1 + \text{decay\_rate}\cdot"
                    r"\lfloor \text{epoch}/\text{interval} \rfloor}")


def cosine(lr0: float, total_epochs: int, lr_min: float = 0.0) -> Schedule:
    """Beyond the course (SGDR-style cosine annealing):
    ``α = α_min + ½(α₀ − α_min)(1 + cos(π (epoch − 1) / total_epochs))``; epoch 1 gets α₀, after
    ``total_epochs`` it stays at α_min."""
    _check(lr0)
    if total_epochs < 1:
        raise ValueError("total_epochs must be at least 1")
    return Schedule(
        lambda e: lr_min + 0.5 * (lr0 - lr_min) * (1 + np.cos(np.pi * np.clip((e - 1) / total_epochs, 0, 1))),
        "epoch", r"\alpha = \alpha_{min} + \tfrac12(\alpha_0-\alpha_{min})"
                 r"\left(1+\cos\frac{\pi(\text{epoch}-1)}{T}\right)",
        beyond_course=True)


def linear_warmup(lr0: float, warmup_epochs: int, then: Schedule | None = None) -> Schedule:
    """Beyond the course: ``α = α₀ · epoch / warmup_epochs`` for the first ``warmup_epochs`` epochs,
    then ``then(epoch − warmup_epochs)`` (the follow-up schedule restarts at its epoch 1), or α₀."""
    _check(lr0)
    if warmup_epochs < 1:
        raise ValueError("warmup_epochs must be at least 1")
    after = then if then is not None else constant(lr0)

    def fn(e):
        return np.where(e <= warmup_epochs, lr0 * e / warmup_epochs, after.fn(np.maximum(e - warmup_epochs, 1)))

    return Schedule(fn, "epoch", r"\alpha = \alpha_0\cdot\frac{\text{epoch}}{W}\ \text{for epoch} \le W",
                    beyond_course=True)


PARAMS = {"inverse_time": ("rate",), "exponential": ("base",), "inverse_sqrt": ("k",), "inverse_sqrt_step": ("k",),
          "staircase": ("drop", "every"), "interval": ("rate", "interval"), "cosine": ("epochs",),
          "warmup": ("warm", "rate")}


def by_name(name: str, lr0: float, h: dict) -> Schedule:
    """The schedule ``name`` (a key of ``PARAMS``) with α₀ = ``lr0`` and its hyperparameters from ``h``:
    rate (decay_rate), base, k, drop, every, interval, epochs (cosine's T) and warm; ``PARAMS[name]`` lists
    the ones it uses."""
    return {
        "inverse_time": lambda: inverse_time(lr0, h["rate"]),
        "exponential": lambda: exponential(lr0, h["base"]),
        "inverse_sqrt": lambda: inverse_sqrt(lr0, h["k"]),
        "inverse_sqrt_step": lambda: inverse_sqrt_step(lr0, h["k"]),
        "staircase": lambda: staircase(lr0, h["drop"], h["every"]),
        "interval": lambda: interval_inverse_time(lr0, h["rate"], h["interval"]),
        "cosine": lambda: cosine(lr0, h["epochs"]),
        "warmup": lambda: linear_warmup(lr0, h["warm"], inverse_time(lr0, h["rate"])),
    }[name]()


def per_update(schedule: Schedule, updates_per_epoch: int) -> Callable[[int], float]:
    """The ``lr(t)`` of the 1-based update counter t for an optimizer: the epoch schedule held constant
    within each epoch, epoch = ⌊(t − 1) / updates_per_epoch⌋ + 1. Per-update schedules pass through."""
    if updates_per_epoch < 1:
        raise ValueError("updates_per_epoch must be at least 1")
    if schedule.unit == "update":
        return schedule
    return lambda t: schedule((np.asarray(t) - 1) // updates_per_epoch + 1)


def on_epoch_axis(schedule: Schedule, epochs: int, updates_per_epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, α) to plot a schedule over ``epochs`` epochs: one point per epoch (x = 1..epochs) for
    epoch schedules; for per-update schedules one point per update, x = t / updates_per_epoch."""
    if schedule.unit == "update":
        t = np.arange(1, epochs * updates_per_epoch + 1)
        return t / updates_per_epoch, schedule(t)
    e = np.arange(1, epochs + 1)
    return e.astype(float), schedule(e)


def table(schedules: dict[str, Schedule], epochs: int, updates_per_epoch: int = 1) -> dict[str, np.ndarray]:
    """α at epochs 1..epochs for each schedule (a per-update schedule shows the α of the epoch's first update)."""
    e = np.arange(1, epochs + 1)
    out = {"epoch": e}
    for name, s in schedules.items():
        out[name] = s((e - 1) * updates_per_epoch + 1) if s.unit == "update" else s(e)
    return out


COURSE = ["inverse_time", "exponential", "inverse_sqrt", "inverse_sqrt_step", "staircase", "interval"]


def fmt_lr(v: float) -> str:
    """Three decimals as in the course's table (0.1, 0.067, 0.05, 0.04); small rates in scientific form."""
    return f"{v:.3f}".rstrip("0").rstrip(".") if v >= 0.001 else f"{v:.2g}"


def course_example() -> str:
    """The course's α for epochs 1–4 with α₀ = 0.2, decay_rate = 1, formatted as in its table."""
    return ", ".join(fmt_lr(a) for a in inverse_time(0.2, 1.0)(np.arange(1, 5)))
