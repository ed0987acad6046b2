"""Arena: WARM rerun medians (the same values again) and payloads at defaults and maxima; the trajectory engine
against a hand loop. Moved controls (cache misses) are in bench_moved."""
import time

import numpy as np

from bench.common import open_page, payload_bytes, report, rerun_median
from optim_viz import optimizers, simulate, surfaces

PAGE = "pages/optimizer_arena.py"


def hand_adam_sweep(surface, start, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """The same Adam arithmetic written as one vectorized NumPy loop (the reference for the engine)."""
    x = start.copy()
    v, s = np.zeros_like(x), np.zeros_like(x)
    xy, loss = np.empty((steps + 1, *x.shape)), np.empty((steps + 1, x.shape[0]))
    xy[0], loss[0] = x, surface.f(x[:, 0], x[:, 1])
    lr = lr[:, None]
    for t in range(1, steps + 1):
        g = surface.grad_xy(x)
        v = beta1 * v + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g * g
        x = x - lr * (v / (1 - beta1**t)) / (np.sqrt(s / (1 - beta2**t)) + eps)
        xy[t], loss[t] = x, surface.f(x[:, 0], x[:, 1])
    return xy


def best_of(fn, n=5):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> list[bool]:
    ok = []
    at = open_page(PAGE)
    ok.append(report("Arena warm rerun median, defaults (4 optimizers × 300 steps)", rerun_median(at), 150, "ms"))
    ok.append(report("Arena chart payload, defaults", payload_bytes(at) / 1e6, 1.0, "MB"))

    def maxima(at):
        at.multiselect(key="opts").set_value(list(optimizers.SPECS))
        at.slider(key="steps").set_value(1000)

    at = open_page(PAGE, maxima)
    ok.append(report("Arena warm rerun median, maxima (7 optimizers × 1000 steps)", rerun_median(at), 500, "ms"))
    ok.append(report("Arena chart payload, maxima", payload_bytes(at) / 1e6, 3.0, "MB"))

    s = surfaces.get("rosenbrock")
    lr = np.logspace(-4, 0, 100)
    start = np.tile(s.start, (100, 1))
    np.testing.assert_allclose(simulate.run(optimizers.adam(lr), s, start, 50).xy,
                               hand_adam_sweep(s, start, lr, 50), rtol=1e-10)
    t_engine = best_of(lambda: simulate.run(optimizers.adam(lr), s, start, 500))
    t_hand = best_of(lambda: hand_adam_sweep(s, start, lr, 500))
    print(f"  engine {t_engine * 1000:.1f} ms, hand loop {t_hand * 1000:.1f} ms (100 trajectories × 500 steps)")
    ok.append(report("Sweep through simulate.run / hand-written NumPy loop", t_engine / t_hand, 2.0, "×"))

    times = {text: best_of(lambda t=text: _parse_or_refuse(t), 5) for text in EXPRESSIONS}
    worst = max(times, key=times.get)
    print(f"  slowest typed function: {worst[:60]}{'…' if len(worst) > 60 else ''}")
    ok.append(report("Your own function: parse + gradient + checks, slowest accepted input", times[worst] * 1000, 50,
                     "ms"))
    return ok


# Valid inputs near the parser's limits (issue 14: a 20-term quotient chain took ~110 ms; the longest exact
# gradients the tests know, ~450 ufunc calls a run) and ordinary ones.
EXPRESSIONS = ["x**2 + 10*y**2", "(1-x)**2 + 100*(y-x**2)**2", "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)",
               "/".join(["sin(x*y)"] * 20), "/".join(["tan(x*y)"] * 20),
               "+".join(f"exp(-((x-{i / 10})**2 + (y+{i / 10})**2))*{i}" for i in range(8)),
               "/".join(f"tanh(x/y**{i})" for i in range(1, 22))[:300],
               "/".join(f"sin(x*y+{i})" for i in range(1, 25))[:300],
               "+".join(f"x**{i}*y**{i}/(x+{i})" for i in range(1, 16))]


def _parse_or_refuse(text: str) -> None:
    from optim_viz import expression

    try:
        expression.from_expression(text)
    except ValueError:
        pass
