"""Benchmark helpers: AppTest rerun medians and chart payload sizes, printed against budgets."""
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
# The tests' AppTest set-up: the same runs the tests make, each script compiled once as a server does.
import helpers  # noqa: E402

# Library calls made outside a script run (the bench times pieces directly) make Streamlit warn, once per call, that
# there is no ScriptRunContext; the warning says itself that it can be ignored here, and it buried the figures.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: "missing ScriptRunContext" not in record.getMessage())


def open_page(page: str, setup: Callable[[AppTest], None] | None = None) -> AppTest:
    """app.py switched to ``page``; ``setup(at)`` sets widgets before the warm-up run."""
    at = helpers.open_page(page, timeout=120)
    if setup:
        setup(at)
        at.run()
    helpers.assert_ok(at)
    return at


def rerun_median(at: AppTest, n: int = 7) -> float:
    """Median wall time in ms of ``n`` reruns of the page as it stands (caches warm)."""
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def payload_bytes(at: AppTest) -> int:
    """Total bytes of the Plotly figure specs sent to the browser."""
    return sum(len(c.proto.spec.encode()) for c in at.get("plotly_chart"))


def report(label: str, value: float, budget: float, unit: str) -> bool:
    ok = value <= budget
    print(f"  {label:<58} {value:>10.3g} {unit:<3} budget ≤ {budget:g} {unit}  {'OK' if ok else 'OVER'}")
    return ok


def chart_count(at: AppTest) -> int:
    return len([json.loads(c.proto.spec) for c in at.get("plotly_chart")])


def page_figures(name: str, page: str) -> list[bool]:
    """A page's moved-control figures (median and max, wall and CPU: bench.moved, against ``moved.budget``), its warm
    rerun and payload."""
    from bench import moved

    r = moved.measure(page)
    median_budget, max_budget = moved.budget(page)
    worst_cpu = max(r.moves, key=lambda m: m.cpu_ms)
    print(f"  {name}: {len(r.moves)} moves, worst wall {r.worst.key}={r.worst.value!r}, "
          f"worst CPU {worst_cpu.key}={worst_cpu.value!r}")
    ok = [report(f"{name} moved control, median (wall)", r.median, median_budget, "ms"),
          report(f"{name} moved control, median (CPU)", r.cpu_median, median_budget, "ms"),
          report(f"{name} moved control, max (wall)", r.worst.ms, max_budget, "ms"),
          report(f"{name} moved control, max (CPU)", worst_cpu.cpu_ms, max_budget, "ms")]
    at = open_page(page)
    ok.append(report(f"{name} warm rerun median (nothing moved)", rerun_median(at), 150, "ms"))
    ok.append(report(f"{name} chart payload, defaults", payload_bytes(at) / 1e6, 1.0, "MB"))
    return ok
