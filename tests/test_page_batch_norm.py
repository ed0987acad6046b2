"""AppTest of the Batch normalization page: every chart's content and every sentence's numbers against the library,
every widget at its extremes, every preset's claim."""
import math

import numpy as np
import pytest

from helpers import apply_preset, assert_ok, charts, open_page, shared_page, widget
from helpers import array as decode
from optim_viz import batchnorm as bn
from optim_viz import nn, presets

PAGE = "pages/batch_norm.py"
DEFAULTS = dict(lr=3.0, hidden="tanh", batch_size=64, iterations=100, seed=0)


def num(v: float) -> str:
    return f"{v:.4g}"


def text(at) -> str:
    return " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])


_LABS = {}


def lab_for(**settings):
    key = tuple(sorted({**DEFAULTS, **settings}.items()))
    if key not in _LABS:
        _LABS[key] = bn.compare(**dict(key))
    return _LABS[key]


def check_claims(at, layer=2, unit=1, k=4, **settings):
    """Every number and comparison the page writes, recomputed from the library for these settings."""
    s = {**DEFAULTS, **settings}
    lab = lab_for(**settings)
    t = text(at)
    p, b = lab.plain, lab.bn
    outcome = bn.outcome(lab)
    if outcome == "bn":
        assert "batch norm ends with the lower cost" in t
        assert (f"ends at J = {num(p.train_cost)}" if np.isfinite(p.train_cost) else "overflowed (diverged)") in t
        assert f"the batch-normalized one ends at J = {num(b.train_cost)} ({b.train_error:.1%})" in t
        assert not np.isfinite(p.train_cost) or p.train_cost > 1.5 * b.train_cost
    elif outcome == "diverged":
        assert "both networks' costs overflowed" in t
    elif outcome == "similar":
        assert f"both end within a factor 1.5 of each other: J = {num(p.train_cost)} without batch norm and " \
               f"{num(b.train_cost)} with it" in t
        assert max(p.train_cost, b.train_cost) <= 1.5 * min(p.train_cost, b.train_cost)
    else:
        assert f"the plain network ends lower (J = {num(p.train_cost)} against {num(b.train_cost)}" in t
        assert b.train_cost > 1.5 * p.train_cost
    both_bad = bn.no_better_than_a_constant(p.train_cost) and bn.no_better_than_a_constant(b.train_cost)
    assert ("Neither is better than predicting ŷ = 0.5 everywhere" in t) == both_bad
    # the drift, per unit median, and the saturation count
    hp, hb = p.history["preact"][layer], b.history["preact"][layer]
    d_plain, d_bn = bn.drift(hp), bn.drift(hb)
    assert (f"{d_plain:.3g} without batch norm" if np.isfinite(d_plain) else "overflowed without") in t
    assert f"{d_bn:.3g} with it" in t
    word = {"more": "the plain network's inputs wander much further", "similar": "both wander about as far",
            "less": "batch-normalized network's inputs wander further"}[bn.compare_values(d_plain, d_bn)]
    assert word in t
    if s["hidden"] == "tanh":
        assert (f"{bn.saturated_units(hp)} of the {bn.WIDTH} units of layer {layer} have a median input beyond ±2"
                in t and f"{bn.saturated_units(hb)} with it" in t)
        assert f"at most {1 - math.tanh(2) ** 2:.3f}" in t and "0.071" in t
    # one BN step
    step = bn.bn_step(lab, layer, unit - 1, k, s["seed"])
    assert f"μ = **{num(step.mu)}**" in t and f"σ² = **{num(step.var)}**" in t
    assert f"γ = **{num(step.gamma)}**" in t and f"β = **{num(step.beta)}**" in t
    assert f"at most {step.b_change:.1e} (round-off)" in t and step.b_change < 1e-12
    assert f"relative {step.eps_rel:.1e}, nothing" in t and step.eps_rel < 1e-3
    table = at.dataframe[0].value
    np.testing.assert_allclose(table.loc["z = W a"].to_numpy(float), step.z)
    np.testing.assert_allclose(table.loc["z_norm"].to_numpy(float), step.z_norm)
    np.testing.assert_allclose(table.loc["z̃ = γ z_norm + β"].to_numpy(float), step.z_tilde)
    assert abs(step.z_norm.mean()) < 1e-12  # "the z_norm row has mean 0"
    # running statistics
    u = unit - 1
    run_mu, run_var = b.running[f"mu{layer}"][u, 0], b.running[f"var{layer}"][u, 0]
    assert f"μ_run = {num(run_mu)}, σ²_run = {num(run_var)}" in t
    b_mu = b.history["batch_mu"][layer]
    assert f"the last mini-batch had μ = {num(b_mu[-1, u])}" in t
    jitter = bn.batch_jitter(b_mu, bn.running_series(b_mu, 0.0), bn.running_series(b.history["batch_var"][layer], 1.0))
    assert f"lands {jitter:.2f} running standard deviations" in t
    # test time
    tt = bn.test_time(lab, layer)
    err_run, err_one = bn.dev_errors_one_at_a_time(lab)
    assert len(set(tt.y_batch1)) == 1 and f"every example gets the same ŷ = {tt.y_batch1[0]:.4f}" in t
    assert f"becomes {err_one:.1%} instead of {err_run:.1%}" in t
    assert "every output is NaN" in t and np.all(np.isnan(tt.y_batch1_eps0))
    assert "max |z̃ − β| = 0)" in t
    alone = at.dataframe[2].value
    np.testing.assert_allclose(alone["ŷ, running μ, σ² (test mode)"].to_numpy(float), tt.y_running)
    assert set(alone["ŷ, batch of 1 and ε = 0"]) == {"NaN (0/0)"}
    single = at.dataframe[1].value
    assert single["z̃"].iloc[0] == pytest.approx(tt.z_tilde[u])
    assert single["z̃ with its own batch μ, σ² (batch of 1)"].iloc[0] == single["β"].iloc[0] == tt.beta[u]
    # noise against the batch size
    rows = {r.batch_size: r for r in bn.batch_size_noise(lab, layer, sizes=bn.BATCH_SIZES)}
    lo, hi = rows[8], rows[256]
    assert f"wanders by {lo.mean_spread:.3f} σ" in t and f"by {hi.mean_spread:.3f} σ" in t
    assert f"shifts by {lo.example_noise:.3f} at B = 8, {hi.example_noise:.3f} at B = 256" in t
    assert f"{rows[s['batch_size']].example_noise:.3f} at the B = {s['batch_size']} of this training" in t
    fits = bn.close_to([r.mean_spread for r in rows.values()], [r.mean_theory for r in rows.values()])
    assert ("as the closed form" in t) == fits
    assert ("less and less as B grows" in t) == bn.falls_with_batch_size([r.example_noise for r in rows.values()])
    return lab


