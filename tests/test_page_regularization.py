"""AppTest of the Regularization lab: every control (with its extremes), chart content, diagnosis, URL links."""
import numpy as np
import pytest

from helpers import apply_preset, array as _arr, assert_ok, charts, open_page
from optim_viz.diagnosis import PRESETS

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


@pytest.mark.parametrize("key,values", [
    ("noise", [0.0, 0.6]), ("m", [50, 1000]), ("tr", [20, 90]), ("dv", [5, 50]),
    ("layers", [1, 3]), ("u1", [1, 50]), ("lambd", [5.0, 0.0]), ("kp1", [0.1, 1.0]),
    ("lr", [1e-4, 1.0, 0.01]), ("bayes", [30.0, 0.0]), ("tol", [0.5, 10.0, 2.0]), ("lc", [0.05, 5.0]),
    ("kpc", [0.1, 0.95]),
])
def test_every_slider_at_its_extremes(fast, key, values):
    at = fast
    for v in values:
        w = at.select_slider(key=key) if key == "lr" else at.slider(key=key)
        w.set_value(v).run()
        assert_ok(at)
        assert len(charts(at)) == 9


@pytest.mark.parametrize("key,options", [("ds", ["circles", "spiral", "blobs", "xor", "moons"]),
                                         ("act", ["tanh", "relu"]),
                                         ("opt", ["sgd", "momentum", "rmsprop", "adam"])])
def test_every_select(fast, key, options):
    at = fast
    for o in options:
        at.selectbox(key=key).set_value(o).run()
        assert_ok(at)
        assert len(charts(at)) == 9


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


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_apply_and_show_their_demonstration(name):
    wanted = PRESETS[name][1]
    at = apply_preset(PAGE, name, PRESETS[name])
    train, dev, _ = (_pct_value(m.value) for m in at.metric)
    verdict = " ".join(w.value for w in at.warning) + " ".join(s.value for s in at.success)
    rows = at.dataframe[0].value
    gap = dict(zip(rows["run"], (_pct_value(g) for g in rows["dev − train"])))
    none_gap = gap["No regularization"]
    if name.startswith("Overfitting"):
        assert train < 2 and dev > train + 15 and "Diagnosis: high variance." in verdict
        assert len(charts(at)) == 9
    elif name.startswith("L2"):
        assert gap[f"L2, λ = {wanted['lc']:g}"] < none_gap / 1.5  # L2 closes the train/dev gap
        bars = _by_title(at, "‖W[l]‖_F after training")
        assert np.all(_arr(_trace(bars, "L2")["y"]) < _arr(_trace(bars, "No regularization")["y"]) / 2)
        assert at.slider(key="lambd").value > 0 and train > 0  # this run is the L2 one: no longer perfect on train
    elif name.startswith("Dropout"):
        assert gap[f"Dropout, keep_prob = {wanted['kpc']:g}"] < none_gap - 5
        assert dev - train < none_gap - 5  # this run uses dropout too
        assert not any("keep_prob is 1" in i.value for i in at.info)  # its own masks are shown
    elif name.startswith("High bias"):
        assert train > 20 and abs(dev - train) < 10 and "Diagnosis: high bias." in verdict
    else:  # λ too large: a clear train error where the unregularized run had none
        no_reg_train = _pct_value(rows["train error"][0])
        assert train > no_reg_train + 5 and "high bias" in verdict
