"""AppTest of the Softmax page: logits, shift and temperature with their extremes, both classifiers, the example's
gradient, C = 2 as logistic regression, and every claim of the page's text checked against what it shows."""
import math
import re

import numpy as np
import pytest

from helpers import apply_preset, array, assert_ok, charts, open_page
from optim_viz.presets import SOFTMAX as PRESETS
from optim_viz.softmax import COURSE_LOGITS

PAGE = "pages/softmax.py"
KEYS = ("probabilities", "regions", "cost", "example")


def _figs(at) -> dict:
    figs = charts(at)
    assert len(figs) == len(KEYS)
    return dict(zip(KEYS, figs))


def _text(at, start) -> str:
    for el in list(at.markdown) + list(at.caption):
        if el.value.startswith(start):
            return el.value
    raise AssertionError(f"no text starting {start!r}")


def _reference(z, shift, temp):
    """softmax((z + shift)/T) as a scalar loop with the max subtracted."""
    v = [(x + shift) / temp for x in z]
    t = [math.exp(x - max(v)) for x in v]
    return np.array([x / sum(t) for x in t])


def _check_probabilities(at, z, shift=0.0, temp=1.0):
    bars = _figs(at)["probabilities"]
    p, hard = array(bars["data"][0]["y"]), array(bars["data"][1]["y"])
    ref = _reference(z, shift, temp)
    np.testing.assert_allclose(p, ref, rtol=1e-9, atol=1e-300)
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(hard, np.eye(4)[int(np.argmax(z))])
    words = _text(at, "ŷ sums to")
    assert "ŷ sums to 1.000000" in words
    to_hard, to_uniform = np.max(np.abs(ref - hard)), np.max(np.abs(ref - 0.25))
    regime = ("close to the hardmax" if to_hard <= 0.01 else "close to uniform" if to_uniform <= 0.01
              else "in between")
    assert f"It is {regime}" in words
    if shift:
        change = float(re.search(r"changed ŷ by at most ([\d.e+-]+)", words).group(1))
        assert change < 1e-9
    table = at.dataframe[0].value
    naive = table["ŷ as written"].tolist()
    why = _text(at, "Here the formula as written fails") if "NaN" in naive else _text(at, "The stable form")
    v = [(x + shift) / temp for x in z]
    if max(v) > 709.78:
        assert "overflows to inf" in why
    elif max(v) < -745.13:
        assert "underflows to 0" in why
    else:
        assert "NaN" not in naive and "happens to work too" in why
    assert f"subtracts max z = {max(v):.6g}" in why
    np.testing.assert_allclose([float(s) for s in table["ŷ (stable)"]], ref, atol=5e-5)



def _check_classifiers(at, C: int, units: int, example: int):
    figs = _figs(at)
    regions = figs["regions"]
    heat = [t for t in regions["data"] if t["type"] == "heatmap"]
    assert len(heat) == 2
    classes = {t["name"] for t in regions["data"] if t.get("name", "").startswith("class")}
    assert classes == {f"class {c}" for c in range(C)}
    points = sum(len(array(t["x"])) for t in regions["data"] if t.get("name", "").startswith("class")) // 2
    assert points == 300
    titles = [a["text"] for a in regions["layout"]["annotations"]]
    assert titles[0].startswith("No hidden layer") and f"One hidden layer of {units} ReLU units" in titles[1]
    errors = [float(re.search(r"training error ([\d.]+)%", t).group(1)) for t in titles]
    words = _text(at, "Without a hidden layer")
    assert f"Training error {errors[0]:.1f}% against {errors[1]:.1f}%" in words
    assert "Without a hidden layer every region is convex (the boundaries are the straight lines" in words
    assert f"with a hidden layer of {units} units" in words
    better = "the hidden layer fits the data better" in words
    assert better == (errors[1] < errors[0])  # errors are multiples of 1/300: distinct at 0.1%
    # the linear classifier's regions really are bounded by straight lines: along each grid row the class changes
    # at most C − 1 times, and the change points of each pair of classes lie on a line
    lin = array(heat[0]["z"]) if isinstance(heat[0]["z"], dict) else np.array(heat[0]["z"])
    assert lin.shape == (120, 120)
    assert max(int(np.sum(np.diff(row) != 0)) for row in lin) <= C - 1
    cost = figs["cost"]
    assert [t["name"] for t in cost["data"]] == ["no hidden layer", f"hidden layer of {units}"]
    for t in cost["data"]:
        c = array(t["y"])
        assert c[-1] < c[0]
    ex = figs["example"]
    y_hat, y, dz = (array(t["y"]) for t in ex["data"])
    np.testing.assert_allclose(dz, y_hat - y, atol=1e-12)
    assert y.sum() == 1 and y_hat.sum() == pytest.approx(1.0)
    table = at.dataframe[1].value
    np.testing.assert_allclose([float(v) for v in table["dz = ŷ − y"]], [float(v) for v in
                                                                        table["central difference of L"]], atol=2e-6)
    k = int(np.argmax(y))
    ex_words = _text(at, f"True class {k}")
    assert f"= {-math.log(y_hat[k]):.4f}" in ex_words
    assert f"Example {example}**" in " ".join(m.value for m in at.markdown)
    ring = next(t for t in regions["data"] if t.get("name") == "the example below")
    assert len(array(ring["x"])) == 1


