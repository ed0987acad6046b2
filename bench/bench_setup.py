"""Setup pages (normalization, initialization, gradient checking): cached rerun medians, payloads, cold builds."""
import time

from bench.common import open_page, payload_bytes, report, rerun_median
from optim_viz import depth, gradcheck, normalization

PAGES = ("pages/normalization.py", "pages/initialization.py", "pages/gradient_check.py")


def cold(label: str, run) -> None:
    t0 = time.perf_counter()
    run()
    print(f"  {label:<58} {(time.perf_counter() - t0) * 1000:>10.1f} ms (cold, cached afterwards)")


def main() -> list[bool]:
    ok = []
    cold("normalization.compare at defaults (6 runs × 2,000 steps)", lambda: normalization.compare())
    cold("depth stats, 6 inits × 4 nets, depth 50, width 100",
         lambda: depth.all_layer_stats(list(depth.INITS), 50, 100, "relu", 0.01, nets=4))
    cold("depth training runs, 6 inits × 500 it., depth 5", lambda: depth.training_runs(list(depth.INITS)))
    cold("gradient-check report (check + 3 ε sweeps)", lambda: gradcheck.network_report("sign"))
    for page in PAGES:
        name = page.split("/")[1].removesuffix(".py")
        t0 = time.perf_counter()
        at = open_page(page)
        print(f"  first load of {name} (cold caches): {time.perf_counter() - t0:.1f} s")
        ok.append(report(f"{name} rerun median at defaults", rerun_median(at), 150, "ms"))
        ok.append(report(f"{name} chart payload", payload_bytes(at) / 1e6, 1.0, "MB"))

    def deep(at):
        at.slider(key="depth").set_value(50)

    at = open_page("pages/initialization.py", deep)
    ok.append(report("initialization rerun median at depth 50 (cached)", rerun_median(at), 150, "ms"))
    times = []
    for d in range(30, 37):  # new depths: the statistics are recomputed, training stays cached
        at.slider(key="depth").set_value(d)
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    ok.append(report("initialization rerun median at a NEW depth 30–36 (uncached)", times[len(times) // 2], 500, "ms"))
    return ok


if __name__ == "__main__":
    main()
