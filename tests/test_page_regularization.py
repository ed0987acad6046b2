"""AppTest of the Regularization lab: every control (with its extremes), chart content, diagnosis, URL links."""
import re

import numpy as np
import pytest

from helpers import apply_preset, assert_ok, charts, open_page
from helpers import array as _arr
from optim_viz.presets import REGULARIZATION as PRESETS

PAGE = "pages/regularization.py"


def _by_title(at, start):
    for c in charts(at):
        title = (c["layout"].get("title") or {}).get("text") or ""
        if title.startswith(start):
            return c
    raise AssertionError(f"no chart titled {start!r}")


def _trace(fig, name):
    return next(t for t in fig["data"] if t.get("name") == name)


@pytest.fixture(scope="module")
def fast():
    """The page with 100 iterations so each retraining is quick."""
    at = open_page(PAGE, it="100")
    assert_ok(at)
    return at


def test_defaults_render_every_chart_and_diagnose_high_variance():
    at = open_page(PAGE)
    assert_ok(at)
    figs = charts(at)
    assert len(figs) == 9
    boundary = _by_title(at, "Decision boundary")
    names = [t.get("name") for t in boundary["data"]]
    assert names[1:] == ["boundary ŷ = 0.5", "train y=0", "train y=1", "dev y=0", "dev y=1"]
    n_train = sum(len(_arr(_trace(boundary, f"train y={k}")["x"])) for k in (0, 1))
    n_dev = sum(len(_arr(_trace(boundary, f"dev y={k}")["x"])) for k in (0, 1))
    assert (n_train, n_dev) == (180, 60)
    assert len(_arr(_trace(boundary, "boundary ŷ = 0.5")["x"])) > 10
    # the unregularized 50-50 network overfits the noisy moons: the course's "high variance"
    assert "high variance" in at.warning[0].value and "regularization" in at.warning[0].value
    assert [m.label for m in at.metric] == ["Train error", "Dev error", "Test error"]
    # keep_prob = 1 everywhere: the dropout section shows the comparison's dropout run and says so
    assert any("keep_prob is 1" in i.value for i in at.info)
    net = _by_title(at, "Iteration 1")
    kept, dropped = _trace(net, "kept unit"), _trace(net, "dropped unit (d = 0)")
    assert len(_arr(kept["x"])) + len(_arr(dropped["x"])) == 2 + 50 + 50 + 1
    assert len(_arr(dropped["x"])) > 0
    # comparison: three panels, and L2 has the smallest weights
    rows = at.dataframe[0].value
    assert list(rows["run"]) == ["No regularization", "L2, λ = 1", "Dropout, keep_prob = 0.7"]
    bars = _by_title(at, "‖W[l]‖_F after training")
    no_reg, l2 = _arr(_trace(bars, "No regularization")["y"]), _arr(_trace(bars, "L2")["y"])
    assert np.all(l2 < no_reg)
    assert dict(at.query_params) == {}


def test_dropout_masks_change_with_the_iteration_step(fast):
    at = fast
    at.slider(key="kp1").set_value(0.5).run()
    assert_ok(at)
    assert not any("keep_prob is 1" in i.value for i in at.info)

    def dropped():
        net = _by_title(at, "Iteration")
        return tuple(_arr(_trace(net, "dropped unit (d = 0)")["y"]))

    first = dropped()
    seen = {first}
    for t in (2, 3, 4, 100):
        at.slider(key="step").set_value(t).run()
        assert_ok(at)
        assert _by_title(at, "Iteration")["layout"]["title"]["text"].startswith(f"Iteration {t}:")
        seen.add(dropped())
    assert len(seen) > 1  # a new mask each iteration
    # layer 2 has keep_prob 1: all its units are kept, so the dropped ones are in layer 1 only
    net = _by_title(at, "Iteration")
    assert set(_arr(_trace(net, "dropped unit (d = 0)")["x"])) <= {1.0}
    ev = _by_title(at, "Mean activation")
    none = _arr(_trace(ev, "no dropout: mean a")["y"])
    masked = _arr(_trace(ev, "a·d (no scaling): too small")["y"])
    inverted = _arr(_trace(ev, "a·d / keep_prob (inverted)")["y"])
    assert masked[0] == pytest.approx(0.5 * none[0], rel=0.05)
    assert inverted[0] == pytest.approx(none[0], rel=0.05)
    assert masked[1] == pytest.approx(none[1]) == pytest.approx(inverted[1])  # keep_prob 1
    at.slider(key="kp1").set_value(1.0).run()


