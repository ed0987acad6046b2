"""The Hyperparameter search and Softmax pages in a real browser: charts render and a moved control redraws
(screenshots at both sizes, presentation mode included: test_layout)."""
import re

PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"


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
