"""The Arena in a real browser: it renders, redraws on a slider change, and animates with its background."""
from browser_support import SETTLED
from helpers import screenshot

RACE = "document.querySelectorAll('.js-plotly-plot')[0]"


CONTOUR_INK = (f"Array.from({RACE}.querySelectorAll('.scatterlayer .trace')[0].querySelectorAll('.js-line'))"
               ".reduce((n, p) => n + (p.getAttribute('d') || '').length, 0)")


LOSS_MARK = f"{RACE}._fullData.filter(t => t.xaxis === 'x2' && t.mode === 'markers')[0]"  # the shown step


def path_length(page):
    return page.evaluate(f"{RACE}?._fullData?.find(t => t.name === 'Gradient descent')?._length")


def test_arena_renders_redraws_and_animates(app_tab):
    page = app_tab
    page.switch("optimizer_arena")
    page.wait_for_function(f"{RACE}?._fullData?.length >= 10")
    assert path_length(page) == 301
    # the colour field is a layout image, the contour lines a scatter trace
    assert page.evaluate(f"{RACE}.querySelectorAll('image').length") >= 1

    # a slider change (steps 300 -> 310 by one key press) redraws the chart
    steps = page.locator('[data-testid="stSlider"]').filter(has_text="Steps").locator("input[type=range]")
    steps.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"{RACE}?._fullData?.find(t => t.name === 'Gradient descent')?._length === 311")

    # Play moves the head markers and the background survives the animation
    ink = page.evaluate(CONTOUR_INK)
    assert ink > 2000  # 14 iso-lines of the default ravine: ~4,700 characters of SVG path
    head = f"{RACE}._fullData.filter(t => t.mode === 'markers' && t.marker.size === 15)[0]"
    x_before = page.evaluate(f"{head}.x[0]")
    page.locator(".js-plotly-plot").first.locator(".updatemenu-button").filter(has_text="Play").first.click()
    page.wait_for_function(f"{head}.x[0] !== {x_before}")
    page.wait_for_function(f"{LOSS_MARK}?.x?.[0] >= 40")  # well into the animation
    assert page.evaluate(f"{RACE}.querySelectorAll('.layer-below image, image').length") >= 1
    assert page.evaluate(CONTOUR_INK) >= 0.9 * ink, "contour lines vanished while playing"
    screenshot(page, "arena_playing")
    assert page.evaluate(f"{head}.x[0]") != x_before


def test_clicking_the_map_moves_the_start(app_tab):
    page = app_tab
    page.switch("optimizer_arena")
    page.wait_for_function(f"{RACE}?._fullData?.length >= 10")
    start_x = page.locator('[data-testid="stNumberInput"]').filter(has_text="start x").locator("input")
    before = start_x.input_value()
    box = page.locator(".js-plotly-plot").first.locator(".nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    page.wait_for_function(
        "(b) => document.querySelector('[data-testid=\"stNumberInput\"] input')?.value !== b", arg=before)
    x = float(start_x.input_value())
    assert 0.5 < x < 3.5  # three quarters across the bowl's x range [-4, 4]
    page.wait_for_function(f"Math.abs({RACE}?._fullData?.find(t => t.name === 'start')?.x?.[0] - {x}) < 1e-6")


