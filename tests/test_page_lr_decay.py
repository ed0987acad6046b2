"""AppTest of the learning-rate decay page: the course's table, every widget incl. extremes, the demo."""

import numpy as np
import pytest

from helpers import array as decode
from helpers import assert_ok, charts, count_training_work, open_page, shared_page
from optim_viz import presets
from optim_viz import schedules as S

PAGE = "pages/lr_decay.py"
INV = "α₀ / (1 + decay_rate·epoch)"


@pytest.fixture(scope="module")
def at():
    return shared_page(PAGE)


def test_table_shows_the_course_values(at):
    assert_ok(at)
    table = at.table[0].value
    assert list(table[INV][:4]) == ["0.1", "0.067", "0.05", "0.04"]
    assert list(table["epoch"][:4]) == [1, 2, 3, 4]


def test_schedule_chart_matches_the_library(at):
    fig = charts(at)[0]
    assert len(fig["data"]) == 5
    inv = [d for d in fig["data"] if d["name"] == INV][0]
    np.testing.assert_allclose(decode(inv["x"]), np.arange(1, 31))
    np.testing.assert_allclose(decode(inv["y"]), S.inverse_time(0.2, 1.0)(np.arange(1, 31)))
    exp = [d for d in fig["data"] if d["name"] == "base^epoch · α₀"][0]
    np.testing.assert_allclose(decode(exp["y"]), 0.2 * 0.95 ** np.arange(1, 31))


def test_demo_decay_settles_closer(at):
    cost_fig, path_fig = charts(at)[1:3]
    assert [d["name"] for d in cost_fig["data"]] == ["constant α = α₀", f"decay: {INV}"]
    const, decay = (decode(d["y"]) for d in cost_fig["data"])
    assert np.mean(decay[-20:]) < np.mean(const[-20:]) / 5
    summary = at.table[1].value
    assert summary.shape[0] == 2
    assert path_fig["data"][0]["type"] == "contour"


def test_every_schedule_and_extremes():
    at = open_page(PAGE)
    at.multiselect(key="show").set_value(["inverse_time", "exponential", "inverse_sqrt", "inverse_sqrt_step",
                                          "staircase", "interval", "cosine", "warmup"]).run()
    assert_ok(at)
    fig = charts(at)[0]
    assert len(fig["data"]) == 8
    dotted = [d["name"] for d in fig["data"] if d["line"].get("dash") == "dot"]
    assert len(dotted) == 2 and all("beyond the course" in n for n in dotted)
    for key, lo, hi in [("rate", 0.0, 5.0), ("base", 0.5, 0.99), ("k", 0.1, 2.0), ("drop", 0.1, 0.9),
                        ("every", 1, 50), ("interval", 1, 50), ("warm", 1, 20), ("epochs", 4, 100),
                        ("upe", 1, 200)]:
        for v in (lo, hi):
            at.slider(key=key).set_value(v).run()
            assert_ok(at)
    at.select_slider(key="lr0").set_value(0.001).run()
    assert_ok(at)
    at.select_slider(key="lr0").set_value(1.0).run()
    at.toggle(key="logy").set_value(True).run()
    assert_ok(at)
    assert charts(at)[0]["layout"]["yaxis"]["type"] == "log"
    at.multiselect(key="show").set_value([]).run()
    assert_ok(at)
    assert at.info


def test_demo_widgets_and_extremes():
    at = open_page(PAGE)
    at.slider(key="depochs").set_value(5).run()
    at.selectbox(key="bs").set_value(1).run()
    assert_ok(at)
    at.selectbox(key="bs").set_value(256).run()
    at.selectbox(key="dsched").set_value("staircase").run()
    assert_ok(at)
    at.selectbox(key="opt").set_value("adam").run()
    assert_ok(at)
    assert at.select_slider(key="dlr").value == 0.05  # Adam's own default α₀
    at.select_slider(key="dlr").set_value(3.0).run()
    assert_ok(at)
    at.selectbox(key="opt").set_value("momentum").run()
    at.selectbox(key="dsched").set_value("warmup").run()
    assert_ok(at)
    at.select_slider(key="dlr").set_value(0.001).run()
    assert_ok(at)
    assert len(charts(at)) == 3


def test_bad_link_parameters_fall_back():
    at = open_page(PAGE, lr0="50", rate="x")
    assert_ok(at)
    text = " ".join(w.value for w in at.warning)
    assert "lr0" in text and "rate" in text
    assert list(at.table[0].value[INV][:4]) == ["0.1", "0.067", "0.05", "0.04"]


@pytest.mark.parametrize("name", ["The course's example", "All course schedules", "Decay too fast",
                                  "Adam with and without decay"])
