"""Regularization lab: training time of the default lab, the page's cached rerun and its payload."""
import time

import numpy as np

from bench.common import open_page, payload_bytes, report, rerun_median
from optim_viz import datasets, nn, optimizers

PAGE = "pages/regularization.py"


def default_training() -> float:
    """Seconds for the default lab run: 300 moons, 2 hidden layers (50, 50), Adam, 2,000 full-batch iterations."""
    X, Y = datasets.make("moons", 300, 0.3, 0)
    s = datasets.split(X, Y, (0.6, 0.2, 0.2), 0)
    params = nn.init_params([2, 50, 50, 1], "he", np.random.default_rng(0))
    t0 = time.perf_counter()
    nn.train(params, s.X_train, s.Y_train, optimizers.adam(lr=0.01), 2000, "relu", "sigmoid", record_every=10)
    return time.perf_counter() - t0


def main() -> list[bool]:
    ok = []
    best = min(default_training() for _ in range(3))
    ok.append(report("Default lab training (2 hidden × 50, 300 points, 2,000 it.)", best, 1.0, "s"))
    t0 = time.perf_counter()
    nn.run_lab(hidden_units=(50, 50), keep_probs=0.7, record_masks=2000)
    dropout = time.perf_counter() - t0
    ok.append(report("Same with dropout 0.7 and every mask recorded (run_lab)", dropout, 1.0, "s"))
    t0 = time.perf_counter()
    at = open_page(PAGE)
    print(f"  first load of the page (4 trainings, cold caches): {time.perf_counter() - t0:.1f} s")
    ok.append(report("Regularization page rerun median, cached training", rerun_median(at), 150, "ms"))
    ok.append(report("Regularization chart payload", payload_bytes(at) / 1e6, 1.0, "MB"))

    def step(at):
        at.slider(key="kp1").set_value(0.5)

    at = open_page(PAGE, step)
    times = []
    for t in range(2, 9):  # a new iteration step each rerun: only the network drawing is rebuilt
        at.slider(key="step").set_value(t)
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
    ok.append(report("Rerun median stepping the dropout iteration", float(np.median(times)), 150, "ms"))
    return ok
