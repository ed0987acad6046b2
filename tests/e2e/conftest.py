"""Fixtures for the browser tests (see tests/browser_support.py): one server per session, one Chromium."""
import tempfile

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, need_browser, open_tab, streamlit_server


@pytest.fixture(scope="session")
def server_url():
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    need_browser()
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
    tab = open_tab(browser, server_url)
    yield tab
    tab.close()

