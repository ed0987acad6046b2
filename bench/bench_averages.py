"""EWMA, learning-rate decay and mini-batch pages: what a user feels when a control is MOVED to a value not seen
before (a cache miss; median and max per page, wall and CPU ms: the CPU figure is the one to trust on a shared
machine), warm reruns and payloads at the defaults, first-visit time of the mini-batch page, and the mini-batch
trainer against a hand-written loop.

    python -m bench.bench_averages
"""
import time

import numpy as np
import streamlit as st

from bench.common import open_page, page_figures, report
from optim_viz import minibatch as MB

PAGES = [("EWMA", "pages/ewma.py"), ("LR decay", "pages/lr_decay.py"), ("Mini-batch", "pages/mini_batch.py")]


def hand_minibatch_gd(X, Y, batch_size, epochs, lr, seed=0, start=MB.START):
    """Plain mini-batch GD, the same arithmetic (shuffle, batch cost, gradient, step) as one bare loop."""
    rng = np.random.default_rng(seed)
    m = Y.size
    w1, w2, b = start
    costs = []
    for _ in range(epochs):
        order = rng.permutation(m) if batch_size < m else np.arange(m)
        Xs, Ys = X[:, order], Y[order]
        for k in range(0, m, batch_size):
            x, y = Xs[:, k:k + batch_size], Ys[k:k + batch_size]
            z = w1 * x[0] + w2 * x[1] + b
            costs.append(np.mean(np.logaddexp(0, z) - y * z))
            dz = np.exp(-np.logaddexp(0, -z)) - y
            w1, w2, b = w1 - lr * x[0] @ dz / y.size, w2 - lr * x[1] @ dz / y.size, b - lr * dz.sum() / y.size
    return np.array([w1, w2, b]), np.array(costs)


def main() -> list[bool]:
    ok = []
    for name, page in PAGES:
        ok += page_figures(name, page)

    X, Y = MB.make_data()
    t0 = time.perf_counter()
    runs = [MB.train(X, Y, bs, 5, "sgd", lr=0.3) for bs in (1, 64, MB.M_DEFAULT)]
    t_default = time.perf_counter() - t0
    for r in runs:
        print(f"  batch {r.batch_size:>5}: {r.updates_per_epoch:>5} updates/epoch, "
              f"{1e3 * np.median(r.time_per_epoch):7.2f} ms/epoch, accuracy {r.accuracy:.1%}")
    ok.append(report("Mini-batch trainer, one default run (sizes 1, 64, m × 5 epochs)", 1e3 * t_default, 1500, "ms"))

    ref, _ = hand_minibatch_gd(X, Y, 64, 5, 0.3)
    np.testing.assert_allclose(MB.train(X, Y, 64, 5, "sgd", lr=0.3).params, ref, rtol=1e-10)
    t_lib = min(_timed(lambda: MB.train(X, Y, 1, 2, "sgd", lr=0.3)) for _ in range(3))
    t_hand = min(_timed(lambda: hand_minibatch_gd(X, Y, 1, 2, 0.3)) for _ in range(3))
    print(f"  batch size 1, 2 epochs: trainer {1e3 * t_lib:.0f} ms, hand loop {1e3 * t_hand:.0f} ms")
    ok.append(report("Trainer (optimizers + recording) / hand-written loop, batch size 1", t_lib / t_hand, 2.0, "×"))

    st.cache_data.clear()
    st.cache_resource.clear()
    t0 = time.perf_counter()
    open_page("pages/mini_batch.py")
    ok.append(report("Mini-batch page first visit (cold caches, incl. app start)", 1e3 * (time.perf_counter() - t0),
                     3000, "ms"))
    return ok


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