def test_fewer_iterations_than_the_step_shown(fast):
    at = fast
    at.slider(key="kp2").set_value(0.1).run()
    at.slider(key="step").set_value(100).run()
    at.slider(key="it").set_value(100).run()
    assert_ok(at)
    at.slider(key="kp2").set_value(1.0).run()


# Every control at its ends and every select option, each showing all nine charts: tests/test_extremes.py.


def test_seeds_and_layers(fast):
    at = fast
    at.number_input(key="seed").set_value(9999).run()
    at.number_input(key="dseed").set_value(9999).run()
    assert_ok(at)
    at.slider(key="layers").set_value(3).run()
    for key in ("u2", "u3", "kp2", "kp3"):
        assert at.slider(key=key) is not None
    net = _by_title(at, "Iteration")
    assert net["layout"]["annotations"][-1]["text"] == "output ŷ" and len(net["layout"]["annotations"]) == 5
    at.slider(key="layers").set_value(2).run()
    at.number_input(key="seed").set_value(0).run()
    at.number_input(key="dseed").set_value(0).run()
    assert_ok(at)


def test_split_that_leaves_no_test_set_is_clamped(fast):
    at = fast
    at.slider(key="tr").set_value(90).run()
    at.slider(key="dv").set_value(50).run()
    assert_ok(at)
    assert any("leaves less than 5%" in w.value for w in at.warning)
    boundary = _by_title(at, "Decision boundary")
    n_dev = sum(len(_arr(_trace(boundary, f"dev y={k}")["x"])) for k in (0, 1))
    assert n_dev == round(0.05 * at.slider(key="m").value)  # dev clamped to 95% − 90%
    at.slider(key="tr").set_value(60).run()
    at.slider(key="dv").set_value(20).run()


def test_bayes_error_changes_the_diagnosis(fast):
    at = fast
    at.selectbox(key="ds").set_value("spiral").run()  # 100 iterations on the spiral: underfits
    text = " ".join(w.value for w in at.warning)
    assert "high bias" in text and "Bigger network" in text
    at.slider(key="bayes").set_value(30.0).run()
    at.slider(key="tol").set_value(10.0).run()
    text = " ".join(w.value for w in at.warning) + " ".join(s.value for s in at.success)
    assert "Avoidable bias (train − Bayes) = -" in text or "high bias" not in text
    at.selectbox(key="ds").set_value("moons").run()
    at.slider(key="bayes").set_value(0.0).run()
    at.slider(key="tol").set_value(2.0).run()


def test_a_huge_learning_rate_never_shows_a_traceback(fast):
    at = fast
    at.selectbox(key="opt").set_value("sgd").run()
    at.select_slider(key="lr").set_value(1.0).run()
    at.slider(key="lambd").set_value(5.0).run()
    assert_ok(at)
    assert not re.search(r"\b(nan|inf)\b", _captions(at).lower())  # a diverged run is said in words
    at.slider(key="lambd").set_value(0.0).run()
    at.selectbox(key="opt").set_value("adam").run()
    at.select_slider(key="lr").set_value(0.01).run()


def test_link_parameters_round_trip_and_bad_ones_are_reported():
    at = open_page(PAGE, it="200", ds="xor", kp1="0.5", lambd="abc", bogus="1")
    assert_ok(at)
    assert at.selectbox(key="ds").value == "xor" and at.slider(key="kp1").value == 0.5
    assert at.slider(key="lambd").value == 0.0
    text = " ".join(w.value for w in at.warning)
    assert "`lambd" in text and "`bogus" in text
    at.slider(key="lc").set_value(2.0).run()
    assert at.query_params["lc"] in ("2.0", ["2.0"])



