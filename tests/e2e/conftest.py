"""Browser tests: a real Streamlit server and Debian's Chromium driven by Playwright.

Chromium comes from apt (`apt-get install -y chromium`); Playwright never downloads a browser.
Without Chromium these tests skip, unless OPTIM_VIZ_REQUIRE_BROWSER=1 (set by .ci/run) makes them fail.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _need_browser():
    if not os.path.exists(CHROMIUM):
        msg = "Chromium not found: install it with `apt-get install -y chromium` (Debian) to run browser tests"
        if os.environ.get("OPTIM_VIZ_REQUIRE_BROWSER"):
            pytest.fail(msg)
        pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url():
    _need_browser()
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
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


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 1000})
        yield ctx
        ctx.close()


@pytest.fixture
def page(browser, server_url):
    """A fresh tab; ``page.goto_app("optimizer_arena")`` opens a page by its URL path."""
    tab = browser.new_page()
    tab.set_default_timeout(30_000)

    def goto_app(path: str = "", **query):
        q = "&".join(f"{k}={v}" for k, v in query.items())
        tab.goto(f"{server_url}/{path}" + (f"?{q}" if q else ""))
        tab.wait_for_selector('[data-testid="stApp"]')
        tab.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)

    tab.goto_app = goto_app
    yield tab
    tab.close()

