"""AppTest of the Optimizer Arena: every widget driven, chart content checked against the library."""
import json

import numpy as np
import pytest

from helpers import assert_ok, charts, open_page, shared_page
from optim_viz import arena, figures, optimizers, presets, surfaces

PAGE = "pages/optimizer_arena.py"
DEFAULT_SURFACE = "ravine"


def race(at):
    return charts(at)[0]


def names_of(fig):
    return [t.get("name") for t in fig["data"]]


@pytest.fixture(scope="module")
def at():
    return shared_page(PAGE)


def test_defaults_render_race_loss_and_3d():
    at = open_page(PAGE)  # its own: it turns the 3-D view on (the shared one stays read-only)
    assert_ok(at)
    assert at.title[0].value == "Optimizer Arena"
    assert len(charts(at)) == 1  # the 3-D view is drawn on request (WebGL is slow without a GPU)
    at.toggle(key="show3d").set_value(True).run()
    figs = charts(at)
    assert len(figs) == 2
    fig = race(at)
    labels = [optimizers.SPECS[n].label for n in ("sgd", "momentum", "rmsprop", "adam")]
    # contours, click grid, minimum, start, 4 full paths, 4 loss curves, 4 moving heads, 4 loss markers, the step line
    assert len(fig["data"]) == 4 + 4 * 4 + 1
    assert all(label in names_of(fig) for label in labels)
    assert [f["name"] for f in fig["frames"]] == [str(k) for k in range(0, 301, 3)]  # every 3rd step
    assert all(f["traces"] == list(range(12, 21)) for f in fig["frames"])
    assert fig["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert [t.get("xaxis") for t in fig["data"][8:12]] == ["x2"] * 4 and fig["layout"]["yaxis2"]["type"] == "log"
    assert sum(t["type"] == "scatter3d" for t in figs[1]["data"]) == 4


def test_hyperparameter_widgets_start_at_the_library_defaults(at):
    for name in ("momentum", "rmsprop", "adam"):
        spec = optimizers.SPECS[name]
        for hp, key in (("beta", "beta"), ("beta1", "beta1"), ("beta2", "beta2")):
            if hp in spec.defaults:
                assert at.slider(key=f"{name}_{key}").value == spec.defaults[hp]
        assert at.select_slider(key=f"{name}_lr").value == arena.default_lr(surfaces.get(DEFAULT_SURFACE), name)
    # and the table reports what the library computes for those defaults
    s = surfaces.get(DEFAULT_SURFACE)
    expected = arena.results(s, arena.race(s, {n: {"lr": arena.default_lr(s, n)} for n in
                                               ("sgd", "momentum", "rmsprop", "adam")}, s.start, 300), 1e-3)
    table = at.dataframe[0].value
    assert list(table["reached"]) == [f"at step {r.steps_to_tol}" for r in expected.values()]


def test_heads_in_frames_follow_the_library_path(at):
    fig = race(at)
    s = surfaces.get(DEFAULT_SURFACE)
    from optim_viz import simulate
    p = simulate.run(optimizers.sgd(lr=arena.default_lr(s, "sgd")), s, s.start, 300)
    frame = fig["frames"][40]
    assert frame["name"] == "120"
    assert frame["data"][0]["x"][0] == pytest.approx(p.xy[120, 0, 0])
    assert frame["data"][0]["y"][0] == pytest.approx(p.xy[120, 0, 1])


@pytest.mark.parametrize("surface", surfaces.names())
def test_every_surface_runs(surface):
    at = open_page(PAGE, surface=surface)
    assert_ok(at)
    fig = race(at)
    s = surfaces.get(surface)
    assert fig["layout"]["xaxis"]["range"] == list(s.bounds[0])
    assert names_of(fig).count("minimum") == (1 if len(s.minima) else 0)
    assert at.number_input(key="x0").value == pytest.approx(s.start[0])


def test_every_optimizer_on_with_max_steps_uses_a_stated_stride():
    at = open_page(PAGE)
    at.multiselect(key="opts").set_value(list(optimizers.SPECS)).run()
    at.slider(key="steps").set_value(1000).run()
    assert_ok(at)
    fig = race(at)
    assert len(fig["data"]) == 4 + 4 * len(optimizers.SPECS) + 1
    shown = figures.arena.frame_steps(1000)
    assert [f["name"] for f in fig["frames"]] == [str(k) for k in shown]
    assert shown[0] == 0 and shown[-1] == 1000 and len(shown) <= figures.arena.MAX_FRAMES
    # every hyperparameter widget exists and can be pushed to its extremes
    for name in optimizers.SPECS:
        at.select_slider(key=f"{name}_lr").set_value(1.0)
    for key in ("momentum_beta", "nesterov_beta", "adam_beta1", "adamw_beta1"):
        at.slider(key=key).set_value(0.999)
    for key in ("rmsprop_beta2", "adam_beta2", "adamw_beta2"):
        at.slider(key=key).set_value(0.5)
    for key in ("rmsprop_eps", "adam_eps", "adagrad_eps", "adamw_eps"):
        at.select_slider(key=key).set_value(0.1)
    at.select_slider(key="adamw_wd").set_value(1.0)
    at.toggle(key="adam_bc").set_value(False)
    at.run()
    assert_ok(at)
    at.slider(key="steps").set_value(10).run()
    for name in optimizers.SPECS:
        at.select_slider(key=f"{name}_lr").set_value(1e-4)
    at.run()
    assert_ok(at)
    assert len(race(at)["frames"]) == 11


def test_divergence_is_reported_not_raised():
    at = open_page(PAGE, surface="rosenbrock")
    at.select_slider(key="sgd_lr").set_value(1.0).run()
    assert_ok(at)
    warn = " ".join(w.value for w in at.warning)
    assert "Diverged: Gradient descent at step" in warn
    table = at.dataframe[0].value
    assert table["reached"].iloc[0].startswith("diverged at step")
    # the diverged path is cut, never inf, in the chart
    fig = race(at)
    heads = fig["frames"][-1]["data"][0]
    assert heads["x"] == [None]


def test_same_learning_rate_for_all():
    at = open_page(PAGE)
    at.toggle(key="same").set_value(True).run()
    at.select_slider(key="lr").set_value(0.02).run()
    assert_ok(at)
    assert list(at.dataframe[0].value["α"]) == ["0.02"] * 4


def test_no_optimizer_shows_a_hint():
    at = open_page(PAGE)
    at.multiselect(key="opts").set_value([]).run()
    assert_ok(at)
    assert any("at least one optimizer" in i.value for i in at.info)
    fig = race(at)  # the map is still shown: the surface to race on, its minimum and the start
    assert [t["name"] for t in fig["data"]] == ["contours", "click to start here", "minimum", "start"]
    assert fig["layout"]["images"][0]["source"].startswith("data:image/png;base64,") and "frames" not in fig


def test_step_inspector_shows_adam_moments_against_formula():
    at = open_page(PAGE)
    at.selectbox(key="insp").set_value("adam").run()
    at.slider(key="t").set_value(1).run()
    assert_ok(at)
    rows = {r["quantity"]: (r["x"], r["y"]) for r in at.dataframe[1].value.to_dict("records")}
    g = np.array(rows["g"])
    # at t = 1: v = (1−β1)g, s = (1−β2)g², v̂ = g, ŝ = g², corrected step = −α·sign(g)
    np.testing.assert_allclose(rows["v"], 0.1 * g)
    np.testing.assert_allclose(rows["ŝ"], g**2, rtol=1e-9)
    alpha = arena.default_lr(surfaces.get(DEFAULT_SURFACE), "adam")
    np.testing.assert_allclose(rows["step with correction"], -alpha * np.sign(g), rtol=1e-6)
    np.testing.assert_allclose(rows["update applied"], rows["step with correction"], rtol=1e-9)
    at.toggle(key="adam_bc").set_value(False).run()
    rows = {r["quantity"]: (r["x"], r["y"]) for r in at.dataframe[1].value.to_dict("records")}
    np.testing.assert_allclose(rows["update applied"], rows["step without correction"], rtol=1e-9)


def test_click_on_map_moves_start():
    at = open_page(PAGE)
    at.session_state["_pending_start"] = (1.5, -0.5)
    at.run()
    assert_ok(at)
    assert at.number_input(key="x0").value == 1.5
    assert race(at)["data"][3]["x"] == [1.5]


def test_link_state_is_applied_and_bad_values_reported():
    at = open_page(PAGE, surface="himmelblau", steps="50", opts="adam,sgd", x0="1.0", y0="1.0")
    assert_ok(at)
    fig = race(at)
    assert len(fig["frames"]) == 51
    start = next(t for t in fig["data"] if t["name"] == "start")
    assert (start["x"], start["y"]) == ([1.0], [1.0])
    assert at.multiselect(key="opts").value == ["adam", "sgd"]
    bad = open_page(PAGE, surface="os.system", steps="1e9", x0="nan")
    assert_ok(bad)
    text = " ".join(w.value for w in bad.warning)
    assert "`surface" in text and "`steps" in text and "`x0" in text
    assert bad.selectbox(key="surface").value == DEFAULT_SURFACE


def test_custom_function_runs_every_optimizer():
    at = open_page(PAGE, surface="custom")
    at.text_input(key="expr").set_value("(1-x)**2 + 100*(y-x**2)**2").run()
    assert_ok(at)
    assert not at.error
    fig = race(at)
    assert fig["layout"]["xaxis"]["range"] == [-3, 3]
    assert "custom" in at.caption[0].value.lower() or "your function" in at.caption[0].value.lower()


@pytest.mark.parametrize("text", ["__import__('os').system('x')", "x.__class__", "9**9**9**9",
                                  "(" * 250 + "x" + ")" * 250, "lambda: 1", "z + 1", ""])
def test_hostile_or_bad_function_gives_a_message_and_a_safe_default(text, monkeypatch):
    import os
    called = []
    monkeypatch.setattr(os, "system", lambda *a: called.append(a))
    at = open_page(PAGE, surface="custom")
    at.text_input(key="expr").set_value(text).run()
    assert_ok(at)
    assert not called
    if text == "9**9**9**9":  # valid syntax: evaluates to inf in float64, never hangs
        return
    assert at.error and "Cannot use this function" in at.error[0].value


def test_custom_bounds_are_validated():
    at = open_page(PAGE, surface="custom")
    at.number_input(key="xmin").set_value(5.0).run()  # x from 5 to 3: empty range
    assert_ok(at)
    assert at.error and "Cannot use this function" in at.error[0].value
    assert race(at)["layout"]["xaxis"]["range"] == [-3, 3]


def test_custom_function_from_a_link():
    at = open_page(PAGE, surface="custom", expr="sin(x)*cos(y) + 0.1*(x**2+y**2)")
    assert_ok(at)
    assert at.text_input(key="expr").value == "sin(x)*cos(y) + 0.1*(x**2+y**2)"
    evil = open_page(PAGE, surface="custom", expr="__import__('os')")
    assert_ok(evil)
    assert evil.error


@pytest.mark.parametrize("name", list(presets.OPTIMIZER_ARENA))
def test_presets_set_up_their_demonstration(name):
    at = open_page(PAGE)
    at.slider(key="steps").set_value(20).run()  # a changed control is reset by the preset
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    note, values = presets.OPTIMIZER_ARENA[name]
    assert at.selectbox(key="surface").value == values["surface"]
    assert at.multiselect(key="opts").value == values["opts"]
    assert at.slider(key="steps").value == values["steps"]
    for k, v in values.items():
        if k.endswith("_lr"):
            assert at.select_slider(key=k).value == v
    assert any(name in i.value for i in at.info)
    res = at.dataframe[0].value
    status = "reached"
    if name == "Learning rate too high diverges":
        assert res[status].iloc[0].startswith("diverged at step")
    if name == "Adam vs SGD on Rosenbrock":
        assert res[status].iloc[1].startswith("at step") and res[status].iloc[0] == "not reached"
    if name == "Momentum jumps a local minimum":
        assert res[status].iloc[1].startswith("at step") and res[status].iloc[0] == "not reached"



def test_presentation_mode_survives_page_switch_and_is_in_the_link():
    at = open_page(PAGE, present="1")
    assert_ok(at)
    assert at.toggle(key="presentation").value is True
    assert at.query_params.get("present") in ("1", ["1"])
    assert not at.warning  # "present" is never reported as an unknown link parameter
    at.switch_page("pages/ewma.py").run()
    assert at.toggle(key="presentation").value is True
    at.switch_page("pages/optimizer_arena.py").run()
    assert at.toggle(key="presentation").value is True
    off = open_page(PAGE)
    off.toggle(key="presentation").set_value(True).run()
    assert_ok(off)
    assert off.query_params.get("present") in ("1", ["1"])


def test_export_tab_offers_downloads_and_makes_a_gif():
    at = open_page(PAGE)
    at.slider(key="_gif_frames").set_value(10)
    at.button(key="_gif_make").click().run()
    assert_ok(at)
    gif = at.session_state["_gif"][1]
    assert any("Download GIF" in b.label for b in at.get("download_button"))
    at.slider(key="steps").set_value(50).run()  # a new race: the old GIF is no longer offered
    assert not any("Download GIF" in b.label for b in at.get("download_button"))
    from io import BytesIO

    from PIL import Image
    img = Image.open(BytesIO(gif))
    assert img.format == "GIF" and img.n_frames == 10
    assert not any("_gif" in k for k in at.query_params)


def test_a_frame_stride_is_stated():
    assert any("every 11th step" in c.value for c in open_page(PAGE, steps="1000").caption)
    assert any("every 3rd step" in c.value for c in open_page(PAGE).caption)
    assert not any("step; the lines" in c.value for c in open_page(PAGE, steps="100").caption)


# ------------------------------------------------------------------ claims: the words say what the race shows

def story(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Press ▶ Play"))


def check_story(text: str, r: arena.RaceSummary) -> None:
    """Every number and comparison in the race caption is the one arena.summary computes."""
    label = lambda n: optimizers.SPECS[n].label  # noqa: E731
    if r.arrivals:
        win, k = r.arrivals[0]
        assert f"{label(win)} reached f − f* < " in text and f"first, at step {k}" in text
        for n, k in r.arrivals[1:]:
            assert f"{label(n)} ({k})" in text
    counts = ", ".join(f"{label(n)} {c}" for n, c in r.reversals.items())
    assert f"in the first {r.first} steps: {counts}." in text
    for n, k in r.diverged.items():
        assert f"{label(n)} at step {k}" in text
    calmer = [label(n) for n, c in r.reversals.items() if n != "sgd" and "sgd" in r.reversals
              and c < r.reversals["sgd"]]
    assert (f"Plain GD follows the gradient straight across the walls; {', '.join(calmer)}" in text) == bool(calmer)


def summary_of(at, tol=1e-3):
    s = surfaces.get(at.selectbox(key="surface").value)
    entries = {n: dict(arena.hyper_tuple(n, lr=at.select_slider(key=f"{n}_lr").value))
               for n in at.multiselect(key="opts").value}
    steps = at.slider(key="steps").value
    start = np.array([at.number_input(key="x0").value, at.number_input(key="y0").value])
    return arena.summary(s, arena.race(s, entries, start, steps), tol)


def test_default_race_shows_the_headline_lesson_and_says_so():
    at = open_page(PAGE)
    r = summary_of(at)
    # the first picture: GD zig-zags in the ravine, and momentum and Adam do better
    assert r.reversals["sgd"] >= 20 and r.reversals["momentum"] < r.reversals["sgd"]
    order = [n for n, _ in r.arrivals]
    assert order.index("momentum") < order.index("sgd") and order.index("adam") < order.index("sgd")
    check_story(story(at), r)


def test_race_caption_stays_true_when_a_control_moves():
    at = open_page(PAGE)
    at.select_slider(key="sgd_lr").set_value(0.025).run()  # above 2/90: GD diverges
    r = summary_of(at)
    assert "sgd" in r.diverged
    check_story(story(at), r)
    assert "Diverged: Gradient descent at step" in story(at)


def test_a_caption_with_an_edited_number_fails_the_check():
    at = open_page(PAGE)
    r = summary_of(at)
    text = story(at)
    k = r.arrivals[0][1]
    with pytest.raises(AssertionError):
        check_story(text.replace(f"at step {k}", f"at step {k + 1}"), r)
    n, c = next(iter(r.reversals.items()))
    with pytest.raises(AssertionError):
        check_story(text.replace(f"{optimizers.SPECS[n].label} {c},", f"{optimizers.SPECS[n].label} {c + 3},"), r)


@pytest.mark.parametrize("name", list(presets.OPTIMIZER_ARENA))
def test_every_preset_caption_is_true_of_its_race(name):
    from helpers import apply_preset

    at = apply_preset(PAGE, name, presets.OPTIMIZER_ARENA[name])
    check_story(story(at), summary_of(at))


def test_ravine_preset_momentum_arrives_first_with_fewer_reversals():
    from helpers import apply_preset

    at = apply_preset(PAGE, "Momentum damps the ravine", presets.OPTIMIZER_ARENA["Momentum damps the ravine"])
    r = summary_of(at)
    order = [n for n, _ in r.arrivals]
    assert order == ["momentum", "sgd"] and r.reversals["momentum"] < r.reversals["sgd"]
    h = dict(presets.OPTIMIZER_ARENA["Momentum damps the ravine"][1])
    assert h["momentum_lr"] / h["sgd_lr"] == pytest.approx(5)  # "a 5× larger α"
    assert h["sgd_lr"] < 2 / 90  # "below 2/90"


def test_inspector_says_what_bias_correction_does_with_numbers():
    at = open_page(PAGE)
    at.selectbox(key="insp").set_value("adam").run()
    at.slider(key="t").set_value(1).run()
    text = next(m.value for m in at.markdown if "bias correction divides" in m.value)
    rows = {r["quantity"]: np.array((r["x"], r["y"])) for r in at.dataframe[1].value.to_dict("records")}
    ratio = np.linalg.norm(rows["step without correction"]) / np.linalg.norm(rows["step with correction"])
    assert ratio == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-6)  # COURSE.md: ≈ 3.16α at t = 1
    assert f"{ratio:.3g}× the corrected one (larger" in text
    assert "t = 29 (β₁ = 0.9)" in text and "t = 2995 (β₂ = 0.999)" in text
    assert arena.correction_fades(0.999) == 2995 and 1 - 0.999**2995 >= 0.95 > 1 - 0.999**2994
    help_text = at.toggle(key="adam_bc").help
    assert "3.2× the corrected one (larger)" in help_text


def _race_of(at):
    s = surfaces.get(at.selectbox(key="surface").value)
    entries = {n: dict(arena.hyper_tuple(n, lr=at.select_slider(key=f"{n}_lr").value))
               for n in at.multiselect(key="opts").value}
    paths = arena.race(s, entries, s.start, at.slider(key="steps").value)
    return s, paths, arena.summary(s, paths, 1e-3)


def _final(paths, n):
    return paths[n].xy[-1, 0]


PRESET_CLAIMS = {  # each preset's note, as a check on the race the page runs
    "Momentum damps the ravine": lambda s, p, r: [n for n, _ in r.arrivals] == ["momentum", "sgd"]
    and r.reversals["momentum"] < r.reversals["sgd"],
    "RMSprop equalizes an elongated bowl": lambda s, p, r: "sgd" in r.missed
    and [n for n, _ in r.arrivals] == ["rmsprop"],
    "Adam vs SGD on Rosenbrock": lambda s, p, r: "sgd" in r.missed and [n for n, _ in r.arrivals] == ["adam"]
    and np.allclose(_final(p, "adam"), (1, 1), atol=0.01),
    "Learning rate too high diverges": lambda s, p, r: "sgd" in r.diverged and "momentum" not in r.diverged,
    "Saddle point: who escapes": lambda s, p, r: all(s.loss(_final(p, n)) > -0.01 for n in ("sgd", "momentum"))
    and all(s.loss(_final(p, n)) < -1 for n in ("rmsprop", "adam")),
    "Plateau: normalized steps cross it": lambda s, p, r: all(np.linalg.norm(_final(p, n) - s.start) < 0.01
                                                              for n in ("sgd", "momentum"))
    and {n for n, _ in r.arrivals} == {"rmsprop", "adam"},
    "Momentum jumps a local minimum": lambda s, p, r: s.loss(_final(p, "momentum")) == pytest.approx(
        s.loss(s.minima).min(), abs=1e-6) and s.loss(_final(p, "sgd")) > s.loss(s.minima).min() + 0.1,
}


@pytest.mark.parametrize("name", list(presets.OPTIMIZER_ARENA))
def test_every_preset_note_is_true_of_the_race_it_sets_up(name):
    from helpers import apply_preset

    at = apply_preset(PAGE, name, presets.OPTIMIZER_ARENA[name])
    assert PRESET_CLAIMS[name](*_race_of(at)), name


def test_cached_pieces_give_the_figure_an_uncached_build_gives():
    """The page builds its race from caches (background per surface, the race memo, the figure);
    what it shows equals one uncached build from the library."""
    from helpers import widget

    at = open_page(PAGE)
    widget(at, "momentum_lr").set_value(0.09)
    at.run()  # a moved control: the other three paths and the background come from the caches
    s, paths, _ = _race_of(at)
    expected = figures.arena.race_figure(s, paths, (float(s.start[0]), float(s.start[1]))).to_dict()
    shown = race(at)
    assert shown == json.loads(json.dumps(expected))
    at.selectbox(key="surface").set_value("beale").run()  # its background was made with every built-in one
    s, paths, _ = _race_of(at)
    expected = figures.arena.race_figure(s, paths, (float(s.start[0]), float(s.start[1]))).to_dict()
    assert race(at) == json.loads(json.dumps(expected))


def test_an_optimizer_listed_twice_in_a_link_runs_once():
    at = open_page(PAGE, opts="sgd,sgd,adam")
    assert_ok(at)
    assert at.multiselect(key="opts").value == ["sgd", "adam"]
    assert len(race(at)["frames"][0]["data"]) == 2 * 2 + 1  # two heads, two loss markers, the step line


def test_a_preset_sets_what_it_names_and_defaults_the_rest_whatever_came_before():
    """'RMSprop equalizes' hides momentum; 'Learning rate too high' must still give momentum its own α."""
    at = open_page(PAGE)
    at.select_slider(key="momentum_lr").set_value(0.08).run()
    for name in ("RMSprop equalizes an elongated bowl", "Learning rate too high diverges"):
        at.selectbox(key="_preset").set_value(name).run()
        assert_ok(at)
    assert at.select_slider(key="momentum_lr").value == 0.05
    assert not any("unknown link parameter" in w.value for w in at.warning)
    fresh = open_page(PAGE)
    fresh.selectbox(key="_preset").set_value("Learning rate too high diverges").run()
    assert race(at) == race(fresh)


def test_a_function_undefined_everywhere_says_so_before_any_race():
    for text in ("1/(x-x)", "9**9**9**9 * x", "log(-1 - x**2)"):
        at = open_page(PAGE, surface="custom", expr=text)
        assert_ok(at)
        errors = " ".join(e.value for e in at.error)
        assert "at every point" in errors, text
        assert not any("diverged" in w.value for w in at.warning), text


def test_results_table_lists_every_hyperparameter_and_3d_axis_ignores_a_diverged_run():
    at = open_page(PAGE, sgd_lr="0.025")
    table = at.dataframe[0].value
    assert list(table["other settings"]) == ["–", "β 0.9", "β₂ 0.9, ε 1e-08", "β₁ 0.9, β₂ 0.999, ε 1e-08"]
    off = open_page(PAGE, adam_bc="false", opts="adam")
    assert_ok(off)
    assert list(off.dataframe[0].value["other settings"]) == ["β₁ 0.9, β₂ 0.999, ε 1e-08, no bias correction"]
    adamw = open_page(PAGE, opts="adamw")
    assert list(adamw.dataframe[0].value["other settings"]) == ["β₁ 0.9, β₂ 0.999, ε 1e-08, λ 0.01"]  # as in its rule
    at.toggle(key="show3d").set_value(True).run()
    fig3d = charts(at)[1]
    z_hi = fig3d["layout"]["scene"]["zaxis"]["range"][1]
    surface_z = np.asarray(__import__("helpers").array(fig3d["data"][0]["z"]), float)
    assert z_hi <= surface_z.max() * 1.06
    for t in fig3d["data"][1:]:
        z = np.asarray(__import__("helpers").array(t["z"]), float)
        assert np.nanmax(z) <= z_hi


def test_race_memo_runs_only_what_changed_and_equals_a_fresh_race(monkeypatch):
    from optim_viz import simulate

    calls = []
    real = simulate.run_many

    def counting(opts, surface, start, steps, prefixes=None):
        calls.append((len(opts), steps, 0 if not prefixes else prefixes[0].xy.shape[0] - 1))
        return real(opts, surface, start, steps, prefixes)

    monkeypatch.setattr(simulate, "run_many", counting)
    s = surfaces.get("beale")
    entries = [(n, arena.hyper_tuple(n, lr=arena.default_lr(s, n))) for n in ("sgd", "momentum", "adam")]
    memo = arena.RaceRuns(max_runs=4)

    def check(got, entries, steps, bc=True):
        """Each path bit for bit one simulate.run of its optimizer (the reference)."""
        assert list(got) == [n for n, _ in entries]
        for n, h in entries:
            opt = optimizers.make(n, **dict(h), **({"bias_correction": bc} if n == "adam" else {}))
            for a, b in zip(got[n], simulate.run(opt, s, s.start, steps)):
                np.testing.assert_array_equal(a, b)

    check(memo.get(s, "beale", entries, s.start, 200), entries, 200)
    moved = [entries[0], ("momentum", arena.hyper_tuple("momentum", lr=0.02)), entries[2]]
    check(memo.get(s, "beale", moved, s.start, 200), moved, 200)
    check(memo.get(s, "beale", moved, s.start, 350), moved, 350)  # more steps: continued
    check(memo.get(s, "beale", moved, s.start, 120), moved, 120)  # fewer: a slice
    check(memo.get(s, "beale", moved, s.start, 120, False), moved, 120, False)  # Adam without bias correction
    # (optimizers run, steps, steps continued from): the first race, the moved optimizer alone, the longer race
    # continued, nothing for fewer steps, Adam alone without bias correction
    assert calls == [(3, 200, 0), (1, 200, 0), (3, 350, 200), (1, 120, 0)]
    assert len(memo) == 4  # bounded


# ------------------------------------------------------------------ issue 12: the comparison you can read

def test_every_frame_marks_its_step_on_the_loss_panel_as_on_the_map():
    """In each frame the loss markers sit on each optimizer's loss curve at that frame's step (None once it has
    diverged), the dotted line stands at that step, and the heads on the map are that step's positions."""
    from helpers import array

    at = open_page(PAGE, sgd_lr="0.025", steps="400")  # GD diverges: its marker must become a gap
    fig = race(at)
    s = surfaces.get(DEFAULT_SURFACE)
    _, paths, _ = _race_of(at)
    series, log = figures.arena.loss_series(s, paths)
    assert log and fig["layout"]["yaxis2"]["type"] == "log"
    names = list(paths)
    n = len(names)
    loss_lines = [t for t in fig["data"] if t.get("xaxis") == "x2" and t["mode"] == "lines"
                  and t["name"] != "shown step"]
    for t, name in zip(loss_lines, names):
        np.testing.assert_array_equal(array(t["y"]), series[name])
    y_range = fig["layout"]["yaxis2"]["range"]
    assert fig["layout"]["xaxis2"]["range"] == [0, 400]
    k_div = paths["sgd"].diverged_at[0]
    assert k_div > 0
    for frame in fig["frames"][::7] + fig["frames"][-1:]:
        k = int(frame["name"])
        heads, marks, rule = frame["data"][:n], frame["data"][n:2 * n], frame["data"][2 * n]
        for name, head, mark in zip(names, heads, marks):
            xy, y = paths[name].xy[k, 0], series[name][k]
            if np.isfinite(y):
                assert mark["x"] == [k] and mark["y"][0] == pytest.approx(y, rel=1e-12)
                assert head["x"][0] == pytest.approx(xy[0]) and head["y"][0] == pytest.approx(xy[1])
            else:
                assert mark["y"] == [None] and head["x"] == [None] and name == "sgd" and k >= k_div
        assert rule == {"type": "scatter", "x": [k, k]}  # its y, the panel's whole range, is the trace's own
    rule_trace = next(t for t in fig["data"] if t["name"] == "shown step")
    assert np.log10(rule_trace["y"]) == pytest.approx(y_range)


def test_the_loss_panel_keeps_its_height_with_seven_optimizers():
    """One legend above the map and the loss panel together (none of its own on the loss panel); the figure grows
    by the legend's extra rows at presentation size, so the panels keep their height (measured in the browser:
    tests/e2e/test_arena.py)."""
    few, many = open_page(PAGE, opts="adam"), open_page(PAGE, opts=",".join(optimizers.SPECS))
    f1, f7 = race(few), race(many)
    rows = [figures.arena.legend_rows([t["name"] for t in f["data"] if t.get("showlegend", True)]) for f in (f1, f7)]
    assert rows == [1, 2]  # at 20 px type in 880 px: the 1024-px projector case
    assert f7["layout"]["height"] - f1["layout"]["height"] == figures.arena.LEGEND_ROW
    assert f1["layout"]["margin"] == f7["layout"]["margin"]
    assert f1["layout"]["xaxis2"]["domain"] == f7["layout"]["xaxis2"]["domain"] == list(figures.arena.LOSS_DOMAIN)
    assert not any(t.get("showlegend", True) for t in f7["data"] if t.get("xaxis") == "x2")
    assert {t["name"] for t in f7["data"] if t.get("showlegend", True)} >= {s.label for s in optimizers.SPECS.values()}


def test_a_click_on_the_loss_panel_is_not_a_new_start():
    at = open_page(PAGE)
    fig = race(at)
    s = surfaces.get(DEFAULT_SURFACE)
    built = figures.arena.race_figure(s, _race_of(at)[1], s.start)
    for i, t in enumerate(fig["data"]):
        assert figures.arena.on_map(built, i) == (t.get("xaxis") != "x2"), i
    assert figures.arena.on_map(built, 1)  # the click grid


def test_a_diverged_run_reads_diverged_at_step_k_never_nan():
    at = open_page(PAGE, sgd_lr="1")
    assert_ok(at)
    table = at.dataframe[0].value
    k = _race_of(at)[1]["sgd"].diverged_at[0]
    assert table["final f"].iloc[0] == table["reached"].iloc[0] == f"diverged at step {k}"
    assert table["to min."].iloc[0] == "–"  # no distance from a point that left the plane
    texts = [str(v) for v in table.to_numpy().ravel()] + [e.value for e in (*at.caption, *at.markdown, *at.warning)]
    assert not any(w in t.lower().split() for t in texts for w in ("nan", "inf", "none")), texts
    # the inspector at an update the run never made says so instead of showing NaN
    at.slider(key="t").set_value(int(k) + 1).run()
    assert_ok(at)
    assert any(f"Gradient descent diverged at step {k}: update t = {k + 1} has no numbers" in w.value
               for w in at.warning)
    assert len(at.dataframe) == 1  # no inspector table of NaN
    at.slider(key="t").set_value(int(k) - 1).run()
    rows = at.dataframe[1].value
    assert np.isfinite(rows[["x", "y"]].to_numpy(float)).all()
    assert any("**Update t = " in m.value and "the animation above does not move it" in m.value for m in at.markdown)


# ------------------------------------------------------------------ issue 14: the Arena's work budget

EXPENSIVE = "/".join(f"tanh(x/y**{i})" for i in range(1, 22))[:300]  # the longest exact gradient known


def test_no_link_exceeds_seven_optimizers_times_a_thousand_steps():
    at = open_page(PAGE, steps="100000", opts=",".join([*optimizers.SPECS, *optimizers.SPECS, "sgd"]))
    assert_ok(at)
    assert at.slider(key="steps").value <= arena.MAX_STEPS
    assert len(at.multiselect(key="opts").value) <= arena.MAX_OPTIMIZERS == len(optimizers.SPECS)
    s = surfaces.get(DEFAULT_SURFACE)
    assert arena.max_steps(s, arena.MAX_OPTIMIZERS) == arena.MAX_STEPS  # built-in surfaces: the budget's own case
    assert arena.MAX_STEPS * arena.step_cost(s, arena.MAX_OPTIMIZERS) <= arena.WORK_BUDGET


def test_the_most_expensive_corner_is_cut_to_the_work_budget_and_says_so():
    at = open_page(PAGE, surface="custom", expr=EXPENSIVE, opts=",".join(optimizers.SPECS), steps="1000")
    assert_ok(at)
    s = surfaces.from_expression(EXPENSIVE)
    assert "exact" in s.note and s.grad.program.ops > 300
    limit = arena.max_steps(s, len(optimizers.SPECS))
    assert limit < 1000 and limit * arena.step_cost(s, len(optimizers.SPECS)) <= arena.WORK_BUDGET
    info = " ".join(i.value for i in at.info)
    assert f"takes {s.grad.program.ops} NumPy operations per step, so this race runs {limit} steps, not 1000" in info
    fig = race(at)
    assert fig["frames"][-1]["name"] == str(limit) and fig["layout"]["xaxis2"]["range"] == [0, limit]
    at.multiselect(key="opts").set_value(["adam"]).run()  # one optimizer: more steps fit
    assert_ok(at)
    assert race(at)["frames"][-1]["name"] == str(min(1000, arena.max_steps(s, 1)))


@pytest.mark.parametrize("expr", ["sqrt(-x**2) + y", "log(x) + 1/y", "exp(exp(exp(x)))", "x/(x - x) + y*0 + 1",
                                  "abs(x)**0.5 - sqrt(y)"])
def test_no_runtime_warning_reaches_the_server_log(expr):
    """Functions defined on a sliver of the range, overflowing or singular: the page, its 3-D view and its
    exports' figures raise no RuntimeWarning (a server would log every one)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        at = open_page(PAGE, surface="custom", expr=expr, opts=",".join(optimizers.SPECS), steps="200")
        at.toggle(key="show3d").set_value(True).run()
        assert_ok(at)
    runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not runtime, runtime