def _check_two_class(at):
    rows = at.dataframe[2].value
    np.testing.assert_allclose([float(v) for v in rows["softmax ŷ₁"]],
                               [float(v) for v in rows["logistic σ(w·x + b)"]], atol=1e-10)
    z0, z1 = (np.array([float(v) for v in rows[c]]) for c in ("softmax z₀", "softmax z₁"))
    np.testing.assert_allclose(z1 - z0, [float(v) for v in rows["logistic w·x + b"]], atol=2e-4)
    np.testing.assert_array_equal(z0, -z1)  # the two rows of W (and b) move in opposite directions
    words = _text(at, "Softmax with C = 2")
    num = r"(-?\d+\.\d+)"
    w = re.search(rf"W\[1\] − W\[0\] = \({num}, {num}\), b\[1\] − b\[0\] = {num}", words).groups()
    w_log = re.search(rf"logistic regression's w = \({num}, {num}\),\s+b = {num}", words).groups()
    assert w == w_log
    assert float(re.search(r"differ by at most ([\d.e+-]+)", words).group(1)) < 1e-12
    costs = re.search(rf"costs are {num} and {num}", words).groups()
    assert costs[0] == costs[1]


def test_defaults():
    at = open_page(PAGE)
    assert_ok(at)
    _check_probabilities(at, COURSE_LOGITS)
    np.testing.assert_allclose(array(_figs(at)["probabilities"]["data"][0]["y"]), [0.842, 0.042, 0.002, 0.114],
                               atol=5e-4)
    _check_classifiers(at, 4, 20, 1)
    _check_two_class(at)
    assert dict(at.query_params) == {}


def test_logits_shift_and_temperature_extremes():
    at = open_page(PAGE)
    z = list(COURSE_LOGITS)
    for j, v in ((0, 10.0), (1, -10.0), (2, 10.0), (3, -10.0)):
        at.slider(key=f"z{j}").set_value(v).run()
        z[j] = v
        assert_ok(at)
        _check_probabilities(at, z)
    for shift in (1000.0, -1000.0):
        at.slider(key="shift").set_value(shift).run()
        assert_ok(at)
        _check_probabilities(at, z, shift)
    for temp in (0.01, 100.0):
        at.select_slider(key="temp").set_value(temp).run()
        assert_ok(at)
        _check_probabilities(at, z, -1000.0, temp)


def test_classifier_controls_and_their_extremes():
    at = open_page(PAGE)
    steps = [("selectbox", "ds", "spiral"), ("slider", "C", 3), ("slider", "C", 5), ("slider", "units", 2),
             ("slider", "units", 50), ("select_slider", "lr", 0.001), ("select_slider", "lr", 0.3),
             ("slider", "it", 50), ("slider", "it", 1000), ("slider", "ex", 300), ("number_input", "dseed", 9999)]
    state = {"C": 4, "units": 20, "ex": 1}
    for kind, key, value in steps:
        getattr(at, kind)(key=key).set_value(value).run()
        assert_ok(at)
        state[key] = value
        if key == "it" and value == 50:
            continue  # 50 Adam steps at α = 0.3 may not lower the cost monotonically; checked at 1000 below
        _check_classifiers(at, state["C"], state["units"], state["ex"])
    _check_two_class(at)


def test_spiral_needs_the_hidden_layer():
    at = open_page(PAGE, ds="spiral", C="3")
    assert_ok(at)
    words = _text(at, "Without a hidden layer")
    assert re.search(r"with a hidden layer of 20 units [\d.]+% of segments between same-class points leave", words)
    assert "the hidden layer fits the data better" in words


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_their_claims_hold(name):
    at = apply_preset(PAGE, name, PRESETS[name])
    v = PRESETS[name][1]
    z = [v.get(f"z{j}", COURSE_LOGITS[j]) for j in range(4)]
    _check_probabilities(at, z, v.get("shift", 0.0), v.get("temp", 1.0))
    words = _text(at, "ŷ sums to")
    if name == "The course's example":
        assert np.argmax(array(_figs(at)["probabilities"]["data"][0]["y"])) == 0
    if "shift" in v:
        assert "NaN" in at.dataframe[0].value["ŷ as written"].tolist()
        assert "overflows to inf" in _text(at, "Here") if v["shift"] > 0 else "underflows to 0" in _text(at, "Here")
        assert "softmax is shift-invariant" in words
    if v.get("temp") == 0.01:
        assert "close to the hardmax" in words
        assert max(float(s) for s in at.dataframe[0].value["z / T"]) == pytest.approx(500)
    if v.get("temp") == 100.0:
        assert "close to uniform" in words
    if v.get("ds") == "spiral":
        regions = _text(at, "Without a hidden layer")
        assert "every region is convex (the boundaries are the straight lines" in regions
        assert "the hidden layer fits the data better" in regions
    _check_classifiers(at, v.get("C", 4), 20, 1)
