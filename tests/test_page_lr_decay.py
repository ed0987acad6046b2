"""AppTest of the learning-rate decay page: the course's table, every widget incl. extremes, the demo."""

import numpy as np
import pytest
from helpers import array as decode, assert_ok, charts, open_page

from optim_viz import schedules as S

PAGE = "pages/lr_decay.py"
INV = "α₀ / (1 + decay_rate·epoch)"


@pytest.fixture(scope="module")
def at():
    return open_page(PAGE)


def test_table_shows_the_course_values(at):
    assert_ok(at)
    table = at.table[0].value
    assert list(table[INV][:4]) == ["0.1", "0.067", "0.05", "0.04"]
    assert list(table["epoch"][:4]) == [1, 2, 3, 4]


def test_schedule_chart_matches_the_library(at):
    fig = charts(at)[0]
    assert len(fig["data"]) == 5
    inv = [d for d in fig["data"] if d["name"] == INV][0]
    np.testing.assert_allclose(decode(inv["x"]), np.arange(1, 31))
    np.testing.assert_allclose(decode(inv["y"]), S.inverse_time(0.2, 1.0)(np.arange(1, 31)))
    exp = [d for d in fig["data"] if d["name"] == "base^epoch · α₀"][0]
    np.testing.assert_allclose(decode(exp["y"]), 0.2 * 0.95 ** np.arange(1, 31))


def test_demo_decay_settles_closer(at):
    cost_fig, path_fig = charts(at)[1:3]
    assert [d["name"] for d in cost_fig["data"]] == ["constant α = α₀", f"decay: {INV}"]
    const, decay = (decode(d["y"]) for d in cost_fig["data"])
    assert np.mean(decay[-20:]) < np.mean(const[-20:]) / 5
    summary = at.table[1].value
    assert summary.shape[0] == 2
    assert path_fig["data"][0]["type"] == "contour"


def test_every_schedule_and_extremes():
    at = open_page(PAGE)
    at.multiselect(key="show").set_value(["inverse_time", "exponential", "inverse_sqrt", "inverse_sqrt_step",
                                          "staircase", "interval", "cosine", "warmup"]).run()
    assert_ok(at)
    fig = charts(at)[0]
    assert len(fig["data"]) == 8
    dotted = [d["name"] for d in fig["data"] if d["line"].get("dash") == "dot"]
    assert len(dotted) == 2 and all("beyond the course" in n for n in dotted)
    for key, lo, hi in [("rate", 0.0, 5.0), ("base", 0.5, 0.99), ("k", 0.1, 2.0), ("drop", 0.1, 0.9),
                        ("every", 1, 50), ("interval", 1, 50), ("warm", 1, 20), ("epochs", 4, 100),
                        ("upe", 1, 200)]:
        for v in (lo, hi):
            at.slider(key=key).set_value(v).run()
            assert_ok(at)
    at.select_slider(key="lr0").set_value(0.001).run()
    assert_ok(at)
    at.select_slider(key="lr0").set_value(1.0).run()
    at.toggle(key="logy").set_value(True).run()
    assert_ok(at)
    assert charts(at)[0]["layout"]["yaxis"]["type"] == "log"
    at.multiselect(key="show").set_value([]).run()
    assert_ok(at)
    assert at.info


def test_demo_widgets_and_extremes():
    at = open_page(PAGE)
    at.slider(key="depochs").set_value(5).run()
    at.selectbox(key="bs").set_value(1).run()
    assert_ok(at)
    at.selectbox(key="bs").set_value(256).run()
    at.selectbox(key="dsched").set_value("staircase").run()
    assert_ok(at)
    at.selectbox(key="opt").set_value("adam").run()
    assert_ok(at)
    assert at.select_slider(key="dlr").value == 0.05  # Adam's own default α₀
    at.select_slider(key="dlr").set_value(3.0).run()
    assert_ok(at)
    at.selectbox(key="opt").set_value("momentum").run()
    at.selectbox(key="dsched").set_value("warmup").run()
    assert_ok(at)
    at.select_slider(key="dlr").set_value(0.001).run()
    assert_ok(at)
    assert len(charts(at)) == 3


def test_bad_link_parameters_fall_back():
    at = open_page(PAGE, lr0="50", rate="x")
    assert_ok(at)
    text = " ".join(w.value for w in at.warning)
    assert "lr0" in text and "rate" in text
    assert list(at.table[0].value[INV][:4]) == ["0.1", "0.067", "0.05", "0.04"]


@pytest.mark.parametrize("name", ["The course's example", "All course schedules", "Decay too fast",
                                  "Adam with and without decay"])
def test_presets_apply(name):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    assert any(name in i.value for i in at.info)
    if name == "The course's example":
        assert len(charts(at)[0]["data"]) == 1
        assert list(at.table[0].value[INV][:4]) == ["0.1", "0.067", "0.05", "0.04"]
    if name == "All course schedules":
        assert len(charts(at)[0]["data"]) == 6
    if name == "Decay too fast":  # here the decayed run ends further from the minimum than the constant one
        const, decay = (decode(d["y"]) for d in charts(at)[1]["data"])
        assert np.mean(decay[-20:]) > 10 * np.mean(const[-20:])
    if name == "Adam with and without decay":
        assert at.selectbox(key="opt").value == "adam" and at.select_slider(key="dlr").value == 0.05
