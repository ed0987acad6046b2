"""EWMA, learning-rate decay and mini-batch pages in a real browser: render, redraw on a slider, screenshot."""
from helpers import screenshot

PLOTS = "document.querySelectorAll('.js-plotly-plot')"


def chart(i: int) -> str:
    return f"{PLOTS}[{i}]"


def trace_names(page, i: int) -> list:
    return page.evaluate(f"({chart(i)}?._fullData || []).map(t => t.name)")


def press_right(page, label: str, times: int = 1):
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=label).locator('input[type="range"]').first
    slider.focus()
    for _ in range(times):
        page.keyboard.press("ArrowRight")


def shot_of_chart(page, i: int, name: str):
    """Scroll chart i into view (Streamlit scrolls inside its own container) and save a screenshot."""
    page.locator(".js-plotly-plot").nth(i).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, name)


def test_ewma_renders_and_redraws_on_beta(app_tab):
    page = app_tab
    page.switch("ewma")
    page.wait_for_function(f"{PLOTS}.length >= 4 && {chart(3)}?._fullData?.length >= 3")
    assert page.evaluate(f"{chart(0)}._fullData[0]._length") == 365
    assert any("β = 0.9)" in n for n in trace_names(page, 0))
    screenshot(page, "ewma")
    shot_of_chart(page, 1, "ewma_compare")
    shot_of_chart(page, 3, "ewma_zoom_weights")
    press_right(page, "1 − β")  # the next 1 − β on the log scale: β goes down a notch
    page.wait_for_function(f"({chart(0)}?._fullData || []).length === 3 && "
                           f"!{chart(0)}._fullData.some(t => (t.name || '').includes('β = 0.9)'))")
    beta = 1 - float(page.url.split("omb=")[1].split("&")[0])
    assert 0.5 <= beta < 0.9
    assert any(f"β = {beta:g})" in n for n in trace_names(page, 0))


def test_lr_decay_renders_and_redraws_on_epochs(app_tab):
    page = app_tab
    page.switch("lr_decay")
    page.wait_for_function(f"{PLOTS}.length >= 3 && {chart(0)}?._fullData?.length >= 5")
    inv = f"{chart(0)}._fullData.find(t => t.name.startsWith('α₀ / (1 + decay_rate·epoch)'))"
    assert page.evaluate(f"{inv}._length") == 30
    page.get_by_text("0.067").first.wait_for()
    screenshot(page, "lr_decay")
    page.locator('[data-testid="stTable"]').first.scroll_into_view_if_needed()
    screenshot(page, "lr_decay_table")
    shot_of_chart(page, 2, "lr_decay_demo")
    press_right(page, "epochs shown")
    page.wait_for_function(f"{chart(0)}?._fullData?.find(t => t.name.startsWith('α₀ / (1 + decay_rate·epoch)'))"
                           "?._length === 31")


def test_mini_batch_renders_and_redraws_on_epochs(app_tab):
    page = app_tab
    page.switch("mini_batch")
    page.wait_for_function(f"{PLOTS}.length >= 3 && {chart(1)}?._fullData?.length >= 6")
    batch = f"{chart(1)}?._fullData?.find(t => (t.name || '').includes('(batch)'))"
    assert page.evaluate(f"{batch}._length") == 6
    screenshot(page, "mini_batch")
    shot_of_chart(page, 1, "mini_batch_paths")
    page.locator('[data-testid="stTable"]').first.scroll_into_view_if_needed()
    screenshot(page, "mini_batch_table")
    press_right(page, "Epochs")
    page.wait_for_function(f"{batch}?._length === 7")
