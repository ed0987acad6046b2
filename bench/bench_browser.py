"""Browser and server figures: time to a visible chart, slider-to-redraw, and server memory after 10 sessions."""
import os
import statistics
import sys
import time
from pathlib import Path

from bench.common import report

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import browser_support as bs  # noqa: E402

RACE = "document.querySelectorAll('.js-plotly-plot')[0]"
PAGES = ["optimizer_arena", "ewma", "lr_decay", "mini_batch", "regularization", "normalization",
         "initialization", "gradient_check"]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0
    for p in [pid, *(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def main() -> list[bool]:
    if not os.path.exists(bs.CHROMIUM):
        print("  Chromium not found (apt-get install -y chromium): browser figures skipped")
        return []
    from playwright.sync_api import sync_playwright

    ok = []
    with bs.streamlit_server() as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=bs.CHROMIUM, headless=True, args=bs.CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        warm = bs.open_tab(ctx, url)
        warm.goto_app("optimizer_arena")  # warm the server and its caches
        warm.wait_for_function(f"{RACE}?._fullData?.length >= 10")
        visible, redraw = [], []
        for _ in range(3):
            tab = ctx.new_page()
            t0 = time.perf_counter()
            tab.goto(f"{url}/optimizer_arena")
            tab.wait_for_function(f"{RACE}?._fullData?.length >= 10", timeout=60_000)
            visible.append(time.perf_counter() - t0)
            slider = tab.locator('[data-testid="stSlider"]').filter(has_text="Steps").locator("input[type=range]")
            slider.focus()
            before = tab.evaluate(f"{RACE}._fullData.find(t => t.name === 'Adam')._length")
            t0 = time.perf_counter()
            tab.keyboard.press("ArrowRight")
            tab.wait_for_function(f"{RACE}._fullData.find(t => t.name === 'Adam')?._length !== {before}")
            redraw.append(time.perf_counter() - t0)
            tab.close()
        ok.append(report("Arena chart visible after navigation (warm server, median of 3)",
                         statistics.median(visible), 3.0, "s"))
        ok.append(report("Arena slider change to redrawn chart (median of 3)", statistics.median(redraw), 1.0, "s"))
        for i in range(10):  # ten sessions, each visiting a page
            tab = ctx.new_page()
            tab.goto(f"{url}/{PAGES[i % len(PAGES)]}")
            tab.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0", timeout=90_000)
            tab.close()
        ok.append(report("Server RSS after 10 sessions (one per page, in turn)", rss_mb(bs.last_server_pid()), 300,
                         "MB"))
        browser.close()
    return ok