def test_presets_apply(name):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    assert any(name in i.value for i in at.info)
    if name == "The course's example":
        assert len(charts(at)[0]["data"]) == 1
        assert list(at.table[0].value[INV][:4]) == ["0.1", "0.067", "0.05", "0.04"]
    if name == "All course schedules":
        assert len(charts(at)[0]["data"]) == 6
    if name == "Decay too fast":  # here the decayed run ends further from the minimum than the constant one
        const, decay = (decode(d["y"]) for d in charts(at)[1]["data"])
        assert np.mean(decay[-20:]) > 10 * np.mean(const[-20:])
    if name == "Adam with and without decay":
        assert at.selectbox(key="opt").value == "adam" and at.select_slider(key="dlr").value == 0.05


# ------------------------------------------------------------- every sentence, checked on the numbers shown

import json  # noqa: E402
import re  # noqa: E402

import plotly.io as pio  # noqa: E402

from helpers import decoded as _decoded  # noqa: E402
from optim_viz import minibatch as MB  # noqa: E402

PRESETS = list(presets.LR_DECAY)
GAP, RMS = "mean J − J* in the last epoch", "RMS distance of (w₁, w₂) to ★"


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def course_numbers() -> str:
    """0.2 / (1 + epoch) for epochs 1–4, three decimals as the course's table writes them."""
    return ", ".join(f"{0.2 / (1 + e):.3f}".rstrip("0").rstrip(".") for e in range(1, 5))


def demo_runs(at):
    """The demo's two runs trained one at a time from the widgets' values (not through the page's code)."""
    h = {k: at.slider(key=k).value for k in ("rate", "base", "k", "drop", "every", "interval", "warm", "epochs")}
    opt, bs, lr0 = at.selectbox(key="opt").value, at.selectbox(key="bs").value, at.select_slider(key="dlr").value
    sched, epochs = at.selectbox(key="dsched").value, at.slider(key="depochs").value
    X, Y = MB.make_data(m=2000, seed=0)
    return X, Y, [MB.train(X, Y, bs, epochs, opt, lr=lr0), MB.train(X, Y, bs, epochs, opt, lr=lr0,
                                                                     schedule=S.by_name(sched, lr0, h))]


