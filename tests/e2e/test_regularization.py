"""The Regularization lab in a real browser: every chart renders, and stepping the iteration redraws the masks."""

PLOTS = "Array.from(document.querySelectorAll('.js-plotly-plot'))"
NETWORK = f"{PLOTS}.find(g => (g.layout?.title?.text || '').startsWith('Iteration'))"


def test_regularization_renders_and_steps_through_masks(app_tab):
    page = app_tab
    page.switch("regularization")
    page.wait_for_function(f"{PLOTS}.length >= 9")
    page.wait_for_function(f"{NETWORK}?._fullData?.length === 4")
    assert page.evaluate(f"{NETWORK}.layout.title.text").startswith("Iteration 1:")
    boundary = f"{PLOTS}.find(g => (g.layout?.title?.text || '').startsWith('Decision boundary'))"
    n_train = page.evaluate(f"{boundary}._fullData.filter(t => t.name?.startsWith('train y='))"
                            ".reduce((n, t) => n + t._length, 0)")
    assert n_train == 180  # 60% of 300
    dropped = f"{NETWORK}._fullData.find(t => t.name === 'dropped unit (d = 0)')"
    before = page.evaluate(f"Array.from({dropped}.y).join(',')")

    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Training iteration").locator("input[type=range]")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{NETWORK}?.layout?.title?.text?.startsWith('Iteration 2:')")
    after = page.evaluate(f"Array.from({dropped}.y).join(',')")
    for _ in range(5):  # masks are random: some later iteration differs from iteration 1
        if after != before:
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(800)
        after = page.evaluate(f"Array.from({dropped}.y).join(',')")
    assert after != before
