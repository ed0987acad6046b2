"""Browser-test support: a real Streamlit server and Debian's Chromium driven by Playwright.

Chromium comes from apt (`apt-get install -y chromium`); Playwright never downloads a browser.
Without Chromium these tests skip, unless OPTIM_VIZ_REQUIRE_BROWSER=1 (set by .ci/run) makes them fail.
"""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def need_browser():
    if not os.path.exists(CHROMIUM):
        msg = "Chromium not found: install it with `apt-get install -y chromium` (Debian) to run browser tests"
        if os.environ.get("OPTIM_VIZ_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_SERVERS: list[int] = []


def last_server_pid() -> int:
    """PID of the most recently started test server (for memory figures)."""
    return _SERVERS[-1]


@contextlib.contextmanager
def streamlit_server(script: str = "app.py"):
    """A fresh `streamlit run <script>` (a path under the repository) on a free port; yields its URL and stops it by
    its own PID."""
    need_browser()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         # no file watcher: it walks every loaded module after each rerun (~a quarter of a test server's CPU)
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    _SERVERS.append(proc.pid)
    try:
        for _ in range(240):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("Streamlit server did not become healthy")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def open_tab(browser, server_url):
    """A new tab with ``tab.goto_app(path, **query)`` that waits until the script run has finished."""
    tab = browser.new_page()
    tab.set_default_timeout(90_000)  # a loaded CI machine: a first visit took 34 s

    def goto_app(path: str = "", **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        tab.goto(f"{server_url}/{path}" + (f"?{q}" if q else ""))
        tab.wait_for_selector('[data-testid="stApp"]')
        tab.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")  # the tab's timeout

    tab.goto_app = goto_app
    return tab


# The Streamlit app of the tab, without a reload: the marker survives only an in-app page switch.
_MARK = "window.__optimVizTab"
# The script run has finished: no "Running" status, no skeleton, the page's footer (or the home page's links) shown,
# and every chart drawn by Plotly.
READY = """() => {
  if (document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')) return false;
  const body = document.body.innerText;
  if (!body.includes('Link to this view') && !document.querySelector('[data-testid="stPageLink"]')) return false;
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return plots.length >= document.querySelectorAll('[data-testid="stPlotlyChart"]').length
         && plots.every(p => p._fullLayout);
}"""
# Resolves once every chart's size, margins and text have stayed the same for 400 ms (Plotly's autosize and
# automargin redraw a chart after it first appears); at most 10 s.
SETTLED = """() => new Promise(done => {
  const sign = () => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
    const L = p._fullLayout || {}, m = L.margin || {};
    const r = p.getBoundingClientRect();
    return [Math.round(r.width), Math.round(r.height), L.width, L.height, m.l, m.r, m.t, m.b,
            p.querySelectorAll('text').length];
  }));
  let last = sign(), same = 0, polls = 0;
  const poll = () => {
    const now = sign();
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 4 || ++polls > 100) done(same >= 4); else setTimeout(poll, 100);
  };
  setTimeout(poll, 100);
})"""


def switch_page(tab, path: str = "", timeout: float = 180_000) -> None:
    """Open the app's page ``path`` ("" for home) as a user does: by its link in the sidebar navigation, without
    reloading the tab (Streamlit's JavaScript, Plotly's 4.7 MB chunk included, stays loaded: a fresh tab load costs
    4–5 s here). A page the tab already shows is left for home first, so that it opens at its defaults (a page's
    widget state goes when another page runs). Waits until the new page's script run has finished and its charts are
    drawn; fails if the switch reloaded the tab or did not reach the page."""
    if tab.evaluate("location.pathname") == f"/{path}":
        if not path:  # home keeps no state
            tab.wait_for_function(READY, timeout=timeout)
            return
        switch_page(tab, "", timeout)
    tab.evaluate(f"{_MARK} = true")
    before = tab.evaluate("document.querySelector('[data-testid=\"stMain\"] h1')?.textContent ?? ''")
    from playwright.sync_api import TimeoutError as Timeout

    link = """p => Array.from(document.querySelectorAll('[data-testid="stSidebarNav"] a'))
      .find(a => new URL(a.href).pathname === '/' + p) ?? null"""
    for attempt in range(2):  # the navigation renders just after a page's first run; a collapsed sidebar may hold it
        try:
            tab.wait_for_function(f"({link})({path!r}) !== null", timeout=15_000)
            break
        except Timeout:
            if attempt:
                raise AssertionError(f"no link to '/{path}' in the sidebar navigation") from None
            tab.evaluate("document.querySelector('[data-testid=\"stExpandSidebarButton\"] button, "
                         "[data-testid=\"stExpandSidebarButton\"]')?.click()")
    tab.evaluate(f"p => ({link})(p).click()", path)  # collapsed (presentation mode): there, not visible

    try:
        tab.wait_for_function("([p, before]) => location.pathname === '/' + p && "
                              "(document.querySelector('[data-testid=\"stMain\"] h1')?.textContent ?? before) !== "
                              "before", arg=[path, before], timeout=timeout)
        tab.wait_for_function(READY, timeout=timeout)
    except Timeout:
        state = tab.evaluate("""() => {
          const q = s => document.querySelectorAll(s).length;
          return [location.href, document.querySelector('[data-testid="stMain"] h1')?.textContent,
                  q('[data-testid="stStatusWidget"]'), q('[data-testid="stSkeleton"]'), q('.js-plotly-plot'),
                  q('[data-testid="stPlotlyChart"]'), document.body.innerText.includes('Link to this view')];
        }""")
        raise AssertionError(f"switching to '/{path}' from '{before}' did not finish: [url, h1, running, skeleton, "
                             f"plots drawn, charts, footer] = {state}") from None
    assert tab.evaluate(f"{_MARK} === true"), f"switching to '/{path}' reloaded the tab"
