"""Regularization lab: training time at the defaults, the three comparison runs trained together against one after
another, the page's moved-control reruns (cache misses: what a user feels), its warm rerun and its payload."""
import time

import numpy as np

from bench.common import open_page, page_figures, report
from optim_viz import datasets, nn, optimizers

PAGE = "pages/regularization.py"
ITERATIONS = 500  # the page's default
VARIANTS = [(0.0, None), (1.0, None), (0.0, 0.7)]  # the comparison at the defaults: none, L2 λ = 1, dropout 0.7


def _problem():
    X, Y = datasets.make("moons", 300, 0.3, 0)
    s = datasets.split(X, Y, (0.6, 0.2, 0.2), 0)
    return s, nn.init_params([2, 50, 50, 1], "he", np.random.default_rng(0))


def cpu(fn) -> float:
    """Best of three CPU times in seconds (the machine is shared: CPU time is the figure to trust)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> list[bool]:
    ok = []
    s, params = _problem()
    opt = optimizers.adam(lr=0.01)
    one = cpu(lambda: nn.train(params, s.X_train, s.Y_train, opt, ITERATIONS, "relu", "sigmoid",
                               record_every=nn.record_every(ITERATIONS)))
    ok.append(report(f"Default lab training (2 × 50, 180 train points, {ITERATIONS} it.), CPU", one, 0.4, "s"))
    apart = cpu(lambda: [nn.train(params, s.X_train, s.Y_train, opt, ITERATIONS, "relu", "sigmoid", lam, kp,
                                  np.random.default_rng(1), nn.record_every(ITERATIONS)) for lam, kp in VARIANTS])
    together = cpu(lambda: nn.train_variants(params, s.X_train, s.Y_train, opt, ITERATIONS, "relu",
                                             [lam for lam, _ in VARIANTS], [kp for _, kp in VARIANTS],
                                             [np.random.default_rng(1) for _ in VARIANTS], nn.record_every(ITERATIONS),
                                             ITERATIONS))
    print(f"  three comparison runs: one after another {apart:.2f} s CPU, together (train_variants) {together:.2f} s "
          f"({apart / together:.2f}× faster, the same numbers)")
    ok.append(report("Three comparison runs trained together, CPU", together, 1.0, "s"))

    ok += page_figures("Regularization", PAGE)

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


if __name__ == "__main__":
    main()