def _pct_value(text: str) -> float:
    return float(text.rstrip("%").replace("+", ""))


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def _pieces(trace) -> int:
    """Separate pieces of a ŷ = 0.5 line (NaN between pieces, one after each)."""
    return int(np.isnan(_arr(trace["x"])).sum())


def assert_claims_hold(at):
    """Every computed sentence of the page agrees with the numbers in its charts and table."""
    rows = at.dataframe[0].value
    text = _captions(at)
    errs = {r: (_pct_value(t) / 100, _pct_value(d) / 100, g) for r, t, d, g in zip(
        rows["run"], rows["train error"], rows["dev error"], rows["dev − train"])}
    base_name, l2_name, do_name = list(rows["run"])
    t0, d0, g0 = errs[base_name]
    for name in (l2_name, do_name):
        t1, d1, g1 = errs[name]
        narrower, closed = _pct_value(g1) < _pct_value(g0), _pct_value(g1) <= 2.0
        verb = ("closes" if closed else "narrows") if narrower else "does not narrow"
        assert f"{name}: the train/dev gap {verb} ({g0} → {g1}); train error {t0:.1%} → {t1:.1%}" in text, text
        assert f"dev error {'falls' if d1 < d0 - 1e-9 else 'does not fall'}" in text.split(f"{name}:")[1][:200]
    # the norm bars' sentence counts the layers where L2 has the smallest norm
    bars = _by_title(at, "‖W[l]‖_F after training")
    y = {t["name"]: _arr(t["y"]) for t in bars["data"]}
    smallest = int(np.sum(np.argmin(np.vstack([y["No regularization"], y["L2"], y["Dropout"]]), axis=0) == 1))
    assert f"smallest ‖W[l]‖_F in {smallest} of {len(y['L2'])} layers" in text
    # the histogram's sentence gives each run's weight spread
    hist = _by_title(at, "Distribution of the weights")
    for t in hist["data"]:
        label = "no regularization" if t["name"] == "No regularization" else t["name"]
        assert f"{label} {np.std(_arr(t['x'])):.3g}" in text
    # the cost sentence gives each run's final J, the last point of its curve
    cost = _by_title(at, "Cost J of the three runs")
    for t in cost["data"]:
        label = "no regularization" if t["name"] == "No regularization" else t["name"]
        assert f"{label} {_arr(t['y'])[-1]:.3g}" in text
    # the boundary's title carries this run's errors, as the metrics do
    train, dev, _ = (m.value for m in at.metric)
    title = _by_title(at, "Decision boundary")["layout"]["title"]["text"]
    assert title.endswith(f"train error {train}, dev error {dev}")
    # inverted dropout keeps the mean within the stated tolerance
    ev = _by_title(at, "Mean activation")
    none = _arr(_trace(ev, "no dropout: mean a")["y"])
    inverted = _arr(_trace(ev, "a·d / keep_prob (inverted)")["y"])
    stated = float(text.split("the mean is within ")[1].split("%")[0]) / 100
    assert np.max(np.abs(inverted / none - 1)) <= stated + 5e-4


def test_claims_hold_at_the_defaults():
    at = open_page(PAGE)
    assert_claims_hold(at)
    text = _captions(at)
    assert "L2, λ = 1: the train/dev gap narrows" in text  # the default view shows the lesson: L2 narrows the gap
    assert "Dropout, keep_prob = 0.7: the train/dev gap narrows" in text


