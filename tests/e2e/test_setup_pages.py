"""The three "setting up the problem" pages in a real browser: charts render, a slider change redraws."""
import re

from helpers import screenshot

PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"


def _plot_with_title(fragment: str) -> str:
    """JS expression: the first chart whose layout annotations (subplot titles) contain ``fragment``."""
    return (f"{PLOTS}.find(g => (g.layout?.annotations || []).some(a => (a.text || '').includes({fragment!r})))")


def _nudge(page, label: str, key: str = "ArrowRight"):
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=re.compile("^" + re.escape(label)))
    slider = slider.locator('input[type="range"]')
    slider.focus()
    page.keyboard.press(key)


def test_normalization_page(app_tab):
    page = app_tab
    page.switch("normalization")
    page.wait_for_function(f"{PLOTS}.length >= 3")
    contours = _plot_with_title("Raw inputs")
    page.wait_for_function(f"{contours}?._fullData?.length >= 10")
    before = page.evaluate(f"{contours}.layout.annotations[0].text")
    assert before.startswith("Raw inputs: κ = ")
    _nudge(page, "Offset")
    page.wait_for_function(f"{contours}?.layout?.annotations?.[0]?.text !== {before!r}")
    assert page.evaluate(f"{contours}.layout.annotations[1].text").startswith("Normalized inputs: κ = 1.1")


def test_initialization_page(app_tab):
    page = app_tab
    page.switch("initialization")
    page.wait_for_function(f"{PLOTS}.length >= 4", timeout=90_000)
    stats = _plot_with_title("Activation spread")
    he = f"{stats}?._fullData?.find(t => t.name.startsWith('He'))"
    page.wait_for_function(f"{he}?._length === 20")
    _nudge(page, "Depth (hidden layers)")
    page.wait_for_function(f"{he}?._length === 21")


def test_gradient_check_page(app_tab):
    page = app_tab
    page.switch("gradient_check")
    page.wait_for_function(f"{PLOTS}.length >= 3")
    sweep = f"{PLOTS}.find(g => g._fullData?.some(t => (t.name || '').startsWith('two-sided')))"
    page.wait_for_function(f"{sweep}?._fullData?.length === 2")
    assert page.evaluate(f"{sweep}.layout.annotations.some(a => a.text === 'ε = 1e-07')")
    _nudge(page, "ε for the check")
    page.wait_for_function(f"{sweep}?.layout?.annotations?.some(a => a.text === 'ε = 1.1e-07')")
    page.goto_app("gradient_check", bug="sign")
    page.wait_for_function(f"{sweep}?._fullData?.length === 3")
    screenshot(page, "gradient_check_bug")