def test_preset_updates_the_controls_the_user_sees(app_tab):
    page = app_tab
    page.switch("optimizer_arena")
    page.wait_for_function(f"{RACE}?._fullData?.length >= 10")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Classic demonstrations").click()
    page.get_by_role("option", name="Adam vs SGD on Rosenbrock").click()
    page.wait_for_function(f"{RACE}?._fullData?.filter(t => t.name === 'minimum')[0]?.x?.[0] === 1")
    steps = page.locator('[data-testid="stSlider"]').filter(has_text="Steps")
    page.wait_for_function("() => document.body.innerText.includes('Rosenbrock banana valley')")
    assert "1000" in steps.inner_text()
    # another change keeps the preset's values (the browser must not send the old ones back)
    page.locator('[data-testid="stSlider"]').filter(has_text="Steps").locator("input[type=range]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(f"{RACE}?._fullData?.find(t => t.name === 'Adam')?._length === 991")
    assert page.evaluate(f"{RACE}._fullData.find(t => t.name === 'minimum').x[0]") == 1


def test_the_loss_panel_marks_the_step_the_animation_shows(app_tab):
    """While the race plays, the loss panel's markers and its dotted line stand at the step the map's heads show
    (one figure, one frame for both); after Pause all three agree with the step slider."""
    page = app_tab
    page.switch("optimizer_arena")
    page.wait_for_function(f"{RACE}?._fullData?.length >= 20")
    mark = LOSS_MARK
    rule = f"{RACE}._fullData.find(t => t.name === 'shown step')"
    head = f"{RACE}._fullData.filter(t => t.mode === 'markers' && t.marker.size === 15)[0]"
    path = f"{RACE}._fullData.find(t => t.name === 'Gradient descent' && t.xaxis !== 'x2')"
    curve = f"{RACE}._fullData.find(t => t.name === 'Gradient descent' && t.xaxis === 'x2')"
    assert page.evaluate(f"{mark}.x[0]") == 0 and page.evaluate(f"{rule}.x[0]") == 0
    buttons = page.locator(".js-plotly-plot").first.locator(".updatemenu-button")
    buttons.filter(has_text="Play").first.click()
    page.wait_for_function(f"{mark}?.x?.[0] >= 40")
    moving = page.evaluate(f"[{mark}.x[0], {rule}.x[0]]")
    assert moving[0] >= 40 and moving[1] >= 40  # both move while playing
    buttons.filter(has_text="Pause").first.click()
    page.wait_for_timeout(500)
    k = page.evaluate(f"{mark}.x[0]")
    assert page.evaluate(f"Array.from({rule}.x)") == [k, k]
    assert abs(page.evaluate(f"{head}.x[0]") - page.evaluate(f"{path}.x[{k}]")) < 1e-9
    assert abs(page.evaluate(f"{mark}.y[0]") / page.evaluate(f"{curve}.y[{k}]") - 1) < 1e-9
    assert k % 3 == 0 and page.evaluate(f"{RACE}._fullLayout.sliders[0].active") == k // 3  # every 3rd step
    screenshot(page, "arena_step_marked")


def test_seven_optimizers_leave_the_panels_their_height_on_a_projector(page):
    """1024 × 768 in presentation mode: with all seven optimizers the legend takes two rows, and the map and the
    loss panel are still as tall as with one optimizer (the figure grows instead), and Play/Pause do not cover
    the step slider."""
    page.set_viewport_size({"width": 1024, "height": 768})
    heights = []
    for opts in ("adam", "sgd,momentum,nesterov,rmsprop,adam,adagrad,adamw"):
        page.goto_app(f"optimizer_arena?present=1&opts={opts}")
        page.wait_for_function(f"{RACE}?._fullLayout?.yaxis2?._length > 0 && "
                               f"{RACE}._fullData.filter(t => t.xaxis === 'x2' && t.mode === 'lines').length "
                               f"=== {len(opts.split(',')) + 1}")
        page.evaluate(SETTLED)  # automargin redraws the chart after it first appears
        heights.append(page.evaluate(f"[{RACE}._fullLayout.yaxis2._length, {RACE}._fullLayout.yaxis._length]"))
        buttons = page.locator(".js-plotly-plot").first.locator(".updatemenu-button").last.bounding_box()
        rail = page.locator(".js-plotly-plot").first.locator(".slider-rail-rect, .slider-bar").first.bounding_box()
        assert buttons["x"] + buttons["width"] <= rail["x"] + 1, (buttons, rail)
    screenshot(page, "arena_present_1024_seven")
    (loss1, map1), (loss7, map7) = heights
    assert loss7 >= 0.97 * loss1 and map7 >= 0.97 * map1, heights