def test_weight_decay_sentence_follows_the_optimizer(fast):
    """Adam (the default): the (1 − αλ/m) factor does not describe a step; gradient descent: it does."""
    at = fast
    for key, value in (("m", 300), ("tr", 60), ("dv", 20), ("lambd", 0.0)):  # earlier tests move these
        at.slider(key=key).set_value(value).run()
    at.selectbox(key="opt").set_value("adam").run()
    m_train = 180
    text = _captions(at)
    assert "With Adam the rule 'each step multiplies W by (1 − αλ/m)' does not hold" in text
    w, v, s = 0.05, 0.0, 0.0  # three Adam steps on the L2 gradient (λ/m)w alone, λ = 1 (the page's λ is 0)
    for t in (1, 2, 3):
        g = 1.0 / m_train * w
        v, s = 0.9 * v + 0.1 * g, 0.999 * s + 0.001 * g * g
        w -= 0.01 * (v / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
    factor = 1 - 0.01 * 1.0 / m_train
    assert f"take a weight 0.05 to {w:.4g}; plain gradient descent's factor {factor:.6f} would give " \
           f"{0.05 * factor**3:.5g}" in text
    assert "λ = 1 (your λ is 0: no L2 term at all)" in text
    at.selectbox(key="opt").set_value("sgd").run()
    at.slider(key="lambd").set_value(2.0).run()
    text = _captions(at)
    factor = 1 - 0.01 * 2.0 / m_train
    assert f"each step first multiplies W by (1 − αλ/m) = {factor:.6f} at λ = 2," in text
    assert f"three steps take a weight 0.05 to {0.05 * factor**3:.5g}" in text and "does not hold" not in text
    at.selectbox(key="opt").set_value("momentum").run()
    assert "With Momentum the rule" in _captions(at)
    at.slider(key="lambd").set_value(0.0).run()
    at.selectbox(key="opt").set_value("adam").run()


def test_cached_pieces_give_the_figures_of_an_uncached_build():
    """The page's boundary and comparison panels equal figures built from separate nn.train runs, no cache."""
    from helpers import decoded as _decoded
    from optim_viz import datasets, figures, nn, optimizers

    at = open_page(PAGE, it="300", lc="0.5")
    X, Y = datasets.make("moons", 300, 0.3, 0)
    s = datasets.split(X, Y, (60, 20, 20), 0)
    bounds = figures.regularization.bounds_of(s.X_train, s.X_dev, s.X_test)
    fits = {}
    for name, lam, kp in (("No regularization", 0.0, None), ("L2", 0.5, None), ("Dropout", 0.0, 0.7)):
        params = nn.init_params([2, 50, 50, 1], "he", np.random.default_rng(0))
        fits[name], _ = nn.train(params, s.X_train, s.Y_train, optimizers.adam(lr=0.01), 300, "relu", "sigmoid", lam,
                                 kp, np.random.default_rng(1), record_every=1)
    err = lambda p, X_, Y_: nn.error_rate(p, X_, Y_, "relu")  # noqa: E731
    p0 = fits["No regularization"]
    grid = figures.regularization.grid_probabilities(p0, "relu", bounds, 100)
    title = (f"Decision boundary: train error {err(p0, s.X_train, s.Y_train):.1%}, "
             f"dev error {err(p0, s.X_dev, s.Y_dev):.1%}")
    fresh = figures.regularization.decision_boundary(*grid, s.X_train, s.Y_train, s.X_dev, s.Y_dev, title=title)
    assert _decoded(_by_title(at, "Decision boundary")) == _decoded(fresh.to_dict())
    titles = {"No regularization": "No regularization", "L2": "L2, λ = 0.5", "Dropout": "Dropout, keep_prob = 0.7"}
    panels = [(f"{titles[n]}<br>train {err(p, s.X_train, s.Y_train):.1%} · dev {err(p, s.X_dev, s.Y_dev):.1%}",
               *figures.regularization.grid_probabilities(p, "relu", bounds, 100)) for n, p in fits.items()]
    fresh = figures.regularization.boundary_panels(panels, s.X_train, s.Y_train, s.X_dev, s.Y_dev)
    page = next(c for c in charts(at) if c["layout"].get("annotations") and "xaxis3" in c["layout"])
    assert _decoded(page) == _decoded(fresh.to_dict())


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_show_their_demonstration(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    assert_claims_hold(at)
    train, dev, _ = (_pct_value(m.value) for m in at.metric)
    verdict = " ".join(w.value for w in at.warning) + " ".join(s.value for s in at.success)
    rows = at.dataframe[0].value
    gap = dict(zip(rows["run"], (_pct_value(g) for g in rows["dev − train"])))
    none_gap = gap["No regularization"]
    no_reg_train, no_reg_dev = _pct_value(rows["train error"][0]), _pct_value(rows["dev error"][0])
    boundary = _trace(_by_title(at, "Decision boundary"), "boundary ŷ = 0.5")
    if name.startswith("Overfitting"):
        assert train < 2 and dev > train + 15 and "Diagnosis: high variance." in verdict
        assert _pieces(boundary) >= 3  # a boundary in several pieces: islands
        assert len(charts(at)) == 9
    elif name.startswith("L2"):
        lam = wanted["lc"]
        assert gap[f"L2, λ = {lam:g}"] <= 2.0 < none_gap  # the gap closes (within the 2% tolerance)
        bars = _by_title(at, "‖W[l]‖_F after training")
        assert np.all(_arr(_trace(bars, "L2")["y"]) < _arr(_trace(bars, "No regularization")["y"]))
        assert _pieces(boundary) == 1  # this run is the L2 one: one piece, no islands
        assert "Diagnosis: high bias." in verdict
        at.slider(key="bayes").set_value(float(np.ceil(train * 2) / 2)).run()  # Bayes estimate ≈ the train error
        assert "Diagnosis: neither" in " ".join(s.value for s in at.success)
    elif name.startswith("Dropout"):
        assert gap[f"Dropout, keep_prob = {wanted['kpc']:g}"] < none_gap - 5
        assert dev - train < none_gap - 5  # this run uses dropout too
        assert not any("keep_prob is 1" in i.value for i in at.info)  # its own masks are shown
    elif name.startswith("High bias"):
        assert train > 20 and abs(dev - train) < 10 and "Diagnosis: high bias." in verdict
        at.slider(key="layers").set_value(2).run()  # the fix the note names: 2 layers of 50
        at.slider(key="u1").set_value(50).run()
        bigger = _pct_value(at.metric[0].value)
        assert bigger < train / 2
    else:  # λ too large: a clear train error where the unregularized run had none
        assert no_reg_train == 0 and no_reg_dev < 2  # the unregularized network classifies the moons
        assert train > no_reg_train + 5 and "Diagnosis: high bias." in verdict


CORNER = dict(it="5000", m="1000", tr="90", dv="5", layers="3", u1="50", u2="50", u3="50", act="tanh", kp1="0.5",
              kp2="0.5", kp3="0.5", lambd="0.05", dseed="4321")  # the most work a link can ask for (a fresh seed)


def test_the_most_expensive_link_is_reduced_to_the_work_budget_and_says_so(monkeypatch):
    from optim_viz import nn

    spent = []
    real = nn.train_variants

    def counting(params, X, Y, optimizer, iterations, hidden="relu", lambdas=(0.0,), *args, **kw):
        units = nn.layer_dims(params)[1:-1]
        spent.append(nn.lab_work(iterations, X.shape[1], units, hidden, len(lambdas)))
        return real(params, X, Y, optimizer, iterations, hidden, lambdas, *args, **kw)

    monkeypatch.setattr(nn, "train_variants", counting)
    at = open_page(PAGE, **CORNER)
    assert_ok(at)
    assert len(charts(at)) == 9
    told = [i.value for i in at.info if "iterations would be about" in i.value]
    assert len(told) == 1
    fit = nn.affordable_iterations(5000, 900, (50, 50, 50), "tanh", 4)
    assert "5,000 iterations would be about" in told[0] and f"**{fit:,} iterations** instead" in told[0]
    assert "50-50-50 tanh units on 900 training examples" in told[0]
    assert 0 < sum(spent) <= nn.LAB_BUDGET
    assert _by_title(at, "Iteration 1").get("layout") and at.slider(key="step").max == fit


def test_the_defaults_and_every_preset_fit_the_budget_unreduced():
    from optim_viz import nn

    for values in [{}] + [p[1] for p in PRESETS.values()]:
        units = tuple(values.get(f"u{l}", (50, 50, 20)[l - 1]) for l in range(1, values.get("layers", 2) + 1))
        m_train = round(values.get("m", 300) * 0.6)
        for hidden in ("relu", "tanh"):
            assert nn.lab_work(values.get("it", 500), m_train, units, hidden, 4) <= nn.LAB_BUDGET, (values, hidden)
    at = open_page(PAGE)
    assert not [i for i in at.info if "iterations would be about" in i.value]
