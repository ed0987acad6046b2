"""AppTest of the EWMA page: every widget incl. extremes, chart content checked against the library."""
import numpy as np
import pytest
from helpers import array as decode, assert_ok, charts, open_page

from optim_viz import ewma as E

PAGE = "pages/ewma.py"


@pytest.fixture(scope="module")
def at():
    return open_page(PAGE)


def test_defaults_show_four_charts_with_the_course_numbers(at):
    assert_ok(at)
    figs = charts(at)
    assert len(figs) == 4
    main, compare, zoom, weights = figs
    theta = E.temperature_series(seed=0)
    assert [d["name"] for d in main["data"]][0] == "raw θ_t" and len(main["data"]) == 3
    # the chart shows exactly the library's corrected EWMA at β = 0.9 (default 1 − β = 0.1)
    corrected = [d for d in main["data"] if "corrected (" in d["name"] and "uncorrected" not in d["name"]][0]
    np.testing.assert_allclose(decode(corrected["y"]), E.ewma(theta, 0.9), rtol=1e-12)
    assert [d["name"] for d in compare["data"][1:]] == ["β = 0.5 (≈ 2 points)", "β = 0.9 (≈ 10 points)",
                                                         "β = 0.98 (≈ 50 points)"]
    assert len(decode(zoom["data"][0]["y"])) == 20
    assert "k ≈ 9.5" in weights["data"][1]["name"]
    metrics = [m.value for m in at.metric]
    assert metrics == ["0.9", "10"]


def test_zoom_shows_uncorrected_starting_near_zero():
    at = open_page(PAGE)
    at.select_slider(key="omb").set_value(0.02).run()  # β = 0.98
    assert_ok(at)
    zoom = charts(at)[2]
    unc = decode([d for d in zoom["data"] if "uncorrected" in d["name"]][0]["y"])
    cor = decode([d for d in zoom["data"] if "corrected (" in d["name"] and "uncorrected" not in d["name"]][0]["y"])
    raw = decode(zoom["data"][0]["y"])
    assert abs(unc[0]) < 0.05 * abs(raw[0]) and cor[0] == pytest.approx(raw[0])


def test_beta_extremes_and_every_widget():
    at = open_page(PAGE)
    at.select_slider(key="omb").set_value(0.001).run()  # β = 0.999
    assert_ok(at)
    assert at.metric[0].value == "0.999" and at.metric[1].value == "1000"
    weights = charts(at)[3]
    assert len(decode(weights["data"][0]["y"])) == 601  # capped bar count
    at.select_slider(key="omb").set_value(0.5).run()  # β = 0.5
    assert_ok(at)
    assert at.metric[0].value == "0.5"
    at.selectbox(key="series").set_value("loss").run()
    assert_ok(at)
    assert charts(at)[0]["layout"]["xaxis"]["title"]["text"] == "iteration"
    at.toggle(key="uncorr").set_value(False).run()
    assert_ok(at)
    assert len(charts(at)[0]["data"]) == 2
    at.multiselect(key="cmp").set_value([]).run()
    assert_ok(at)
    assert len(charts(at)[1]["data"]) == 1 and at.info
    at.multiselect(key="cmp").set_value([0.999, 0.5]).run()
    assert_ok(at)
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)


def test_regenerate_changes_the_noise():
    at = open_page(PAGE)
    before = decode(charts(at)[0]["data"][0]["y"])
    at.button[0].click().run()
    assert_ok(at)
    assert at.number_input(key="seed").value == 1
    after = decode(charts(at)[0]["data"][0]["y"])
    np.testing.assert_allclose(after, E.temperature_series(seed=1))
    assert not np.allclose(before, after)


def test_link_parameters_round_trip():
    at = open_page(PAGE, omb="0.02", series="loss")
    assert_ok(at)
    assert at.metric[0].value == "0.98"
    bad = open_page(PAGE, omb="2")
    assert_ok(bad)
    assert any("omb" in w.value for w in bad.warning) and bad.metric[0].value == "0.9"


@pytest.mark.parametrize("name", ["The course's three curves", "Why bias correction", "Too much smoothing",
                                  "Smoothing a training loss"])
def test_presets_apply(name):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    assert any(name in i.value for i in at.info)
    expected_beta = {"Why bias correction": "0.98", "Too much smoothing": "0.999"}.get(name)
    if expected_beta:
        assert at.metric[0].value == expected_beta
    if name == "Smoothing a training loss":
        assert at.selectbox(key="series").value == "loss"
