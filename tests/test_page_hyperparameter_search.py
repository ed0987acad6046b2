"""AppTest of the Hyperparameter search page: every control with its extremes, chart content, and every claim the
page's text makes checked against what its charts show."""
import re

import numpy as np
import pytest

from helpers import apply_preset, array, assert_ok, charts, open_page
from optim_viz.presets import HYPERPARAMETER_SEARCH as PRESETS

PAGE = "pages/hyperparameter_search.py"
KEYS = ("search", "coverage", "sampling", "window", "panda", "sweep")


def _figs(at) -> dict:
    figs = charts(at)
    assert len(figs) == len(KEYS)
    return dict(zip(KEYS, figs))


def _trace(fig, name):
    return next(t for t in fig["data"] if t.get("name") == name)


def _text(at, start) -> str:
    for el in list(at.markdown) + list(at.caption):
        if el.value.startswith(start):
            return el.value
    raise AssertionError(f"no text starting {start!r}")


def _costs(trace) -> np.ndarray:
    return array(trace["customdata"])[:, 2] if isinstance(trace["customdata"], dict) else \
        np.array([row[2] for row in trace["customdata"]], dtype=float)


def _check_search(at, k: int, fine: bool = True):
    """The search chart, the metrics and the search sentence agree with each other."""
    fig = _figs(at)["search"]
    grid, rand = _trace(fig, "grid"), _trace(fig, "random")
    assert len(array(grid["x"])) == len(array(rand["x"])) == k * k
    n_grid, n_rand = len(np.unique(array(grid["x"]))), len(np.unique(array(rand["x"])))
    assert (n_grid, n_rand) == (k, k * k)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["α tried: grid"] == str(k) and metrics["α tried: random"] == str(k * k)
    g, r = _costs(grid).min(), _costs(rand).min()
    assert metrics["Best: grid"] == f"{g:.2g}"
    words = _text(at, f"With the same {k * k} runs")
    assert f"the grid tried {k} distinct learning rates and random search {k * k}" in words
    assert f"grid {g:.2g}" in words and f"random {r:.2g}" in words
    assert ("random search found the lower cost" in words) == (r < g)
    assert ("the grid found the lower cost" in words) == (g < r)
    names = {t.get("name") for t in fig["data"]}
    assert ("coarse to fine" in names) == fine == ("Coarse to fine:" in words)
    if fine:
        f = _costs(_trace(fig, "coarse to fine")).min()
        assert len(array(_trace(fig, "coarse to fine")["x"])) == k * k
        assert ("which improved it" in words) == (f < r)
        assert metrics["Best: fine"] == f"{f:.2g}"
    assert metrics["Best: random"] == f"{r:.2g}"
    assert ("Best: fine" in metrics) == fine
    sens = _text(at, "Along α the final cost spans")
    assert "ε barely matters" in sens
    decades = [float(v) for v in re.findall(r"spans ([\d.]+) decades.*only ([\d.]+) decades", sens)[0]]
    assert decades[0] > 100 * decades[1]


def _check_sampling(at, n: int):
    fig = _figs(at)["sampling"]
    uni, log = [t for t in fig["data"] if t["name"] == "uniform"], [t for t in fig["data"] if t["name"] == "log scale"]
    a_uni, a_log, b_uni, b_log = (array(t["y"]) for t in (uni[0], log[0], uni[1], log[1]))
    for counts in (a_uni, a_log, b_uni, b_log):
        assert counts.sum() == n
    assert len(a_uni) == 4 and len(b_uni) == 2
    words = _text(at, f"Of {n:,} uniform samples of α")
    assert f"{a_uni[-1] / n:.1%} landed in [0.1, 1]" in words and f"only {a_uni[0] / n:.2%} in [1e-4, 1e-3]" in words
    assert f"on a log scale {a_log[-1] / n:.1%} and {a_log[0] / n:.1%}" in words
    assert f"{b_uni[0] / n:.1%} fall in [0.99, 0.999]" in words and f"puts {b_log[0] / n:.1%} there" in words
    return a_uni / n, a_log / n


def _check_panda(at, stages: int, per_stage: int = 1):
    fig = _figs(at)["panda"]
    panda = _trace(fig, "babysat run")
    caviar = [t for t in fig["data"] if t["name"].startswith("α = ")]
    assert len(caviar) == stages and len(array(panda["y"])) == stages * per_stage + 1
    p_final, c_final = array(panda["y"])[-1], min(array(t["y"])[-1] for t in caviar)
    words = _text(at, "The babysat run ended at")
    assert ("the panda ended lower" in words) == (p_final < c_final)
    assert ("the caviar's best run ended lower" in words) == (p_final >= c_final)
    rose = int(np.sum(np.diff(array(panda["y"])) > 0))
    assert f"rose in {rose} of its {stages * per_stage} epochs" in words
    assert sum("(best)" in t["name"] for t in caviar) == 1
    return p_final < c_final, rose