@pytest.fixture(scope="module")
def at():
    return shared_page(PAGE)


def test_defaults_charts_show_the_runs(at):
    assert_ok(at)
    lab = lab_for()
    cost, drift, running, noise = charts(at)
    names = [d["name"] for d in cost["data"]]
    assert names == ["without batch norm", "with batch norm"]
    np.testing.assert_allclose(decode(cost["data"][1]["y"]), lab.bn.history["cost"])
    np.testing.assert_array_equal(decode(cost["data"][0]["x"]), lab.plain.history["iteration"])
    assert cost["layout"]["yaxis"]["type"] == "log"
    # the drift chart: unit 1 of layer 2, both networks' medians and the raw z of the BN network
    titles = [a["text"] for a in drift["layout"]["annotations"]]
    assert titles == ["Without batch norm: z[2] = W a + b", "With batch norm: z̃[2] = γ z_norm + β"]
    medians = [d for d in drift["data"] if d["name"].startswith("unit 1: median")]
    np.testing.assert_allclose(decode(medians[0]["y"]), lab.plain.history["preact"][2][:, 0, 1])
    np.testing.assert_allclose(decode(medians[1]["y"]), lab.bn.history["preact"][2][:, 0, 1])
    raw = [d for d in drift["data"] if d["name"].startswith("unit 1: raw z")][0]
    np.testing.assert_allclose(decode(raw["y"]), lab.bn.history["preact_z"][2][:, 0, 1])
    assert len(drift["layout"]["shapes"]) == 4  # tanh's flat ends, shaded in both panels
    # running statistics: every mini-batch, the EWMA ends at the network's running μ
    assert len(decode(running["data"][0]["x"])) == 100
    np.testing.assert_allclose(decode(running["data"][0]["y"]), lab.bn.history["batch_mu"][2][:, 0])
    assert decode(running["data"][1]["y"])[-1] == pytest.approx(lab.bn.running["mu2"][0, 0], rel=1e-12)
    assert decode(running["data"][3]["y"])[-1] == pytest.approx(lab.bn.running["var2"][0, 0], rel=1e-12)
    assert list(decode(noise["data"][0]["x"])) == list(bn.BATCH_SIZES)
    assert noise["layout"]["xaxis"]["type"] == "log"
    assert at.metric[0].value == num(lab.plain.train_cost) and at.metric[1].value == num(lab.bn.train_cost)
    assert at.metric[2].value == f"{lab.plain.dev_error:.1%} / {lab.bn.dev_error:.1%}"


def test_defaults_every_claim(at):
    lab = check_claims(at)
    assert bn.outcome(lab) == "bn"  # the default is the classic demonstration


