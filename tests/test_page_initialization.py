"""AppTest: the initialization page at defaults and at its extremes (depth 50 included)."""

import re

import numpy as np
import pytest

from helpers import apply_preset, assert_ok, charts, open_page
from helpers import array as values
from optim_viz.presets import INITIALIZATION as PRESETS

PAGE = "pages/initialization.py"
DEFAULT_ITERS = 300  # the "Iterations" slider's default


def _line(fig, prefix, col=1):
    axis = "y" if col == 1 else f"y{col}"
    return next(t for t in fig["data"] if t["name"].startswith(prefix) and t.get("yaxis", "y") == axis)


def _values(trace):
    v = values(trace["y"])
    return list(v[np.isfinite(v)])


def test_defaults():
    at = open_page(PAGE)
    assert_ok(at)
    stats, linear, symmetry, training = charts(at)
    assert len(stats["data"]) == 12  # 6 initializations × (spread, gradient)
    assert stats["layout"]["yaxis"]["type"] == "log"
    he = _values(_line(stats, "He"))
    assert len(he) == 20 and max(he) / min(he) < 3
    rnd = _values(_line(stats, "Random"))
    assert rnd[-1] / rnd[0] < 1e-10  # randn · 0.01 vanishes
    assert _values(_line(stats, "Zeros")) == []  # all zero: nothing on a log axis
    assert "(all zero)" in _line(stats, "Zeros")["name"]
    markers = {t["name"].split(":")[0] for t in linear["data"] if t["mode"] == "markers"}
    assert markers == {"w = 1.5", "w = 1", "w = 0.5"}
    assert len(symmetry["data"]) == 18  # 6 units × zeros, constant, He
    titles = [a["text"] for a in symmetry["layout"]["annotations"]]
    assert len(titles) == 3 and "He" in titles[2]
    names = [t["name"] for t in training["data"]]
    assert any(n.startswith("He") and "% train accuracy" in n for n in names)


def test_depth_50_and_extremes():
    at = open_page(PAGE)
    at.slider(key="depth").set_value(50).run()
    assert_ok(at)
    stats = charts(at)[0]
    assert len(values(_line(stats, "He")["y"])) == 50 and len(values(_line(stats, "He", col=2)["y"])) == 51
    at.select_slider(key="scale").set_value(1.0).run()
    assert_ok(at)
    rnd = _values(_line(charts(at)[0], "Random"))
    assert rnd[-1] / rnd[0] > 1e30  # randn · 1.0 explodes
    # several controls at once, one rerun each group (only the page after the last move is checked)
    at.select_slider(key="scale").set_value(10.0)
    at.slider(key="width").set_value(300)
    at.selectbox(key="act").set_value("linear").run()
    assert_ok(at)
    at.slider(key="depth").set_value(1)
    at.slider(key="width").set_value(10)
    at.slider(key="nets").set_value(1)
    at.selectbox(key="act").set_value("tanh")
    at.select_slider(key="scale").set_value(1e-3)
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)
    at.slider(key="iters").set_value(100)
    at.slider(key="tdepth").set_value(20)
    at.select_slider(key="lr").set_value(1.0).run()
    assert_ok(at)
    at.multiselect(key="inits").set_value([]).run()
    assert_ok(at)
    assert any("at least one initialization" in w.value for w in at.warning)
    assert len(charts(at)[0]["data"]) == 2  # He only



