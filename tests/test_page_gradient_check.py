"""AppTest: the gradient-check page with each planted bug and the ε extremes."""

import numpy as np
import pytest

from helpers import apply_preset, assert_ok, charts, open_page
from helpers import array as values
from optim_viz.presets import GRADIENT_CHECK as PRESETS

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
    expected = {"sign": {"W2"}, "factor": {"b1"}, "l2": {"W1", "W2", "W3"},
                "dropout": {"W1", "b1", "W2", "b2", "W3", "b3"}}
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


def _caption(at, start: str) -> str:
    return next(c.value for c in at.caption if start in c.value)


def _claims_hold(at, bug: str, eps: float, lambd: float = 0.0, hidden: str = "tanh", seed: int = 0):
    """Every number and diagnosis in the page's text, recomputed from the library and read off the charts."""
    from optim_viz import gradcheck as G

    diff = _diff(at)
    band = G.band(diff)
    assert any(m.value.startswith(f"**{band.verdict}.**") for m in at.markdown)  # the verdict is the band's
    gauge = charts(at)[0]
    assert [a["text"] for a in gauge["layout"]["annotations"]] == [b.label for b in G.BANDS]
    assert G.reading() in _caption(at, "The course's reading")
    flagged = [b for b, v in _block_values(at).items() if not v < G.CLOSER.lo]
    assert f"or more (look closer or bug): {', '.join(flagged) if flagged else 'none'}." in _caption(at, "Blocks at")
    sweep = charts(at)[2]
    two = values(sweep["data"][0]["y"])
    grid = G.EPS_GRID
    text = _caption(at, "V-shaped")
    best = int(np.argmin(two))
    assert f"bottoms out near ε = {grid[best]:.0e} ({two[best]:.1e})" in text
    used = G.effective_lambda(bug, lambd)
    at_eps = G.clean_difference(used, hidden, eps, seed)
    arm = "round-off" if np.log10(eps / grid[best]) < -0.5 else "truncation" if np.log10(eps / grid[best]) > 0.5 \
        else "bottom"
    assert {"round-off": "on the round-off arm", "truncation": "on the truncation arm",
            "bottom": "at the bottom of the V"}[arm] in text and f"reads {at_eps:.1e}" in text
    tiny, course = two[0], two[np.argmin(np.abs(np.log10(grid / 1e-7)))]
    assert tiny > course and f"gives {tiny / course:,.0f}× the error of ε = 1e-7" in text
    if bug != "none":
        red = values(sweep["data"][2]["y"])
        assert red.min() > G.BUG.lo and f"never reads below {red.min():.1e} for any ε" in text
    return diff


def test_default_text_is_computed_and_true():
    at = open_page(PAGE)
    diff = _claims_hold(at, "none", 1e-7)
    assert diff < 1e-7
    text = _caption(at, "V-shaped")
    assert "near ε = 1e-05" in text and "on the round-off arm" in text  # not "in the flat bottom"


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_text_is_true(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    bug, eps = wanted.get("bug", "none"), wanted.get("eps", 1e-7)
    diff = _claims_hold(at, bug, eps, wanted.get("lambd", 0.0))
    from optim_viz import gradcheck as G

    if name.startswith("Correct backprop"):  # "far below 1e-7, in the green “great” band"
        assert G.band(diff) is G.GREAT and diff < 1e-8
    elif name.startswith("ε too small"):  # "thousands of times worse than at ε = 1e-7, outside the green band"
        assert G.band(diff) is not G.GREAT and diff > 1000 * G.clean_difference(0.0, "tanh", 1e-7)
    else:  # every planted bug reads as one
        assert G.band(diff) is G.BUG
