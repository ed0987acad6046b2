"""This machine's speed today: a fixed workload shaped like a rerun's (many small NumPy calls, a few products, plain
Python), so that a figure over budget can be told from a slow day. The VM this project runs on varies by up to 40 %
from hour to hour; compare a figure with the reference workload measured in the same run."""
import statistics
import time

import numpy as np

# The workload's median on this project's 2-core VM on 2026-11-29 (idle; 78–98 ms in three runs): "1.00×".
REFERENCE_MS = 85.0


def workload() -> None:
    rng = np.random.default_rng(0)
    a, b, out = rng.random((2, 68)), rng.random((2, 68)), np.empty((2, 68))
    for _ in range(4000):  # per-call overhead, as in the training loops and the normalization sweep
        np.multiply(a, b, out)
        np.add(out, a, out)
    W, A = rng.random((50, 50)), rng.random((50, 180))
    for _ in range(100):  # small matrix products and element-wise work, as in the lab's networks
        np.tanh(W @ A)
    d = {}
    for i in range(30_000):  # plain Python, as in Streamlit's own rerun
        d[str(i)] = i
    sorted(d.items())


def machine_ms(repeats: int = 5) -> float:
    """Median wall time of ``workload`` in ms."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        workload()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def report() -> str:
    ms = machine_ms()
    return (f"machine: the reference workload took {ms:.0f} ms, {ms / REFERENCE_MS:.2f}× its time on 2026-11-29 "
            "(above 1: slower than that day)")