@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_show_their_demonstration(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    stats, linear, symmetry, training = charts(at)

    def growth(prefix):  # last layer's spread over the first's
        v = _values(_line(stats, prefix))
        return v[-1] / v[0]

    if name.startswith("Zeros"):
        # zeros and constant: the 6 units' weight lines coincide; He's spread apart
        panels = {}
        for t in symmetry["data"]:
            panels.setdefault(t.get("xaxis", "x"), []).append(values(t["y"]))
        zeros, constant, he = (np.array(panels[k]) for k in ("x", "x2", "x3"))
        assert np.ptp(zeros, axis=0).max() == 0 and np.ptp(constant, axis=0).max() < 1e-12
        assert np.ptp(he[:, -1]) > 0.1
        titles = [a["text"] for a in symmetry["layout"]["annotations"]]
        assert titles[0].endswith("max unit difference 0")
        acc = {t["name"].split(":")[0]: float(t["name"].split(": ")[-1].split("%")[0]) for t in training["data"]}
        assert acc["Zeros"] <= 55 and acc["Constant (= scale)"] <= 55 and acc["He"] > 90
    elif name.startswith("Scale 1.0"):
        assert growth("Random") > 1e10 and 1 / 3 < growth("He") < 3
    elif name.startswith("Xavier with tanh"):
        assert growth("Xavier") > 0.1 and growth("Random") < 1e-10
    elif name.startswith("He with ReLU"):
        assert len(_values(_line(stats, "He"))) == 50
        assert 1 / 3 < growth("He") < 3 and growth("Xavier") < 1e-5
    else:  # the deep linear network: 1.5^l explodes, 0.5^l vanishes, markers on the closed form
        ends = {t["name"].split(":")[0]: values(t["y"])[-1] for t in linear["data"] if t["mode"] == "markers"}
        layers = wanted["depth"]
        assert ends["w = 1.5"] == pytest.approx(1.5 ** layers * np.sqrt(2), rel=1e-9) and ends["w = 1.5"] > 1e6
        assert ends["w = 0.5"] == pytest.approx(0.5 ** layers * np.sqrt(2), rel=1e-9) and ends["w = 0.5"] < 1e-10
        assert growth("He") > 1e4 and 1 / 3 < growth("Xavier") < 3


def test_cached_pieces_give_the_uncached_figures():
    """Statistics are cached per initialization (a scale move recomputes only random and constant): after moving
    the scale, the figures equal one uncached build."""
    from helpers import decoded as _decoded
    from optim_viz import depth
    from optim_viz.figures import initialization as draw

    at = open_page(PAGE)
    at.select_slider(key="scale").set_value(0.05).run()
    assert_ok(at)
    stats = depth.all_layer_stats(list(depth.INITS), 20, 100, "relu", 0.05, nets=4)
    want = [draw.layer_stats(stats, depth.INITS), draw.linear_example(20, depth.linear_examples(20)),
            draw.symmetry({k: depth.symmetry_run(k, "relu", scale=0.05) for k in ("zeros", "constant", "he")},
                                 depth.INITS),
            draw.training(depth.training_runs(list(depth.INITS), 5, 10, "relu", DEFAULT_ITERS, 0.1, 0.05),
                                 depth.INITS)]
    for got, ref in zip(charts(at), want):
        assert _decoded(got) == _decoded(ref.to_dict())


def test_heavy_settings_show_a_status_box():
    from optim_viz import depth

    at = open_page(PAGE)
    assert not at.status and not at.info  # the defaults take well under a second and fit the budgets
    at.slider(key="iters").set_value(2000).run()
    at.slider(key="tdepth").set_value(10).run()
    assert_ok(at)
    fit = depth.affordable_iterations(6, 10, 2000, "relu")
    assert 100 <= fit < 2000
    assert any(f"Training 6 networks for {fit:,} iterations" in s.label for s in at.status)
    assert any("for 2,000 iterations would be about" in i.value and f"**{fit:,} iterations**" in i.value
               for i in at.info)


CORNER = dict(depth="50", width="300", nets="8", tdepth="20", iters="2000", act="tanh", seed="4321")


def test_the_most_expensive_link_stays_within_the_work_budgets(monkeypatch):
    from optim_viz import depth

    stats_spent, train_spent = [], []
    real_stats, real_train = depth.layer_stats, depth.train_side_by_side

    def stats(n_layers, width, hidden, method, scale, m=64, seed=0, nets=1, draws=None):
        stats_spent.append(depth.stats_work(1, n_layers, width, nets, m))
        return real_stats(n_layers, width, hidden, method, scale, m=m, seed=seed, nets=nets, draws=draws)

    def train(nets, X, Y, lr, iterations, hidden="relu", **kw):
        if len(nets[0]) > 6:  # section 4 (section 3's fixed two-layer symmetry runs are not budgeted)
            train_spent.append(depth.training_work(len(nets), len(nets[0]) // 2 - 1, iterations, hidden))
        return real_train(nets, X, Y, lr, iterations, hidden, **kw)

    monkeypatch.setattr(depth, "layer_stats", stats)
    monkeypatch.setattr(depth, "train_side_by_side", train)
    at = open_page(PAGE, **CORNER)
    assert_ok(at)
    assert len(charts(at)) == 4
    assert 0 < sum(stats_spent) <= depth.STATS_BUDGET and 0 < sum(train_spent) <= depth.TRAIN_BUDGET
    nets, batch = depth.affordable_stats(6, 50, 300, 8)
    fit = depth.affordable_iterations(6, 20, 2000, "tanh")
    told = " ".join(i.value for i in at.info)
    assert f"averages **{nets} network" in told and f"batch of **{batch} examples**" in told
    assert "for 2,000 iterations would be about" in told and f"**{fit:,} iterations**" in told


def test_budget_functions_fit_and_the_defaults_and_presets_are_not_reduced():
    from optim_viz import depth

    for n, d, w, k in [(6, 50, 300, 8), (6, 20, 100, 4), (2, 50, 100, 4), (6, 20, 300, 4), (1, 1, 10, 1)]:
        nets, m = depth.affordable_stats(n, d, w, k)
        assert 1 <= nets <= k and depth.MIN_BATCH <= m <= depth.BATCH
        assert depth.stats_work(n, d, w, nets, m) <= depth.STATS_BUDGET
        if (nets, m) != (k, depth.BATCH):  # reduced as little as the budget needs
            assert depth.stats_work(n, d, w, nets + 1 if m == depth.BATCH else 1, m + 1) > depth.STATS_BUDGET
    for n, d, it, hidden in [(6, 20, 2000, "tanh"), (6, 5, 300, "tanh"), (6, 5, 2000, "relu"), (1, 1, 2000, "relu")]:
        fit = depth.affordable_iterations(n, d, it, hidden)
        assert 10 <= fit <= it and depth.training_work(n, d, fit, hidden) <= depth.TRAIN_BUDGET
    for wanted in [{}] + [p[1] for p in PRESETS.values()]:
        n = len(wanted.get("inits", depth.INITS))
        assert depth.affordable_stats(n, wanted.get("depth", 20), wanted.get("width", 100), 4) == (4, depth.BATCH)
        for hidden in ("relu", "tanh", "linear"):
            assert depth.affordable_iterations(n, 5, DEFAULT_ITERS, hidden) == DEFAULT_ITERS


def test_overflow_is_said_in_words_never_nan():
    at = open_page(PAGE, scale="10", depth="50", width="300")
    assert_ok(at)
    texts = [e.value for kind in ("markdown", "caption", "info", "warning") for e in getattr(at, kind)]
    texts += [a["text"] for c in charts(at) for a in c["layout"].get("annotations", [])]
    texts += [t.get("name") or "" for c in charts(at) for t in c["data"]]
    words = " ".join(texts)
    assert not re.search(r"\b(nan|inf)\b", words, re.IGNORECASE), words
    assert "overflow" in words


def _caption(at, start: str) -> str:
    return next(c.value for c in at.caption if start in c.value)


def _view_sentence_holds(at, n_layers: int):
    """"In this view": each initialization's word and factor, recomputed from the chart's own line."""
    stats = charts(at)[0]
    text = _caption(at, "In this view")
    for t in stats["data"]:
        if t.get("yaxis", "y") != "y":
            continue
        name = t["name"].split(":")[0].split(" (all zero)")[0].split(" (overflow)")[0]
        v = values(t["y"])
        if "(overflow)" in t["name"]:
            assert f"{name} overflows" in text
        elif not np.isfinite(v).any():
            assert f"{name} all zero" in text
        else:
            g = v[-1] / v[0]
            word = "flat" if 1 / 3 < g < 3 else "vanishes" if g < 1 else "explodes"
            assert f"{name} {word} (×{g:.2g} from layer 1 to {n_layers})" in text, name


def test_default_sentences_are_computed_and_true():
    at = open_page(PAGE)
    _view_sentence_holds(at, 20)
    sym = charts(at)[2]
    text = _caption(at, "max unit difference")
    titles = [a["text"] for a in sym["layout"]["annotations"]]
    for title, name in zip(titles, ("zeros", "constant", "He")):
        spread = title.split("max unit difference ")[1]
        assert f"{spread} ({name})" in text or f"{spread} for {name}" in text
    zeros = np.array([values(t["y"]) for t in sym["data"] if t.get("xaxis", "x") == "x"])
    assert ("With zeros nothing moves at all" in text) == (np.ptp(zeros) == 0)
    train = _caption(at, "Full-batch gradient descent")
    stuck = [t["name"].split(":")[0] for t in charts(at)[3]["data"]
             if abs(values(t["y"])[-1] - np.log(2)) < 0.01]
    assert f"after {DEFAULT_ITERS} iterations here: {', '.join(stuck) if stuck else 'none'}." in train
    assert "He" not in train.split("here:")[1].split(".")[0]  # He learns


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_note_numbers_hold(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    _view_sentence_holds(at, wanted.get("depth", 20))
    stats = charts(at)[0]

    def line(prefix):
        return _values(_line(stats, prefix))

    if name.startswith("Scale 1.0"):  # "about √(n/2) ≈ 7 per layer"
        v = line("Random")
        per_layer = (v[-1] / v[0]) ** (1 / (len(v) - 1))
        assert 5 < per_layer < 9 and np.sqrt(100 / 2) == pytest.approx(7.07, abs=0.01)
    elif name.startswith("Xavier with tanh"):  # "randn · 0.01 vanishes by about 20 orders of magnitude"
        v = line("Random")
        assert -25 < np.log10(v[-1] / v[0]) < -15
    elif name.startswith("He with ReLU"):  # "after 50 layers about 2^25 ≈ 3·10⁷ times smaller"
        ratio = line("He")[-1] / line("Xavier")[-1]
        assert 3e6 < ratio < 3e8 and 2 ** 25 == pytest.approx(3.4e7, rel=0.02)


def test_more_iterations_continue_the_shorter_run_and_give_the_uncached_figure():
    from helpers import decoded as _decoded
    from optim_viz import depth
    from optim_viz.figures import initialization as draw

    at = open_page(PAGE, iters="200", seed="77")
    at.slider(key="iters").set_value(500).run()  # continues the 200-iteration runs of both groups
    assert_ok(at)
    want = draw.training(depth.training_runs(list(depth.INITS), 5, 10, "relu", 500, 0.1, 0.01, seed=77), depth.INITS)
    assert _decoded(charts(at)[3]) == _decoded(want.to_dict())
