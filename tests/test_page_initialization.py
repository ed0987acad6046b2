"""AppTest: the initialization page at defaults and at its extremes (depth 50 included)."""

import numpy as np
from helpers import array as values
from helpers import assert_ok, charts, open_page

PAGE = "pages/initialization.py"


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
    assert {t["name"].split(":")[0] for t in linear["data"] if t["mode"] == "markers"} == {"w = 1.5", "w = 1", "w = 0.5"}
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
    at.select_slider(key="scale").set_value(10.0).run()
    at.slider(key="width").set_value(300).run()
    at.selectbox(key="act").set_value("linear").run()
    assert_ok(at)
    at.slider(key="depth").set_value(1).run()
    at.slider(key="width").set_value(10).run()
    at.slider(key="nets").set_value(1).run()
    at.selectbox(key="act").set_value("tanh").run()
    at.select_slider(key="scale").set_value(1e-3).run()
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)
    at.slider(key="tdepth").set_value(20).run()
    at.slider(key="iters").set_value(100).run()
    at.select_slider(key="lr").set_value(1.0).run()
    assert_ok(at)
    at.multiselect(key="inits").set_value([]).run()
    assert_ok(at)
    assert any("at least one initialization" in w.value for w in at.warning)
    assert len(charts(at)[0]["data"]) == 2  # He only
