"""EWMA, learning-rate decay and mini-batch pages in a real browser: render and redraw on a slider
(screenshots: test_layout)."""

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


def test_ewma_renders_and_redraws_on_beta(app_tab):
    page = app_tab
    page.switch("ewma")
    page.wait_for_function(f"{PLOTS}.length >= 4 && {chart(3)}?._fullData?.length >= 3")
    assert page.evaluate(f"{chart(0)}._fullData[0]._length") == 365
    assert any("β = 0.9)" in n for n in trace_names(page, 0))
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
    press_right(page, "epochs shown")
    page.wait_for_function(f"{chart(0)}?._fullData?.find(t => t.name.startsWith('α₀ / (1 + decay_rate·epoch)'))"
                           "?._length === 31")


def test_mini_batch_renders_and_redraws_on_epochs(app_tab):
    page = app_tab
    page.switch("mini_batch")
    page.wait_for_function(f"{PLOTS}.length >= 3 && {chart(1)}?._fullData?.length >= 6")
    batch = f"{chart(1)}?._fullData?.find(t => (t.name || '').includes('(batch)'))"
    assert page.evaluate(f"{batch}._length") == 6
    press_right(page, "Epochs")
    page.wait_for_function(f"{batch}?._length === 7")
