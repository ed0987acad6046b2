"""Setup pages (normalization, initialization, gradient checking): what a user feels when a control is MOVED to a
value not seen before (a cache miss; median and max per page, wall and CPU ms: the CPU figure is the one to trust on
a shared machine), warm reruns and payloads at the defaults, the fast paths against their references, and the
heaviest combination of the initialization page.

    python -m bench.bench_setup
"""
import time

import numpy as np

from bench.common import open_page, page_figures
from optim_viz import depth, gradcheck, normalization, optimizers

PAGES = [("Normalization", "pages/normalization.py"), ("Initialization", "pages/initialization.py"),
         ("Gradient check", "pages/gradient_check.py")]


def cpu_ms(run) -> float:
    t0 = time.process_time()
    run()
    return (time.process_time() - t0) * 1000


def fast_paths() -> None:
    """Each page's fast path beside the reference it replaces (same numbers, tested in tests/)."""
    pb = normalization.problems()
    fast = cpu_ms(lambda: normalization.grid_sweeps({"raw": pb.raw, "norm": pb.norm}, 2000))

    def reference():
        for q in (pb.raw, pb.norm):
            for name in ("momentum", "adam"):
                normalization.run_optimizer(q, name, steps=2000)

    print(f"  normalization: momentum + Adam grids (68 rates × 2,000 steps): one loop {fast:.0f} ms CPU, "
          f"simulate.run per problem {cpu_ms(reference):.0f} ms")
    fast = cpu_ms(lambda: depth.training_runs(list(depth.INITS)))

    def one_by_one():
        from optim_viz import datasets, nn
        X, Y = datasets.make("circles", m=300, noise=0.15, seed=0)
        for k in depth.INITS:
            p = nn.init_params([2] + [10] * 5 + [1], k, np.random.default_rng(0), 0.01)
            with np.errstate(all="ignore"):
                nn.train(p, X, Y, optimizers.sgd(0.1), 500, "relu", "sigmoid", record_every=5)

    print(f"  initialization: 6 inits × 500 iterations side by side {fast:.0f} ms CPU, nn.train one by one "
          f"{cpu_ms(one_by_one):.0f} ms")
    p = gradcheck.network_problem("none")
    fast = cpu_ms(lambda: gradcheck.eps_sweep(p.cost, p.grad, p.theta, gradcheck.EPS_GRID, True, p.cost_batch))
    loop = cpu_ms(lambda: gradcheck.eps_sweep(p.cost, p.grad, p.theta, gradcheck.EPS_GRID, True))
    print(f"  gradient check: ε sweep (23 ε × 84 costs) batched {fast:.0f} ms CPU, one cost per call {loop:.0f} ms")


def main() -> list[bool]:
    ok = []
    for name, page in PAGES:
        ok += page_figures(name, page)
    fast_paths()

    def heaviest(at):  # the initialization page's most expensive combination: shows a status box, not a frozen page
        at.slider(key="depth").set_value(50)
        at.slider(key="width").set_value(300)
        at.slider(key="nets").set_value(8)
        at.slider(key="tdepth").set_value(20)
        at.slider(key="iters").set_value(2000)

    t0 = time.perf_counter()
    at = open_page("pages/initialization.py", heaviest)
    print(f"  initialization at its maxima (depth 50 × width 300 × 8 nets; training 20 layers × 2,000 it.): "
          f"{time.perf_counter() - t0:.1f} s, status boxes: {[s.label for s in at.status]}")
    return ok


if __name__ == "__main__":
    main()
