"""AppTest of the mini-batch page: batch size 1 / 64 / m, every widget incl. extremes, chart content."""

import numpy as np
import pytest
from helpers import array as decode, assert_ok, charts, open_page

from optim_viz import ewma as E
from optim_viz import minibatch as MB

PAGE = "pages/mini_batch.py"
M = MB.M_DEFAULT


def sgd_cost_full():
    """The default stochastic run, recomputed from the library (page defaults: 5 epochs, α = 0.3, seed 0)."""
    X, Y = MB.make_data(m=M, seed=0)
    return MB.train(X, Y, 1, 5, "sgd", lr=0.3, seed=0).cost_iter


@pytest.fixture(scope="module")
def at():
    return open_page(PAGE)


def test_defaults_show_stochastic_mini_and_batch(at):
    assert_ok(at)
    iter_fig, path_fig, epoch_fig = charts(at)
    runs = [d for d in iter_fig["data"] if not d["name"].startswith("EWMA")]
    smooth = [d for d in iter_fig["data"] if d["name"].startswith("EWMA")]
    assert len(runs) == 3 and len(epoch_fig["data"]) == 3
    assert len(smooth) == 2  # the per-iteration EWMA over the two noisy runs (batch GD has 5 points)
    table = at.table[0].value
    assert list(table["updates per epoch"]) == [M, int(np.ceil(M / 64)), 1]
    assert (table["accuracy"] > 0.6).all() and (table["time per epoch (ms)"] > 0).all()
    # cost per iteration: size 1 is far noisier than the full batch (relative jumps between updates)
    sgd_cost, batch_cost = decode(runs[0]["y"]), decode(runs[2]["y"])
    np.testing.assert_allclose(decode(smooth[0]["y"])[-1], E.ewma(sgd_cost_full(), 0.98)[-1], rtol=1e-9)
    assert np.std(np.diff(sgd_cost)) > 10 * np.std(np.diff(batch_cost))
    assert np.all(np.diff(batch_cost) < 0)  # batch GD: the cost goes down at every update
    names = [d["name"] for d in path_fig["data"]]
    assert path_fig["data"][0]["type"] == "contour" and "minimum" in names and "start" in names
    # the batch-GD path is the library's run, starting at START
    batch_path = [d for d in path_fig["data"] if d["name"] == f"size m = {M} (batch)"][0]
    assert decode(batch_path["x"])[0] == MB.START[0] and decode(batch_path["y"])[0] == MB.START[1]
    assert len(decode(batch_path["x"])) == 6  # 5 epochs, one update each, plus the start


def test_size_one_only_and_extremes():
    at = open_page(PAGE)
    at.multiselect(key="sizes").set_value([1]).run()
    assert_ok(at)
    assert len(charts(at)[0]["data"]) == 2  # the run and its EWMA
    sgd_path = charts(at)[1]["data"][1]
    assert len(decode(sgd_path["x"])) <= 2100  # thinned for the browser
    at.slider(key="epochs").set_value(1).run()
    assert_ok(at)
    at.select_slider(key="lr").set_value(3.0).run()
    assert_ok(at)
    at.select_slider(key="lr").set_value(0.001).run()
    assert_ok(at)
    at.number_input(key="seed").set_value(9999).run()
    assert_ok(at)
    at.multiselect(key="sizes").set_value([]).run()
    assert_ok(at)
    assert at.warning and [d["name"] for d in charts(at)[0]["data"]][0] == "size 64 (mini-batch)"


def test_optimizers_and_all_sizes():
    at = open_page(PAGE)
    at.multiselect(key="sizes").set_value([2, 1024, M]).run()
    at.slider(key="epochs").set_value(20).run()
    assert_ok(at)
    assert list(at.table[0].value["updates per epoch"]) == [M // 2, 3, 1]
    at.selectbox(key="opt").set_value("adam").run()
    assert_ok(at)
    assert at.select_slider(key="lr").value == 0.05
    at.selectbox(key="opt").set_value("momentum").run()
    assert_ok(at)
    assert at.select_slider(key="lr").value == 0.3


def test_bad_link_falls_back():
    at = open_page(PAGE, sizes="1,7", epochs="0")
    assert_ok(at)
    text = " ".join(w.value for w in at.warning)
    assert "sizes" in text and "epochs" in text


@pytest.mark.parametrize("name,sizes,opt", [("Stochastic vs mini-batch vs batch", [1, 64, M], "sgd"),
                                            ("Batch GD needs many epochs", [128, M], "sgd"),
                                            ("Momentum smooths the noise", [1, 16, M], "momentum")])
def test_presets_apply(name, sizes, opt):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    assert any(name in i.value for i in at.info)
    assert at.multiselect(key="sizes").value == sizes and at.selectbox(key="opt").value == opt
    assert list(at.table[0].value["updates per epoch"]) == [int(np.ceil(M / b)) for b in sizes]
