"""The Batch normalization page in a real browser: its four charts render, and moving the layer slider redraws."""
import re

PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
DRIFT = f"{PLOTS}.find(g => (g.layout?.annotations || []).some(a => (a.text || '').startsWith('Without batch norm')))"


def test_batch_norm_page(app_tab):
    page = app_tab
    page.switch("batch_norm")
    page.wait_for_function(f"{PLOTS}.length >= 4", timeout=90_000)
    cost = f"{PLOTS}.find(g => g._fullData?.some(t => t.name === 'with batch norm'))"
    page.wait_for_function(f"{cost}?._fullData?.length === 2")
    page.wait_for_function(f"{DRIFT}?.layout?.annotations?.[0]?.text === 'Without batch norm: z[2] = W a + b'")
    assert page.evaluate(f"{DRIFT}._fullData.filter(t => t.name.startsWith('unit 1: median')).length") == 2
    slider = page.locator('[data-testid="stSlider"]').filter(has_text=re.compile("^Hidden layer to inspect"))
    slider.locator('input[type="range"]').focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{DRIFT}?.layout?.annotations?.[0]?.text === 'Without batch norm: z[3] = W a + b'")
