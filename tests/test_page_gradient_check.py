"""AppTest: the gradient-check page with each planted bug and the ε extremes."""

import numpy as np
import pytest
from helpers import apply_preset, array as values, assert_ok, charts, open_page
from optim_viz.gradcheck import PRESETS

PAGE = "pages/gradient_check.py"


def _diff(at) -> float:
    return float(at.metric[0].value)


def test_defaults_pass_the_check_and_show_bands_and_sweep():
    at = open_page(PAGE)
    assert_ok(at)
    assert _diff(at) < 1e-7
    gauge, components, sweep = charts(at)
    labels = {a["text"] for a in gauge["layout"]["annotations"]}
    assert labels == {"great", "probably fine", "look closer", "bug"}
    assert len(gauge["layout"]["shapes"]) == 4
    assert {t["name"] for t in components["data"]} >= {"per block", "W1", "b1", "W2", "b2", "W3", "b3"}
    assert sweep["layout"]["xaxis"]["type"] == "log" and sweep["layout"]["yaxis"]["type"] == "log"
    assert len(sweep["data"]) == 2  # two-sided and one-sided, no bug curve


def _block_values(at):
    per_block = next(t for t in charts(at)[1]["data"] if t["name"] == "per block")
    return dict(zip(per_block["x"], values(per_block["y"])))


def test_each_bug_is_flagged_and_located():
    at = open_page(PAGE)
    expected = {"sign": {"W2"}, "factor": {"b1"}, "l2": {"W1", "W2", "W3"}, "dropout": {"W1", "b1", "W2", "b2", "W3", "b3"}}
    for bug, broken in expected.items():
        at.selectbox(key="bug").set_value(bug).run()
        assert_ok(at)
        assert _diff(at) > 1e-3
        flagged = {b for b, v in _block_values(at).items() if v > 1e-3}
        assert flagged == broken, bug
        assert len(charts(at)[2]["data"]) == 3  # plus the bug's sweep


def test_extremes():
    at = open_page(PAGE)
    at.select_slider(key="eps").set_value(1e-12).run()
    assert_ok(at)
    assert _diff(at) > 1e-7  # round-off dominates at ε = 1e-12
    at.select_slider(key="eps").set_value(0.1).run()
    assert_ok(at)
    assert _diff(at) > 1e-5  # truncation dominates
    at.slider(key="lambd").set_value(2.0).run()
    at.selectbox(key="act").set_value("relu").run()
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)
    at.selectbox(key="act").set_value("sigmoid").run()
    at.select_slider(key="eps").set_value(1e-7).run()
    assert_ok(at)
    assert _diff(at) < 1e-7



@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_show_their_demonstration(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    bug, eps = wanted.get("bug", "none"), wanted.get("eps", 1e-7)
    if bug != "none":
        assert _diff(at) > 1e-3  # every planted bug is flagged
    elif eps == 1e-7:
        assert _diff(at) < 1e-7  # correct backprop passes
    else:
        assert _diff(at) > 1e-7  # round-off: ε far too small makes a correct gradient look wrong
    blocks = {b for b, v in _block_values(at).items() if v > 1e-3}
    expected = {"none": set(), "sign": {"W2"}, "factor": {"b1"}, "l2": {"W1", "W2", "W3"},
                "dropout": {"W1", "b1", "W2", "b2", "W3", "b3"}}[bug]
    if eps == 1e-7:
        assert blocks == expected
