"""AppTest of the EWMA page: every widget incl. extremes, chart content checked against the library."""
import numpy as np
import pytest

from helpers import array as decode
from helpers import assert_ok, charts, open_page, shared_page
from optim_viz import ewma as E
from optim_viz import presets

PAGE = "pages/ewma.py"


@pytest.fixture(scope="module")
def at():
    return shared_page(PAGE)


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


# ------------------------------------------------------------- every sentence, checked on the numbers shown

import json  # noqa: E402
import re  # noqa: E402

import plotly.io as pio  # noqa: E402

from helpers import decoded as _decoded  # noqa: E402
from optim_viz import figures  # noqa: E402

PRESETS = list(presets.EWMA)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def trace(fig, starts):
    return decode([d for d in fig["data"] if d["name"].startswith(starts)][0]["y"])


def numbers_after(text, phrase):
    """The number right after ``phrase`` in ``text``."""
    m = re.search(re.escape(phrase) + r"\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)
    assert m, (phrase, text)
    return float(m.group(1))


def check_every_claim(at):
    """Each number and each comparison in the page's text against the chart data (not the page's own code)."""
    main, compare, zoom, weights = charts(at)
    text = captions(at)
    beta = float(at.metric[0].value)
    theta, c = decode(main["data"][0]["y"]), trace(main, "v_t / (1 − β^t)")
    n = theta.size
    assert f"covers about {1 / (1 - beta):.0f} points" in text
    if at.selectbox(key="series").value == "temperature":
        assert f"corrected curve peaks on day {int(np.argmax(c)) + 1};" in text
        assert "season without its noise peaks on day 198" in text
    if at.toggle(key="uncorr").value:
        u = trace(main, "v_t, uncorrected")
        low = 1 - u / c  # the shortfall as the chart shows it
        assert f"starts at (1−β)·θ₁ = {u[0]:.3g}, not at 0" in text and u[0] == pytest.approx((1 - beta) * theta[0])
        w = round(1 / (1 - beta))
        if w <= n:
            assert f"is still {low[w - 1]:.0%} low" in text
        else:  # beyond the series: β^t, the shortfall the chart shows at every t, continued
            np.testing.assert_allclose(low, beta ** np.arange(1, n + 1), rtol=1e-9, atol=1e-12)
            assert f"would still be {beta**w:.0%} low (this series has {n}" in text
        t5 = int(numbers_after(text, "within 5% only from t ="))
        if t5 <= n:
            assert low[t5 - 1] <= 0.05 < low[t5 - 2]
        else:
            assert np.all(low > 0.05) and f"later than this series' {n}" in text
    # the comparison chart: windows, mean ages and roughness of the curves drawn
    shown = {float(d["name"].split()[2]): decode(d["y"]) for d in compare["data"][1:]}
    if shown:
        order = sorted(shown)
        rough = [np.sqrt(np.mean(np.diff(shown[b]) ** 2)) for b in order]
        assert ", ".join(f"{r:.3g}" for r in rough) in text
        assert ", ".join(f"{b / (1 - b):.0f}" for b in order) + " points." in text
        smoother = all(a > b for a, b in zip(rough, rough[1:]))
        assert ("The larger β, the smoother" in text) == (smoother and len(order) > 1)
    # the zoom: v₁ as a share of θ₁, and how much the correction still lifts at t = 20
    zu, zc, zt = trace(zoom, "v_t, uncorrected"), trace(zoom, "v_t / (1 − β^t)"), decode(zoom["data"][0]["y"])
    assert f"(1−β)·θ₁, {zu[0] / zt[0]:.1%} of the first point" in text and zc[0] == pytest.approx(zt[0])
    assert f"still {zc[-1] / zu[-1]:.3g}× the uncorrected one" in text
    # the weights: the 1/e point where the bars fall to today's / e, and whether 1/(1−β) is close to it
    bars = decode(weights["data"][0]["y"])
    lag = decode(weights["data"][2]["x"])[0]
    assert bars[0] * beta**lag == pytest.approx(bars[0] / np.e)
    assert f"k = −1/ln β ≈ {lag:.1f} points" in text
    assert ("close to 1/(1−β)" in text) == (abs(lag - 1 / (1 - beta)) <= 0.1 / (1 - beta))
    # the pitfall: the correction written into the recursion, run as a loop here
    v, wrong = 0.0, []
    for t in (1, 2, 3):
        v = (beta * v + (1 - beta)) / (1 - beta**t)
        wrong.append(v)
    md = " ".join(m.value for m in at.markdown)
    assert f"v₂ = {wrong[1]:.4g} and v₃ = {wrong[2]:.4g} instead of 1" in md and wrong[1] > 1 and wrong[2] > 1
    return dict(theta=theta, corrected=c, shown=shown, text=text, beta=beta)


def test_every_claim_at_the_defaults(at):
    check_every_claim(at)


@pytest.mark.parametrize("omb,series,uncorr", [(0.5, "temperature", True), (0.001, "loss", True),
                                               (0.03, "loss", False)])
def test_every_claim_when_controls_move(omb, series, uncorr):
    at = open_page(PAGE, omb=str(omb), series=series, uncorr="1" if uncorr else "0")
    assert_ok(at)
    check_every_claim(at)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_says_what_it_shows(name):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    facts = check_every_claim(at)
    note = [i.value for i in at.info if name in i.value][0]
    theta, c, shown = facts["theta"], facts["corrected"], facts["shown"]
    if name == "The course's three curves":
        assert "about 2 days), 0.9 averages about 10 days, 0.98 about 50 days" in note
        rough = {b: np.sqrt(np.mean(np.diff(shown[b]) ** 2)) for b in shown}
        assert rough[0.98] < rough[0.9] < rough[0.5]  # "smooth"
        assert np.argmax(shown[0.98]) > np.argmax(shown[0.9]) > np.argmax(shown[0.5])  # "shifted to the right"
    if name == "Why bias correction":
        u = trace(charts(at)[0], "v_t, uncorrected")
        low = 1 - u / c
        assert f"{u[0] / theta[0]:.0%} of the first temperature" in note
        assert f"After 1/(1−β) = 50 days it is still {low[49]:.0%} low" in note
        first = int(np.argmax(low <= 0.05)) + 1
        assert f"only after {first} days" in note and c[0] == pytest.approx(theta[0])
    if name == "Too much smoothing":
        assert "about 1000 points, more than the whole year of 365 days" in note and theta.size == 365 < 1000
        running = np.cumsum(theta) / np.arange(1, theta.size + 1)
        assert np.abs(c - running).max() < 0.1 * np.ptp(theta)  # "nearly the mean of all days so far"
        assert np.argmax(c) + 1 - 198 >= 60  # "lags the season by months"
    if name == "Smoothing a training loss":
        assert c[0] == pytest.approx(theta[0]) and c[0] > 0  # "with bias correction it does not start at 0"


def test_cached_pieces_give_the_figures_of_an_uncached_build(at):
    theta = E.series("temperature", 0)
    x, c, u = E.time_steps(theta), E.ewma(theta, 0.9), E.ewma(theta, 0.9, bias_correction=False)
    direct = [figures.ewma.ewma_figure(x, theta, c, u, 0.9, "day", "temperature (°F)"),
              figures.ewma.compare_figure(x, theta, [0.5, 0.9, 0.98], E.ewma(theta, [0.5, 0.9, 0.98]), "day",
                               "temperature (°F)"),
              figures.ewma.zoom_figure(x[:20], theta[:20], c[:20], u[:20], 0.9, "day", "temperature (°F)"),
              figures.ewma.weights_figure(E.weights(0.9, E.weights_horizon(0.9)), E.one_over_e_lag(0.9), 0.9)]
    for shown, built in zip(charts(at), direct):
        theirs = json.loads(pio.to_json(built.figure, validate=False))
        assert _decoded(shown["data"]) == _decoded(theirs["data"])
        assert _decoded(shown["layout"]) == _decoded(theirs["layout"])
