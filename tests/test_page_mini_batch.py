"""AppTest of the mini-batch page: batch size 1 / 64 / m, every widget incl. extremes, chart content."""

import numpy as np
import pytest

from helpers import array as decode
from helpers import assert_ok, charts, count_training_work, open_page, shared_page
from optim_viz import ewma as E
from optim_viz import minibatch as MB
from optim_viz import presets

PAGE = "pages/mini_batch.py"
M = MB.M_DEFAULT


def sgd_cost_full():
    """The default stochastic run, recomputed from the library (page defaults: 5 epochs, α = 0.3, seed 0)."""
    X, Y = MB.make_data(m=M, seed=0)
    return MB.train(X, Y, 1, 5, "sgd", lr=0.3, seed=0).cost_iter


@pytest.fixture(scope="module")
def at():
    return shared_page(PAGE)


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


# ------------------------------------------------------------- every sentence, checked on the numbers shown

import functools  # noqa: E402
import json  # noqa: E402

import plotly.io as pio  # noqa: E402

from helpers import decoded as _decoded  # noqa: E402
from optim_viz import figures  # noqa: E402

PRESETS = list(presets.MINI_BATCH)


@functools.lru_cache(maxsize=16)
def run(b, epochs, opt, lr, seed=0):
    X, Y = MB.make_data(m=M, seed=0)
    return MB.train(X, Y, b, epochs, opt, lr=lr, seed=seed)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def check_every_claim(at):
    text = captions(at)
    sizes = sorted(at.multiselect(key="sizes").value) or [64]
    epochs, opt, lr = at.slider(key="epochs").value, at.selectbox(key="opt").value, at.select_slider(key="lr").value
    runs = {b: run(b, epochs, opt, lr) for b in sizes}
    label = {b: figures.mini_batch.batch_label(b, M) for b in sizes}
    iter_fig, path_fig, epoch_fig = charts(at)
    if M in sizes:
        down = np.all(np.diff(runs[M].cost_iter) < 0)
        assert ("Batch GD's cost goes down at every update" in text) == down
    noise = {b: np.sqrt(np.mean(np.diff(r.cost_iter) ** 2)) for b, r in runs.items()}
    if len(sizes) > 1:
        assert "; ".join(f"{label[b]}: {noise[b]:.3g}" for b in sizes) + " (RMS)" in text
        quieter = all(noise[a] > noise[b] for a, b in zip(sizes, sizes[1:]))
        assert ("The smaller the batch, the noisier J{t}" in text) == quieter
    assert ("With size 1, J{t} is one example's loss" in text) == (1 in sizes)
    smooth = [d for d in iter_fig["data"] if d["name"].startswith("EWMA")]
    if smooth:
        ewma = decode(smooth[0]["y"])  # the smallest batch's EWMA as drawn (first and last points kept)
        assert f"for {label[sizes[0]]} it goes from {ewma[0]:.3g} to {ewma[-1]:.3g}." in text
    star = [d for d in path_fig["data"] if d["name"] == "minimum"][0]
    star = np.array([star["x"][0], star["y"][0]])
    for b in sizes:
        tr = [d for d in path_fig["data"] if d["name"] == label[b]][0]
        end = np.array([decode(tr["x"])[-1], decode(tr["y"])[-1]])
        assert f"{label[b]}: {np.linalg.norm(end - star):.3f}" in text
    final = {d["name"]: decode(d["y"])[-1] for d in epoch_fig["data"]}
    assert "; ".join(f"{label[b]}: J = {final[label[b]]:.4f}" for b in sizes) in text
    ordered = all(final[label[a]] < final[label[b]] for a, b in zip(sizes, sizes[1:]))
    assert ("the smaller batches made more progress" in text) == (ordered and len(sizes) > 1)
    table = at.table[0].value
    ms = dict(zip(table["mini-batch size"], table["time per epoch (ms)"]))
    cost = dict(zip(table["mini-batch size"], table["final cost J"]))
    if 1 in sizes:
        assert ("so its epoch is the slowest here" in text) == (max(ms, key=ms.get) == label[1])
    if M in sizes:
        assert ("but learns slowly per epoch" in text) == (min(cost, key=cost.get) != label[M])
    both = [b for b in sizes if 1 < b < M and (1 not in sizes or ms[label[b]] < ms[label[1]])
            and (M not in sizes or cost[label[b]] < cost[label[M]])]
    if both and (1 in sizes or M in sizes):
        assert "Here " + ", ".join(f"size {b}" for b in both) in text
    X, Y = MB.make_data(m=M, seed=0)
    p = MB.optimum(X, Y)
    assert np.linalg.norm(MB.gradient(p, X, Y)) < 1e-10
    acc = np.mean(((p[0] * X[0] + p[1] * X[1] + p[2]) > 0) == (Y == 1))
    assert f"accuracy {acc:.1%}" in text and ("(the classes overlap)" in text) == (acc < 1)
    return dict(runs=runs, text=text, ms=ms, cost=cost, label=label)


def test_every_claim_at_the_defaults(at):
    check_every_claim(at)


@pytest.mark.parametrize("query", [dict(sizes="2,256", epochs="3", lr="3"), dict(sizes="3000", epochs="2"),
                                   dict(sizes="1,8", epochs="1", opt="adam", lr="0.05")])
