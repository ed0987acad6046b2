"""Fixtures for the browser tests (see tests/browser_support.py): one server per session, one Chromium."""
import tempfile

import pytest

from browser_support import CHROMIUM, CHROMIUM_ARGS, READY, need_browser, open_tab, streamlit_server, switch_page


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



@pytest.fixture(scope="session")
def _app_tab(browser, server_url):
    tab = open_tab(browser, server_url)
    tab.goto_app()  # the first visit after a server start leaves Streamlit's pages-directory mode
    tab.wait_for_function(READY)
    yield tab
    tab.close()


@pytest.fixture
def app_tab(_app_tab):
    """The one tab of the app this test process loads (a fresh tab load costs 4–5 s here), for tests of a page at
    its defaults, outside presentation mode: ``app_tab.switch("ewma")`` opens a page by its sidebar link."""
    tab = _app_tab
    tab.set_viewport_size({"width": 1500, "height": 1000})
    tab.switch = lambda path="": switch_page(tab, path)
    assert not tab.evaluate("new URLSearchParams(location.search).has('present')"), "the shared tab is presenting"
    yield tab
