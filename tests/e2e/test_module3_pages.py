"""The Hyperparameter search and Softmax pages in a real browser: charts render, a moved control redraws, and
screenshots at two window sizes in presentation mode."""
import re

import pytest

from browser_support import SETTLED, open_tab, switch_page
from helpers import screenshot

PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
SIZES = ((1400, 1000), (1024, 768))


def _plot_with(name: str) -> str:
    """JS expression: the first chart with a trace named ``name``."""
    return f"{PLOTS}.find(g => g._fullData?.some(t => t.name === {name!r}))"


def _nudge(page, label: str, key: str = "ArrowRight"):
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=re.compile("^" + re.escape(label)))
    slider.locator('input[type="range"]').focus()
    page.keyboard.press(key)


def test_hyperparameter_search_page(app_tab):
    page = app_tab
    page.switch("hyperparameter_search")
    page.wait_for_function(f"{PLOTS}.length >= 6", timeout=90_000)
    grid = f"{_plot_with('grid')}?._fullData?.find(t => t.name === 'grid')"
    page.wait_for_function(f"{grid}?._length === 25")
    _nudge(page, "Grid size k")
    page.wait_for_function(f"{_plot_with('grid')}?._fullData?.find(t => t.name === 'grid')?._length === 36")
    words = page.get_by_text("the grid tried 6 distinct learning rates and random search 36")
    words.first.wait_for()  # written under the chart, a moment after it
    assert words.count() == 1


def test_softmax_page(app_tab):
    page = app_tab
    page.switch("softmax")
    page.wait_for_function(f"{PLOTS}.length >= 4", timeout=90_000)
    bars = f"{PLOTS}.find(g => (g.layout?.title?.text || '').startsWith('Class probabilities'))"
    page.wait_for_function(f"{bars}?._fullData?.[0]?._length === 4")
    before = page.evaluate(f"Array.from({bars}._fullData[0].text)")
    assert before == ["0.842", "0.042", "0.002", "0.114"]
    _nudge(page, "z for cat", "ArrowLeft")
    page.wait_for_function(f"{bars}?._fullData?.[0]?.text?.[0] !== '0.842'")


@pytest.fixture(scope="module")
def presenting(browser, server_url):
    """One tab in presentation mode (loaded once; pages are switched in the app, which keeps the mode)."""
    tab = open_tab(browser, server_url)
    tab.goto_app("", present="1")
    yield tab
    tab.close()


@pytest.mark.parametrize("path", ["hyperparameter_search", "softmax"])
def test_presentation_screenshots(presenting, path):
    page = presenting
    switch_page(page, path)
    assert page.evaluate("new URLSearchParams(location.search).get('present')") == "1"
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(f"{PLOTS}.length >= 4", timeout=90_000)
        page.wait_for_function(f"{PLOTS}.every(g => g._fullData?.length > 0 || g.layout)")
        assert page.evaluate(SETTLED), "the charts kept changing"
        shot = screenshot(page, f"{path}_present_{width}x{height}")
        assert shot.exists()