def test_every_claim_when_controls_move(query):
    at = open_page(PAGE, **query)
    assert_ok(at)
    check_every_claim(at)


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_says_what_it_shows(name):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    facts = check_every_claim(at)
    note = [i.value for i in at.info if name in i.value][0]
    runs, ms, cost, label = facts["runs"], facts["ms"], facts["cost"], facts["label"]
    X, Y = MB.make_data(m=M, seed=0)
    p = MB.optimum(X, Y)
    if name == "Stochastic vs mini-batch vs batch":
        def wander(r):  # path length over the last epoch / how far it got: 1 for a straight walk
            tail = r.path[-r.updates_per_epoch - 1:, :2]
            return np.sum(np.linalg.norm(np.diff(tail, axis=0), axis=1)) / np.linalg.norm(tail[-1] - tail[0])

        assert wander(runs[1]) > 10 * wander(runs[64])  # size 1 wanders
        assert max(ms, key=ms.get) == label[1]  # and loses vectorization: the slowest epoch
        assert np.all(np.diff(runs[M].cost_iter) < 0) and runs[M].updates_per_epoch == 1  # smooth, one update
        assert ms[label[64]] < ms[label[1]] and cost[label[64]] < cost[label[M]]  # 64 gets both
        assert "Here size 64 gets both" in facts["text"]
    if name == "Batch GD needs many epochs":
        assert f"size 128 has made {20 * int(np.ceil(M / 128))}" in note
        assert runs[M].cost_epoch[-1] > runs[128].cost_epoch[-1]  # "ends at a lower cost": size 128
    if name == "Momentum smooths the noise":
        for b in (1, 16):
            mom, sgd = runs[b], run(b, 5, "sgd", 0.3)
            n = mom.updates_per_epoch
            step = lambda r, n=n: np.mean(np.linalg.norm(np.diff(r.path[-n - 1:, :2], axis=0), axis=1))  # noqa: E731
            spread = lambda r, n=n: np.sqrt(np.mean(np.sum((r.path[-n:, :2] - p[:2]) ** 2, 1)))  # noqa: E731
            assert step(mom) < 0.5 * step(sgd)  # "much shorter, smoother steps"
            assert 0.8 < spread(mom) / spread(sgd) < 1.25  # "yet spread about as far around ★"


def test_cached_pieces_give_the_figures_of_an_uncached_build(at):
    X, Y = MB.make_data(m=M, seed=0)
    p = MB.optimum(X, Y)
    runs = [run(b, 5, "sgd", 0.3) for b in (1, 64, M)]
    w1, w2 = figures.mini_batch.view_axes([r.path for r in runs], p, MB.START)
    built = [figures.mini_batch.cost_per_iteration_figure(runs, M, [E.ewma(r.cost_iter, 0.98) for r in runs], 0.98),
             figures.mini_batch.paths_figure(w1, w2, MB.cost_contour(X, Y, w1, w2, p[2]), runs, M, p, MB.START),
             figures.mini_batch.cost_per_epoch_figure(runs, M)]
    for shown, fig in zip(charts(at), built):
        theirs = json.loads(pio.to_json(fig.figure, validate=False))
        assert _decoded(shown["data"]) == _decoded(theirs["data"]) and _decoded(shown["layout"]) == _decoded(
            theirs["layout"])


# ------------------------------------------------------------------------------------------ the work budget

def test_the_most_expensive_link_is_reduced_to_the_work_budget_and_says_so(monkeypatch):
    spent = count_training_work(monkeypatch)
    every = MB.batch_sizes(M)
    at = open_page(PAGE, sizes=",".join(map(str, every)), epochs="20", opt="adam", seed="4321")
    assert_ok(at)
    fit = MB.affordable_epochs(M, every, 20, "adam", MB.PAGE_BUDGET)
    assert 1 <= fit < 20
    told = [i.value for i in at.info if "would be about" in i.value]
    assert len(told) == 1 and f"Training {len(every)} batch sizes for 20 epochs" in told[0]
    assert f"**{fit} epochs** instead" in told[0]
    assert 0 < sum(spent) <= MB.PAGE_BUDGET
    assert list(at.table[0].value["updates per epoch"]) == [MB.updates_per_epoch(M, b) for b in every]
    assert any(f"Trained {len(every)} batch sizes for {fit} epochs" in s.label for s in at.status)


def test_train_work_counts_updates_and_the_defaults_and_presets_fit():
    assert MB.train_work(3000, 1, 2, "adam", runs=2) == 2 * 3000 * 2 * MB.SINGLE_WORK["adam"]
    assert MB.train_work(3000, 64, 3, "sgd") == 3 * 47 * (MB.UPDATE_WORK["sgd"] + MB.EXAMPLE_WORK * 64)
    assert MB.affordable_epochs(M, [1, 64, M], 5, "sgd", MB.PAGE_BUDGET) == 5
    for _, values in presets.MINI_BATCH.values():
        assert MB.affordable_epochs(M, values["sizes"], values["epochs"], values["opt"], MB.PAGE_BUDGET) == \
            values["epochs"]
    for opt in ("sgd", "momentum", "adam"):
        fit = MB.affordable_epochs(M, MB.batch_sizes(M), 20, opt, MB.PAGE_BUDGET)
        assert sum(MB.train_work(M, b, fit, opt) for b in MB.batch_sizes(M)) <= MB.PAGE_BUDGET
        assert sum(MB.train_work(M, b, fit + 1, opt) for b in MB.batch_sizes(M)) > MB.PAGE_BUDGET