def test_display_controls_do_not_retrain_and_keep_their_claims():
    at = open_page(PAGE)
    for key, value, kw in (("layer", 4, dict(layer=4)), ("unit", 16, dict(layer=4, unit=16)),
                           ("k", 8, dict(layer=4, unit=16, k=8)), ("layer", 1, dict(layer=1, unit=16, k=8)),
                           ("k", 2, dict(layer=1, unit=16, k=2))):
        widget(at, key).set_value(value).run()
        assert_ok(at)
        check_claims(at, **kw)
    layer_title = charts(at)[1]["layout"]["annotations"][0]["text"]
    assert layer_title == "Without batch norm: z[1] = W a + b"
    assert at.dataframe[0].value.shape == (4, 2)


@pytest.mark.parametrize("key,value,settings", [
    ("lr", 0.01, dict(lr=0.01)), ("lr", 10.0, dict(lr=10.0)), ("act", "relu", dict(hidden="relu")),
    ("batch", 8, dict(batch_size=8)), ("batch", 256, dict(batch_size=256)), ("iters", 40, dict(iterations=40)),
    ("iters", 300, dict(iterations=300)), ("seed", 9999, dict(seed=9999))])
def test_training_controls_at_their_extremes(key, value, settings):
    at = open_page(PAGE)
    widget(at, key).set_value(value).run()
    assert_ok(at)
    lab = check_claims(at, **settings)
    figs = charts(at)
    assert len(figs) == 4
    assert len(decode(figs[2]["data"][0]["x"])) == settings.get("iterations", 100)
    np.testing.assert_allclose(decode(figs[0]["data"][1]["y"]), lab.bn.history["cost"])
    if settings.get("hidden") == "relu":
        assert not figs[1]["layout"].get("shapes")  # no flat ends to shade for ReLU


def test_bad_link_falls_back_to_defaults():
    at = open_page(PAGE, lr="abc", batch="7", layer="9")
    assert_ok(at)
    warned = " ".join(w.value for w in at.warning)
    assert "lr" in warned and "batch" in warned and "layer" in warned
    assert widget(at, "batch").value == 64 and widget(at, "layer").value == 2


@pytest.mark.parametrize("name", list(presets.BATCH_NORM))
def test_presets_apply_and_their_claims_hold(name):
    note, values = presets.BATCH_NORM[name]
    at = apply_preset(PAGE, name, presets.BATCH_NORM[name])
    keys = {"lr": "lr", "act": "hidden", "batch": "batch_size"}
    settings = {keys[k]: v for k, v in values.items() if k in keys}
    layer = values.get("layer", 2)
    lab = check_claims(at, layer=layer, **settings)
    if name == "A learning rate the plain network cannot take":
        assert bn.outcome(lab) == "bn"  # "the cost ends far higher"
        assert lab.plain.train_cost > 10 * lab.bn.train_cost
        assert bn.saturated_units(lab.plain.history["preact"][layer]) > bn.WIDTH // 2  # "far out into the flat ends"
        assert bn.saturated_units(lab.bn.history["preact"][layer]) == 0
    elif name == "A gentle learning rate: both train":
        assert lab.plain.train_cost < 0.1  # "its training cost ends under 0.1"
    elif name == "ReLU at a large rate":
        assert abs(lab.plain.train_cost - math.log(2)) < 0.02 and lab.plain.train_error > 0.4
        assert bn.outcome(lab) == "bn" and lab.bn.train_error < 0.05
    elif name == "Tiny mini-batches: noisy statistics":
        def jitter(l):
            h = l.bn.history
            return bn.batch_jitter(h["batch_mu"][layer], bn.running_series(h["batch_mu"][layer], 0.0),
                                   bn.running_series(h["batch_var"][layer], 1.0))
        assert bn.compare_values(jitter(lab), jitter(lab_for())) == "more"  # "jump far more than with 64"
        assert "its 7 companions" in note
    else:
        raise AssertionError(f"no claim check for preset {name!r}")


def test_inference_mode_single_example_table(at):
    lab = lab_for()
    single = at.dataframe[1].value
    x = lab.X_dev[:, 0]
    _, caches = nn.forward(lab.bn.params, x[:, None], "tanh", running=lab.bn.running)
    z = caches[1]["Z"][0, 0]
    mu, var = lab.bn.running["mu2"][0, 0], lab.bn.running["var2"][0, 0]
    assert single["z = W a"].iloc[0] == pytest.approx(z)
    assert single["z_norm"].iloc[0] == pytest.approx((z - mu) / math.sqrt(var + bn.EPS))
    assert f"x = ({x[0]:.3f}, {x[1]:.3f})" in text(at)
