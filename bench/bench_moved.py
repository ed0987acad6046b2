"""What a user feels on every page: the rerun after a control is MOVED to a value not seen before.

Every control of every page in ``app.PAGES`` is moved in turn to two fresh seeded values (``bench.moved``);
median and max per page against GUIDE.md's budgets, beside the warm rerun (the same values again). The Arena is
also measured at its maxima (7 optimizers × 1000 steps)."""
import app
from bench.common import report
from bench.moved import ARENA, budget, measure
from optim_viz import optimizers


def arena_maxima(at) -> None:
    at.multiselect(key="opts").set_value(list(optimizers.SPECS))
    at.slider(key="steps").set_value(1000)


def main() -> list[bool]:
    ok = []
    print(f"  {'page':<34} {'warm':>7} {'moved median':>13} {'max':>7}  (ms; CPU median)  slowest control")
    for _, page, title, *_ in app.available_pages():
        r = measure(page)
        med, worst = budget(page)
        print(f"  {title:<34} {r.warm_ms:7.0f} {r.median:13.0f} {r.worst.ms:7.0f}  ({r.cpu_median:.0f})  "
              f"{r.worst.key}={r.worst.value!r}, {len(r.moves)} moves")
        ok.append(report(f"{title}: moved control, median", r.median, med, "ms"))
        ok.append(report(f"{title}: moved control, max", r.worst.ms, worst, "ms"))
    r = measure(ARENA, per_control=1, seed=1, setup=arena_maxima)
    ok.append(report("Optimizer Arena at maxima (7 × 1000): moved control, median", r.median, 300, "ms"))
    return ok
