"""What a user feels: the rerun after a control is MOVED to a value not seen before (a cache miss).

Each control of a page (slider, select slider, selectbox, radio, number input, toggle) is moved in turn to
seeded values this process has not shown before; after each timed move it goes back to its default (an
untimed, warm rerun), so every timed rerun is a miss for the moved control and a hit for the rest.

    python -m bench.moved pages/optimizer_arena.py     # per-control figures for one page
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import NamedTuple

import numpy as np

from bench.common import helpers, open_page

KINDS = ("slider", "select_slider", "selectbox", "radio", "number_input", "toggle")
SKIP = {"presentation"}  # the sidebar toggle restyles the page; it recomputes nothing
_SHOWN: dict[str, set] = {}  # page → (key, value) pairs moved to in this process
_MEASURED: dict[tuple, PageMoves] = {}  # (page, per_control, seed) → its figures, for every bench module

ARENA = "pages/optimizer_arena.py"
# Pages that train a network (or a model) on a moved control: the guide's looser budget. The LR-decay page's demo
# trains the mini-batch page's model with the same engine (minibatch.train_many, two runs), and its slowest moves are
# exactly those, so it counts as one.
TRAINING = {"pages/regularization.py", "pages/initialization.py", "pages/mini_batch.py", "pages/batch_norm.py",
            "pages/hyperparameter_search.py", "pages/softmax.py", "pages/lr_decay.py"}


def budget(page: str) -> tuple[float, float]:
    """(median, max) ms for a moved control on ``page`` (GUIDE.md, issue 9): the one source for every bench module."""
    if page == ARENA:
        return 100, 250
    return (400, 1500) if page in TRAINING else (150, 400)


class Move(NamedTuple):
    key: str
    value: object
    ms: float  # wall time of the rerun
    cpu_ms: float  # this process's CPU time over the rerun: the figure to trust when other work shares the cores


class PageMoves(NamedTuple):
    page: str
    moves: list[Move]
    warm_ms: float

    @property
    def median(self) -> float:
        return statistics.median(m.ms for m in self.moves) if self.moves else float("nan")

    @property
    def cpu_median(self) -> float:
        return statistics.median(m.cpu_ms for m in self.moves) if self.moves else float("nan")

    @property
    def worst(self) -> Move:
        return max(self.moves, key=lambda m: m.ms)


def fresh_values(w, rng: np.random.Generator, n: int, seen: set) -> list:
    """Up to ``n`` values for widget ``w`` that differ from its current value and from ``seen``."""
    kind = type(w).__name__
    if kind == "Toggle":
        cands = [not w.value]
    elif kind in ("Slider", "NumberInput"):
        if isinstance(w.value, (tuple, list)):
            return []
        lo, hi = w.min, w.max
        step = w.step or (1 if isinstance(w.value, int) else (hi - lo) / 100)
        k = int(round((hi - lo) / step))
        picks = rng.integers(0, k + 1, 8 * n)
        cands = [int(lo + int(i) * step) if isinstance(w.value, int) else round(float(lo + int(i) * step), 10)
                 for i in picks]
    else:
        opts = helpers.OPTIONS.get(w.key, [])
        cands = [opts[i] for i in rng.permutation(len(opts))]
    out, taken = [], {str(w.value)}
    for c in cands:
        if str(c) not in taken and (w.key, str(c)) not in seen:
            out.append(c)
            taken.add(str(c))
    return out[:n]


def _find(at, kind: str, key: str):
    return next((x for x in getattr(at, kind) if x.key == key), None)


def measure(page: str, per_control: int = 2, seed: int = 0, seen: set | None = None, setup=None) -> PageMoves:
    """Move every control of ``page`` to ``per_control`` fresh values in turn; time each rerun.
    ``setup(at)`` sets widgets before the page's defaults are recorded (e.g. the Arena at its maxima).
    A page measured at its defaults is measured once per process: every bench module reports the same figures."""
    memo = (page, per_control, seed) if setup is None and seen is None else None
    if memo in _MEASURED:
        return _MEASURED[memo]
    rng = np.random.default_rng(seed)
    # values already shown for this page in this process are never reused (a second bench module measuring the
    # same page would otherwise hit the caches the first one filled, and report a warm rerun as a move)
    seen = _SHOWN.setdefault(page, set()) if seen is None else seen
    at = open_page(page, setup)
    t0 = time.perf_counter()
    at.run()
    warm = (time.perf_counter() - t0) * 1000
    moves = []
    specs = [(kind, w.key) for kind in KINDS for w in getattr(at, kind)
             if w.key and not w.key.startswith("_") and w.key not in SKIP]
    for kind, key in specs:
        w = _find(at, kind, key)
        if w is None or getattr(w, "disabled", False):  # hidden or disabled by an earlier move
            continue
        default = w.value
        for value in fresh_values(w, rng, per_control, seen):
            seen.add((key, str(value)))
            if (w := _find(at, kind, key)) is None:
                break
            w.set_value(value)
            t0, c0 = time.perf_counter(), time.process_time()
            at.run()
            moves.append(Move(key, value, (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
            if at.exception:
                raise RuntimeError(f"{page}: {key}={value!r} raised {[e.value for e in at.exception]}")
            if (w := _find(at, kind, key)) is not None:
                w.set_value(default)
                at.run()
    result = PageMoves(page, moves, warm)
    if memo is not None:
        _MEASURED[memo] = result
    return result


def main(argv: list[str]) -> None:
    for page in argv or ["pages/optimizer_arena.py"]:
        r = measure(page)
        print(f"{page}: warm {r.warm_ms:.0f} ms, moved median {r.median:.0f} ms, max {r.worst.ms:.0f} ms "
              f"({r.worst.key}={r.worst.value!r}), {len(r.moves)} moves; CPU median {r.cpu_median:.0f} ms")
        for m in sorted(r.moves, key=lambda m: -m.cpu_ms):
            print(f"  {m.key:<16} {m.value!r:<24} {m.ms:8.0f} ms wall {m.cpu_ms:8.0f} ms CPU")


if __name__ == "__main__":
    main(sys.argv[1:])