def epoch_gap(run, X, Y, J_star, epoch):
    """Mean J − J* over the updates of ``epoch`` taken at the stride that leaves at most 100 of them."""
    n = run.updates_per_epoch
    thetas = run.path[(epoch - 1) * n + 1:epoch * n + 1]
    return np.mean([MB.cost(t, X, Y) for t in thetas[::max(1, -(-n // 100))]]) - J_star


def check_every_claim(at):
    text = captions(at)
    md = " ".join(m.value for m in at.markdown)
    assert f"gives {course_numbers()}, as in the course" in md
    figs = charts(at)
    names = at.multiselect(key="show").value
    if names:
        sched = figs[0]
        assert ("k/√t changes at every mini-batch" in text) == ("inverse_sqrt_step" in names)
        dotted = any(d["line"].get("dash") == "dot" for d in sched["data"])
        assert ("Dotted lines are schedules beyond the course." in text) == dotted
    cost, path = figs[-2:]
    epochs = at.slider(key="depochs").value
    X, Y, runs = demo_runs(at)
    J_star = float(MB.cost(MB.optimum(X, Y), X, Y))
    mid = (epochs + 1) // 2
    const, decay = ([epoch_gap(r, X, Y, J_star, e) for e in (mid, epochs)] for r in runs)
    assert f"From epoch {mid} to epoch {epochs} the constant-α run's mean J − J* goes from {const[0]:.2e} to " \
           f"{const[-1]:.2e}" in text
    assert f"the decayed run's goes from {decay[0]:.2e} to {decay[-1]:.2e}" in text
    assert ("it levels off at a floor" in text) == (const[-1] > 0.5 * const[0])
    assert ("it has stopped improving" in text) == (decay[-1] > 0.5 * decay[0])
    table = at.table[-1].value
    gap_c, gap_d = table[GAP].iloc[0], table[GAP].iloc[1]
    assert (gap_c, gap_d) == pytest.approx((const[-1], decay[-1]), rel=1e-9)  # the caption's last epoch = table's
    assert "over at most 100 of its updates" in text
    rms_c, rms_d = table[RMS].iloc[0], table[RMS].iloc[1]
    assert f"{max(gap_c, gap_d) / min(gap_c, gap_d):.3g}× " + ("closer to" if gap_d < gap_c else "further from") in text
    assert f"is {rms_c:.3f} with a constant α and {rms_d:.3f} with decay" in text
    assert (f"{max(rms_c, rms_d) / min(rms_c, rms_d):.3g}× " + ("smaller." if rms_d < rms_c else "larger.")) in text
    return dict(const=const, decay=decay, gap=(gap_c, gap_d), rms=(rms_c, rms_d), text=text)


def test_every_claim_at_the_defaults(at):
    facts = check_every_claim(at)
    assert facts["gap"][1] < facts["gap"][0] / 5 and facts["rms"][1] < facts["rms"][0]  # the page's headline lesson


@pytest.mark.parametrize("query", [dict(show="inverse_sqrt_step,cosine", upe="3", depochs="7", bs="64"),
                                   dict(dsched="inverse_sqrt_step", k="0.3", opt="momentum", dlr="0.3"),
                                   dict(dsched="staircase", drop="0.1", every="2", bs="256", depochs="5")])
def test_every_claim_when_controls_move(query):
    at = open_page(PAGE, **query)
    assert_ok(at)
    facts = check_every_claim(at)
    if query.get("dsched") == "inverse_sqrt_step":
        assert "This schedule, k/√t · α₀, decays per update" in facts["text"]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_says_what_it_shows(name):
    at = open_page(PAGE)
    at.selectbox(key="_preset").set_value(name).run()
    assert_ok(at)
    facts = check_every_claim(at)
    note = [i.value for i in at.info if name in i.value][0]
    if name == "The course's example":
        assert f"decay_rate = 1: {course_numbers()} in epochs 1–4" in note
    if name == "All course schedules":
        assert f"({len(charts(at)[0]['data'])})" in note and len(charts(at)[0]["data"]) == 6
    if name == "Decay too fast":
        assert "α₀·Σ 0.5^epoch = 1·α₀" in note and sum(0.5**e for e in range(1, 200)) == pytest.approx(1.0)
        gap_c, gap_d = facts["gap"]
        assert gap_d > 10 * gap_c  # "ends much closer": the constant-α run
        assert facts["decay"][-1] > 0.5 * facts["decay"][0]  # "freezes": less than halved over the second half
    if name == "Adam with and without decay":
        X, Y = MB.make_data(m=2000, seed=0)
        run = MB.train(X, Y, 8, 20, "adam", lr=0.05, seed=0)
        step = np.median(np.abs(np.diff(run.path[-run.updates_per_epoch - 1:], axis=0)))
        g0, g1 = (np.linalg.norm(MB.gradient(p, X, Y)) for p in (run.path[0], run.path[-1]))
        assert step > 0.05 * 0.05 and g1 < 0.05 * g0  # the gradient shrank 20×, the steps are still ~α-sized
        assert facts["const"][-1] > 0.5 * facts["const"][0]  # "keeps jittering"
        assert facts["rms"][1] < facts["rms"][0] / 3  # "decay lets it settle"


def test_cached_pieces_give_the_figures_of_an_uncached_build(at):
    """The demo's charts equal figures built straight from the library (two separate runs, no page code)."""
    from optim_viz import figures

    X, Y = MB.make_data(m=2000, seed=0)
    p = MB.optimum(X, Y)
    J_star = float(MB.cost(p, X, Y))
    runs = {"constant α = α₀": MB.train(X, Y, 8, 20, "sgd", lr=1.0),
            f"decay: {INV}": MB.train(X, Y, 8, 20, "sgd", lr=1.0, schedule=S.inverse_time(1.0, 1.0))}
    curves = {k: MB.cost_on_epoch_axis(r, X, Y, figures.style.thin(r.path.shape[0], 400)) for k, r in runs.items()}
    built = figures.lr_decay.decay_demo_figure(curves, J_star)
    shown = charts(at)[1]
    theirs = json.loads(pio.to_json(built.figure, validate=False))
    np.testing.assert_allclose(decode(shown["data"][1]["y"]), decode(theirs["data"][1]["y"]), rtol=1e-9)
    for d in (shown, theirs):
        for t in d["data"]:
            t.pop("y")
    assert _decoded(shown) == _decoded(theirs)
    assert re.search(r"goes from [\d.e+-]+ to [\d.e+-]+: it levels off", captions(at))


def test_the_most_expensive_demo_link_is_reduced_to_the_work_budget_and_says_so(monkeypatch):
    from optim_viz import minibatch as MB

    spent = count_training_work(monkeypatch)
    at = open_page(PAGE, opt="adam", bs="2", depochs="40", dlr="0.05")
    assert_ok(at)
    fit = MB.affordable_epochs(2000, [2], 40, "adam", MB.DECAY_DEMO_BUDGET, runs=2)
    assert 1 <= fit < 40
    told = [i.value for i in at.info if "would be about" in i.value]
    assert len(told) == 1 and "40 epochs of mini-batches of 2 (two runs)" in told[0]
    assert f"**{fit} epochs** instead" in told[0]
    assert 0 < sum(spent) <= MB.DECAY_DEMO_BUDGET
    assert any(f"to epoch {fit} the constant-α run" in c.value for c in at.caption)


def test_the_demo_defaults_and_presets_are_not_reduced():
    from optim_viz import minibatch as MB

    for values in [{}] + [p[1] for p in presets.LR_DECAY.values()]:
        opt, bs, epochs = values.get("opt", "sgd"), values.get("bs", 8), values.get("depochs", 20)
        assert MB.affordable_epochs(2000, [bs], epochs, opt, MB.DECAY_DEMO_BUDGET, runs=2) == epochs
    for bs in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        for opt in ("sgd", "momentum", "adam"):
            fit = MB.affordable_epochs(2000, [bs], 40, opt, MB.DECAY_DEMO_BUDGET, runs=2)
            assert MB.train_work(2000, bs, fit, opt, runs=2) <= MB.DECAY_DEMO_BUDGET
