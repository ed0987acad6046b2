"""Browser figures, in Debian's Chromium against a real server: time to a visible chart after navigation, slider
release → redrawn chart with a FRESH value every time (a cache miss) on every page, and server memory."""
import os
import statistics
import sys
import time
from pathlib import Path

import app
from bench.common import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import browser_support as bs  # noqa: E402

CHARTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
# Before a key press: the data each chart holds, and the time. A chart redrawn with new data holds another array
# (Streamlit mounts a new chart, or Plotly.react replaces gd.data). Polled each animation frame, so it stays cheap:
# a signature made from the data (JSON of every trace) cost each frame up to ~0.1 s on the larger pages, delaying
# the very redraw it timed.
KEEP = f"window.__t = {{shown: {CHARTS}.map(g => g.data), last: null, seen: null, t0: performance.now()}}"
# Redrawn: ms from the press to the last chart drawn with new data, once every chart is drawn, the script run has
# ended and nothing has changed for QUIET ms (Streamlit sends a page's charts one by one as its script runs).
QUIET = 500
REDRAWN = f"""() => {{ const T = window.__t, now = {CHARTS}, t = performance.now();
  const ready = now.every(g => g._fullLayout) && !document.querySelector('[data-testid="stStatusWidget"]')
    && now.length >= document.querySelectorAll('[data-testid="stPlotlyChart"]').length;
  const data = now.map(g => g.data);
  if (ready && data.some(d => !T.shown.includes(d)) &&
      !(T.seen && T.seen.length === data.length && T.seen.every((d, i) => d === data[i]))) {{
    T.seen = data; T.last = t; }}
  return T.last !== null && t - T.last > {QUIET} ? T.last - T.t0 : false; }}"""
PRESSES = 4  # fresh values per page: each press moves the slider one step further, to a value never sent before


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    for p in [pid, *(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def slider_redraws(tab, path: str | None) -> list[float]:
    """Seconds from a key press on the page's first slider that changes a chart to the chart redrawn (``path``
    None: the page already open)."""
    if path is not None:
        tab.goto_app(path)
    tab.wait_for_function(f"{CHARTS}.length > 0 && {CHARTS}.some(g => g._fullData)", timeout=90_000)
    sliders = tab.locator('[data-testid="stSlider"] input[type="range"]')
    times = []
    for i in range(sliders.count()):
        handle = sliders.nth(i)
        if not handle.locator("xpath=..").is_visible():
            continue
        key = "ArrowLeft" if handle.get_attribute("value") == handle.get_attribute("max") else "ArrowRight"
        for _ in range(PRESSES):
            handle.focus()
            tab.evaluate(KEEP)
            handle.press(key)
            try:
                ms = tab.wait_for_function(REDRAWN, timeout=15_000).json_value()
            except Exception:  # this slider changes no chart: try the next one
                break
            times.append(ms / 1000)
        if times:
            return times
    return times


def floor(ctx) -> tuple[float, float]:
    """(visible after navigation, median slider → redraw) in s for the simplest Streamlit + Plotly page."""
    with bs.streamlit_server("bench/floor_app.py") as url:
        warm = ctx.new_page()
        warm.goto(url)
        warm.wait_for_function(f"{CHARTS}.some(g => g._fullData)", timeout=120_000)
        warm.close()
        visible = []
        for _ in range(3):
            tab = ctx.new_page()
            t0 = time.perf_counter()
            tab.goto(url)
            tab.wait_for_function(f"{CHARTS}.some(g => g._fullData)", timeout=120_000)
            visible.append(time.perf_counter() - t0)
            tab.close()
        tab = ctx.new_page()
        tab.set_default_timeout(30_000)
        tab.goto(url)
        tab.wait_for_function(f"{CHARTS}.some(g => g._fullData)", timeout=120_000)
        redraw = slider_redraws(tab, None)
        tab.close()
    return statistics.median(visible), statistics.median(redraw)


def main() -> list[bool]:
    if not os.path.exists(bs.CHROMIUM):
        print("  Chromium not found (apt-get install -y chromium): browser figures skipped")
        return []
    from playwright.sync_api import sync_playwright

    ok = []
    with bs.streamlit_server() as url, sync_playwright() as pw:
        app_pid = bs.last_server_pid()  # the floor's server comes later
        browser = pw.chromium.launch(executable_path=bs.CHROMIUM, headless=True, args=bs.CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        pages = [(Path(file).stem, title) for _, file, title, *_ in app.available_pages()]
        warm = bs.open_tab(ctx, url)
        visible, redraw = [], {}
        for path, title in pages:  # first visits warm the server; then time a second navigation
            warm.goto_app(path)
            warm.wait_for_function(f"{CHARTS}.length > 0", timeout=120_000)
            tab = ctx.new_page()
            t0 = time.perf_counter()
            tab.goto(f"{url}/{path}")
            tab.wait_for_function(f"{CHARTS}.length > 0 && {CHARTS}.some(g => g._fullData)", timeout=120_000)
            visible.append(time.perf_counter() - t0)
            tab.close()
            tab = bs.open_tab(ctx, url)
            redraw[title] = slider_redraws(tab, path)
            tab.close()
            print(f"  … {title}: visible {visible[-1]:.2f} s, redraws {[round(t, 2) for t in redraw[title]]}",
                  flush=True)
        ok.append(report("Chart visible after navigation (warm server, median over pages)",
                         statistics.median(visible), 3.0, "s"))
        floor_visible, floor_redraw = floor(ctx)
        print(f"  floor, the simplest Streamlit + Plotly page (bench/floor_app.py) in this Chromium: visible after "
              f"navigation {floor_visible:.2f} s, slider → redrawn chart {floor_redraw:.2f} s (median)")
        for title, times in redraw.items():
            if times:
                ok.append(report(f"{title}: slider → redrawn chart, fresh values (median)",
                                 statistics.median(times), 0.5, "s"))
            else:
                print(f"  {title}: no slider here redraws a chart (skipped)")
        ok.append(report("Server RSS after every page and its slider moves", rss_mb(app_pid), 500, "MB"))
        browser.close()
    return ok


if __name__ == "__main__":
    main()
