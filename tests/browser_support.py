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
def streamlit_server():
    """A fresh `streamlit run app.py` on a free port; yields its URL and stops it by its own PID."""
    need_browser()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
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
    tab.set_default_timeout(30_000)

    def goto_app(path: str = "", **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        tab.goto(f"{server_url}/{path}" + (f"?{q}" if q else ""))
        tab.wait_for_selector('[data-testid="stApp"]')
        tab.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')")  # the tab's timeout

    tab.goto_app = goto_app
    return tab