def _check_sweep(at, optimizers: list[str]):
    fig = _figs(at)["sweep"]
    lines = [t for t in fig["data"] if t.get("mode") == "lines"]
    stars = [t for t in fig["data"] if t.get("mode") == "markers"]
    assert len(lines) == len(stars) == len(optimizers)
    words = _text(at, "Each curve is one vectorized run")
    for line, star in zip(lines, stars):
        x, y = array(line["x"]), array(line["y"])
        assert array(star["x"])[0] == x[np.nanargmin(y)]
        assert f"{line['name']} {array(star['x'])[0]:.2g}" in words


def test_defaults_show_every_section_and_their_claims_hold():
    at = open_page(PAGE)
    assert_ok(at)
    _check_search(at, 5)
    a_uni, a_log = _check_sampling(at, 1000)
    assert a_uni[-1] > 0.85 and np.all(np.abs(a_log - 0.25) < 0.06)
    figs = _figs(at)
    window = [t for t in figs["window"]["data"] if t["mode"] == "markers+text"]
    assert [list(array(t["y"])) for t in window] == [pytest.approx([10, 10.0502512]), pytest.approx([1000, 2000])]
    assert "goes from 1000 to 2000 values (×2)" in _text(at, "From β = 0.999 to 0.9995")
    wins, _ = _check_panda(at, 6)
    assert wins  # the default sequence warms up, then decays, and ends below every parallel run
    _check_sweep(at, ["sgd", "momentum", "rmsprop", "adam"])
    coverage = figs["coverage"]
    assert len(np.unique(array(_trace(coverage, "grid")["x"]))) == 5
    assert dict(at.query_params) == {}
    assert "(1000 examples, mini-batches of 50, 10 epochs" in at.markdown[0].value
    assert "41 learning rates from 0.0001 to 100 (200 updates each)" in _text(at, "Each curve is one vectorized run")


def test_grid_size_and_seed_extremes_and_coarse_to_fine_off():
    at = open_page(PAGE)
    for k in (2, 10, 3):
        at.slider(key="k").set_value(k).run()
        assert_ok(at)
        _check_search(at, k)
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)
    _check_search(at, 3)
    _check_panda(at, 6)
    at.toggle(key="fine").set_value(False).run()
    assert_ok(at)
    _check_search(at, 3, fine=False)
    assert at.query_params["k"] == "3" and at.query_params["fine"] == "0"


def test_sample_count_extremes():
    at = open_page(PAGE)
    for n in (100, 10000):
        at.slider(key="n").set_value(n).run()
        assert_ok(at)
        _check_sampling(at, n)


def test_babysitting_sequence_stages_and_bad_input():
    at = open_page(PAGE)
    at.text_input(key="seq").set_value("0.1").run()
    assert_ok(at)
    _check_panda(at, 1)
    at.text_input(key="seq").set_value("0.3, 0.1").run()
    assert_ok(at)
    _check_panda(at, 2)
    at.slider(key="stage").set_value(3).run()
    assert_ok(at)
    _check_panda(at, 2, per_stage=3)
    for bad, message in [("fast please", "is not a number"), ("0.1, 50", "between"), ("", "at least one")]:
        at.text_input(key="seq").set_value(bad).run()
        assert_ok(at)
        assert any(message in e.value for e in at.error), bad
        assert any("Using the default sequence" in i.value for i in at.info)
        _check_panda(at, 6, per_stage=3)


def test_optimizer_choice_including_none():
    at = open_page(PAGE)
    at.multiselect(key="opts").set_value(["adam"]).run()
    assert_ok(at)
    _check_sweep(at, ["adam"])
    assert "decades apart" not in _text(at, "Each curve is one vectorized run")
    at.multiselect(key="opts").set_value([]).run()
    assert_ok(at)
    _check_sweep(at, [])
    assert "Choose at least one optimizer." in _text(at, "Each curve is one vectorized run")


def test_a_link_opens_the_same_view_and_a_bad_one_falls_back():
    at = open_page(PAGE, k="4", seq="0.1, 0.1, 0.1")
    assert_ok(at)
    _check_search(at, 4)
    _check_panda(at, 3)
    at = open_page(PAGE, k="40")
    assert any("Ignored link parameter `k=40`" in w.value for w in at.warning)
    _check_search(at, 5)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_their_claims_hold(name):
    at = apply_preset(PAGE, name, PRESETS[name])
    values = PRESETS[name][1]
    _check_search(at, values.get("k", 5))
    if name == "A tiny budget: 3 × 3":
        grid_x = np.unique(array(_trace(_figs(at)["search"], "grid")["x"]))
        np.testing.assert_allclose(np.diff(grid_x), 2.0)  # log10 α: two decades apart
    if "n" in values:
        a_uni, a_log = _check_sampling(at, values["n"])
        assert abs(a_uni[-1] - 0.9) < 0.02 and np.all(np.abs(a_log - 0.25) < 0.03)
    if "seq" in values:
        wins, rose = _check_panda(at, len(values["seq"].split(",")))
        assert not wins
        if name == "The timid panda":
            assert rose == 0
        else:
            assert rose >= 1
