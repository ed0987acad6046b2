"""optim_viz.batchnorm and batch norm in optim_viz.nn against independent references: scalar loops from the
formulas, central differences (the project's own gradcheck), a hand EWMA, closed forms."""
import math

import numpy as np
import pytest

from optim_viz import batchnorm as bn
from optim_viz import gradcheck, nn, optimizers


def _z(n=3, m=6, seed=0):
    rng = np.random.default_rng(seed)
    z = 2.0 * rng.standard_normal((n, m)) + rng.standard_normal((n, 1))
    gamma = 1 + 0.5 * rng.standard_normal((n, 1))
    beta = rng.standard_normal((n, 1))
    return z, gamma, beta


# ------------------------------------------------------------------------------------------- the layer

def test_forward_matches_a_scalar_loop_with_one_over_m_variance():
    z, gamma, beta = _z()
    eps = 1e-3  # large enough to matter in the comparison
    out, cache = bn.forward(z, gamma, beta, eps)
    n, m = z.shape
    for j in range(n):
        mu = sum(z[j, i] for i in range(m)) / m
        var = sum((z[j, i] - mu) ** 2 for i in range(m)) / m  # 1/m, not 1/(m − 1)
        assert cache.mu[j, 0] == pytest.approx(mu, rel=1e-13) and cache.var[j, 0] == pytest.approx(var, rel=1e-13)
        for i in range(m):
            z_norm = (z[j, i] - mu) / math.sqrt(var + eps)
            assert cache.z_norm[j, i] == pytest.approx(z_norm, rel=1e-12, abs=1e-14)
            assert out[j, i] == pytest.approx(gamma[j, 0] * z_norm + beta[j, 0], rel=1e-12, abs=1e-14)
    # whatever z was, z̃ has mean β and standard deviation γ·√(σ²/(σ² + ε)) per unit
    np.testing.assert_allclose(out.mean(axis=1, keepdims=True), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1, keepdims=True), np.abs(gamma) * np.sqrt(cache.var / (cache.var + eps)))


@pytest.mark.parametrize("which", ["z", "gamma", "beta"])
def test_backward_matches_central_differences(which):
    z, gamma, beta = _z(seed=1)
    R = np.random.default_rng(2).standard_normal(z.shape)  # J = Σ R ⊙ z̃, so dz̃ = R
    arrays = {"z": z, "gamma": gamma, "beta": beta}
    shape = arrays[which].shape

    def cost(theta):
        a = dict(arrays, **{which: theta.reshape(shape)})
        return float(np.sum(R * bn.forward(a["z"], a["gamma"], a["beta"])[0]))

    def grad(theta):
        a = dict(arrays, **{which: theta.reshape(shape)})
        dz, dgamma, dbeta = bn.backward(R, bn.forward(a["z"], a["gamma"], a["beta"])[1])
        return {"z": dz, "gamma": dgamma, "beta": dbeta}[which].ravel()

    assert gradcheck.relative_difference(cost, grad, arrays[which].ravel()) < 1e-7


def test_update_running_is_the_course_ewma_and_inference_is_the_closed_form():
    z, gamma, beta = _z()
    mu_run, var_run = np.full((3, 1), 0.5), np.full((3, 1), 2.0)
    new_mu, new_var = bn.update_running(mu_run, var_run, z, beta=0.8)
    np.testing.assert_allclose(new_mu, 0.8 * 0.5 + 0.2 * z.mean(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(new_var, 0.8 * 2.0 + 0.2 * z.var(axis=1, keepdims=True), rtol=1e-14)
    out = bn.inference(z, gamma, beta, new_mu, new_var, eps=1e-4)
    for j in range(3):
        for i in range(z.shape[1]):
            expect = gamma[j, 0] * (z[j, i] - new_mu[j, 0]) / math.sqrt(new_var[j, 0] + 1e-4) + beta[j, 0]
            assert out[j, i] == pytest.approx(expect, rel=1e-12)
    # test mode treats every example on its own: one column alone gives the same numbers
    np.testing.assert_allclose(bn.inference(z[:, [2]], gamma, beta, new_mu, new_var, 1e-4), out[:, [2]], rtol=1e-15)


def test_running_series_is_a_scalar_ewma_loop():
    stats = np.random.default_rng(3).standard_normal((7, 2))
    out = bn.running_series(stats, 1.0, beta=0.9)
    for j in range(2):
        v = 1.0
        for t in range(7):
            v = 0.9 * v + 0.1 * stats[t, j]
            assert out[t, j] == pytest.approx(v, rel=1e-14)


def test_batch_of_one_normalizes_to_beta_and_eps_zero_gives_nan():
    z, gamma, beta = _z(m=1)
    out, cache = bn.forward(z, gamma, beta)
    assert np.all(cache.var == 0) and np.all(cache.z_norm == 0)
    np.testing.assert_array_equal(out, beta)  # exactly: z − μ = 0 whatever z is
    assert np.all(np.isnan(bn.forward(z, gamma, beta, eps=0.0)[0]))  # 0/0


def test_bias_is_redundant_and_eps_effect():
    z, gamma, beta = _z(m=5)
    assert bn.bias_redundancy(z, gamma, beta, 5.0) < 1e-13
    assert bn.bias_redundancy(z, gamma, beta, 0.0) == 0.0
    assert bn.eps_effect(np.array(4.0), 1e-5) == pytest.approx(math.sqrt(4 + 1e-5) / 2 - 1, rel=1e-9)
    assert np.isinf(bn.eps_effect(np.array(0.0)))


def test_spread_of_batch_stats_against_a_loop_and_the_closed_form():
    rng = np.random.default_rng(4)
    z = rng.standard_normal((2, 40)) * np.array([[1.0], [3.0]])
    orders = bn.random_orders(40, 2000, rng)
    assert all(sorted(row) == list(range(40)) for row in orders[:5])
    s_mu, s_var = bn.spread_of_batch_stats(z, 8, orders)
    mus = np.array([[z[j, row[:8]].mean() for row in orders] for j in range(2)])
    vars_ = np.array([[z[j, row[:8]].var() for row in orders] for j in range(2)])
    np.testing.assert_allclose(s_mu, mus.std(axis=1), rtol=1e-10)
    np.testing.assert_allclose(s_var, vars_.std(axis=1), rtol=1e-10)
    # sampling without replacement: σ/√B·√((m − B)/(m − 1)), within the Monte-Carlo tolerance of 2000 draws
    np.testing.assert_allclose(s_mu, bn.mean_spread_theory(z, 8), rtol=0.06)


def test_example_noise_uses_batches_that_contain_the_example_and_shrinks_with_b():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((3, 64))
    orders = bn.random_orders(64, 300, rng)
    # by hand for B = 4: the batch is orders[d, :4], with example 0 put last when it is not among them
    hand = []
    for row in orders:
        pick = list(row[:4])
        if 0 not in pick:
            pick[-1] = 0
        zb = z[:, pick]
        hand.append((z[:, 0] - zb.mean(axis=1)) / np.sqrt(zb.var(axis=1) + bn.EPS))
    np.testing.assert_allclose(bn.example_noise(z, 4, orders), np.std(hand, axis=0), rtol=1e-10)
    noise = [bn.example_noise(z, B, orders).mean() for B in (2, 4, 8, 16, 32)]
    assert bn.falls_with_batch_size(noise)
    assert bn.example_noise(z, 64, orders).max() < 1e-12  # the whole set: the same batch every time


def test_helpers_decide_from_their_inputs():
    assert bn.no_better_than_a_constant(0.7) and bn.no_better_than_a_constant(float("nan"))
    assert not bn.no_better_than_a_constant(0.69)
    assert bn.compare_values(5.0, 1.0) == "more" and bn.compare_values(1.0, 5.0) == "less"
    assert bn.compare_values(1.0, 1.5) == "similar" and bn.compare_values(float("nan"), 1.0) == "more"
    assert bn.compare_values(1.0, float("nan")) == "less" and bn.compare_values(np.nan, np.nan) == "similar"
    assert bn.falls_with_batch_size([3, 2, 1]) and not bn.falls_with_batch_size([3, 3, 1])
    assert bn.close_to([1.0, 2.2], [1.0, 2.0]) and not bn.close_to([1.0, 3.0], [1.0, 2.0])
    p = np.zeros((2, 3, 3))
    p[-1, :, 1] = [0.5, -2.5, np.inf]
    assert bn.saturated_units(p) == 2
    p[0, :, 1] = [0.0, 0.0, 0.0]
    p[-1, 2, 1] = 1.0
    assert bn.drift(p) == pytest.approx(np.mean([0.5, 2.5, 1.0]))


def test_outcome_reads_the_final_costs():
    from types import SimpleNamespace as NS

    lab = lambda p, b: NS(plain=NS(train_cost=p), bn=NS(train_cost=b))  # noqa: E731
    assert bn.outcome(lab(0.7, 0.04)) == "bn" and bn.outcome(lab(np.nan, 0.3)) == "bn"
    assert bn.outcome(lab(0.07, 0.28)) == "plain" and bn.outcome(lab(0.1, np.nan)) == "plain"
    assert bn.outcome(lab(0.1, 0.14)) == "similar" and bn.outcome(lab(np.nan, np.nan)) == "diverged"


def test_batch_jitter_by_hand():
    rng = np.random.default_rng(6)
    b_mu = rng.standard_normal((10, 2))
    r_mu, r_var = bn.running_series(b_mu, 0.0), np.full((10, 2), 4.0)
    d = (b_mu[5:] - r_mu[4:9]) / 2.0
    assert bn.batch_jitter(b_mu, r_mu, r_var) == pytest.approx(np.mean(d.std(axis=0)), rel=1e-12)


def test_percentiles_match_numpy():
    z = np.random.default_rng(7).standard_normal((4, 13))
    np.testing.assert_allclose(nn.percentiles(z, (15, 50, 85)), np.percentile(z, (15, 50, 85), axis=1).T, rtol=1e-12)


# ------------------------------------------------------------------------------------------ in the network

def _net(hidden="tanh", m=10, seed=0, bias_noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    Y = (X[0:1] + X[1:2] ** 2 > 0.5).astype(float)
    p = nn.init_params([3, 5, 4, 1], "xavier", np.random.default_rng(seed + 1), batch_norm=True)
    p = {k: v + bias_noise * rng.standard_normal(v.shape) for k, v in p.items()}  # γ ≠ 1, β ≠ 0 so both are tested
    return X, Y, p


def test_init_drops_b_on_hidden_layers_and_keeps_the_same_weights():
    plain = nn.init_params([2, 4, 3, 1], "he", np.random.default_rng(0))
    with_bn = nn.init_params([2, 4, 3, 1], "he", np.random.default_rng(0), batch_norm=True)
    assert list(with_bn) == ["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert nn.bn_layers(with_bn) == [1, 2] and nn.bn_layers(plain) == []
    for l in (1, 2, 3):
        np.testing.assert_array_equal(with_bn[f"W{l}"], plain[f"W{l}"])
    np.testing.assert_array_equal(with_bn["gamma2"], np.ones((3, 1)))
    np.testing.assert_array_equal(with_bn["beta2"], np.zeros((3, 1)))
    theta = nn.to_vector(with_bn)
    assert theta.size == 2 * 4 + 4 + 4 + 4 * 3 + 3 + 3 + 3 + 1
    back = nn.from_vector(theta, with_bn)
    assert list(back) == list(with_bn) and all(np.array_equal(back[k], with_bn[k]) for k in with_bn)
    running = nn.init_running(with_bn)
    assert set(running) == {"mu1", "var1", "mu2", "var2"}
    assert np.all(running["mu1"] == 0) and np.all(running["var2"] == 1)


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu", "linear"])
@pytest.mark.parametrize("lambd", [0.0, 0.4])
def test_network_with_batch_norm_passes_gradient_checking(hidden, lambd):
    X, Y, p = _net(hidden)

    def cost(theta):
        q = nn.from_vector(theta, p)
        AL, _ = nn.forward(q, X, hidden)
        return nn.compute_cost(AL, Y, q, lambd)

    def grad(theta):
        q = nn.from_vector(theta, p)
        AL, caches = nn.forward(q, X, hidden)
        g = nn.backward(AL, Y, caches, lambd, hidden)
        assert "db1" not in g and "dgamma1" in g and "db3" in g
        return nn.to_vector(g)

    assert gradcheck.relative_difference(cost, grad, nn.to_vector(p)) < 1e-7


def test_forward_layer_by_layer_by_hand():
    X, Y, p = _net("tanh")
    AL, caches = nn.forward(p, X, "tanh")
    a = X
    for l in (1, 2):
        z = p[f"W{l}"] @ a  # no b: the layer is batch-normalized
        mu, var = z.mean(axis=1, keepdims=True), z.var(axis=1, keepdims=True)
        zt = p[f"gamma{l}"] * (z - mu) / np.sqrt(var + bn.EPS) + p[f"beta{l}"]
        np.testing.assert_allclose(caches[l - 1]["Z"], z, rtol=1e-13)
        np.testing.assert_allclose(caches[l - 1]["Z_tilde"], zt, rtol=1e-12, atol=1e-14)
        a = np.tanh(zt)
    np.testing.assert_allclose(AL, 1 / (1 + np.exp(-(p["W3"] @ a + p["b3"]))), rtol=1e-12)


def test_inference_mode_uses_running_statistics_and_has_no_backward():
    X, Y, p = _net("relu")
    rng = np.random.default_rng(9)
    running = {f"{s}{l}": rng.random((n, 1)) + 0.5 for l, n in ((1, 5), (2, 4)) for s in ("mu", "var")}
    AL, caches = nn.forward(p, X, "relu", running=running)
    a = X
    for l in (1, 2):
        z = p[f"W{l}"] @ a
        a = np.maximum(p[f"gamma{l}"] * (z - running[f"mu{l}"]) / np.sqrt(running[f"var{l}"] + bn.EPS)
                       + p[f"beta{l}"], 0)
    np.testing.assert_allclose(AL, 1 / (1 + np.exp(-(p["W3"] @ a + p["b3"]))), rtol=1e-12)
    # each example alone gives the same output: no dependence on the batch
    alone = np.array([nn.forward(p, X[:, [i]], "relu", running=running)[0][0, 0] for i in range(X.shape[1])])
    np.testing.assert_allclose(alone, AL[0], rtol=1e-14)
    with pytest.raises(ValueError, match="inference"):
        nn.backward(AL, Y, caches, hidden="relu")


def test_batch_statistics_on_a_batch_of_one_give_every_example_the_same_output():
    X, _, p = _net("tanh")
    outs = [nn.forward(p, X[:, [i]], "tanh")[0][0, 0] for i in range(X.shape[1])]
    assert len(set(outs)) == 1  # bit for bit: z̃[1] = β[1] whatever the input
    _, caches = nn.forward(p, X[:, [3]], "tanh")
    np.testing.assert_array_equal(caches[0]["Z_tilde"], p["beta1"])
    assert np.isnan(nn.forward(p, X[:, [0]], "tanh", bn_eps=0.0)[0][0, 0])


def test_one_sgd_step_updates_gamma_and_beta_like_weights():
    X, Y, p = _net("tanh")
    AL, caches = nn.forward(p, X, "tanh")
    g = nn.backward(AL, Y, caches, hidden="tanh")
    new, hist = nn.train(p, X, Y, optimizers.sgd(0.1), 1, "tanh")
    for k in p:
        np.testing.assert_allclose(new[k], p[k] - 0.1 * g["d" + k], rtol=1e-14)
    assert hist["cost"][0] == pytest.approx(nn.compute_cost(AL, Y))


def test_running_statistics_equal_a_hand_ewma_of_the_batch_statistics():
    """Replays training step by step: the parameters before iteration t are a (t − 1)-iteration run with the same
    seed, the mini-batch is the next slice of the seeded permutation, its μ and σ² come from a scalar loop."""
    X, Y, p = _net("tanh", m=12)
    B, T, beta, seed = 4, 7, 0.8, 3
    run = lambda iters: nn.train(p, X, Y, optimizers.momentum(0.05), iters, "tanh", batch_size=B,  # noqa: E731
                                 rng=np.random.default_rng(seed), bn_momentum=beta, record_every=1)
    _, hist = run(T)
    perm_rng = np.random.default_rng(seed)
    orders = [perm_rng.permutation(12) for _ in range(math.ceil(T / 3))]  # 3 mini-batches per epoch
    mu_run = {1: np.zeros(5), 2: np.zeros(4)}
    var_run = {1: np.ones(5), 2: np.ones(4)}
    for t in range(1, T + 1):
        params_before = run(t - 1)[0] if t > 1 else p
        k = (t - 1) % 3
        cols = orders[(t - 1) // 3][k * B:(k + 1) * B]
        _, caches = nn.forward(params_before, X[:, cols], "tanh")
        for l in (1, 2):
            z = caches[l - 1]["Z"]
            for j in range(z.shape[0]):
                mu = sum(z[j]) / B
                var = sum((v - mu) ** 2 for v in z[j]) / B
                assert hist["batch_mu"][l][t - 1, j] == pytest.approx(mu, rel=1e-10, abs=1e-13)
                assert hist["batch_var"][l][t - 1, j] == pytest.approx(var, rel=1e-10)
                mu_run[l][j] = beta * mu_run[l][j] + (1 - beta) * mu
                var_run[l][j] = beta * var_run[l][j] + (1 - beta) * var
        if t == 1:
            assert hist["cost"][0] == pytest.approx(nn.compute_cost(nn.forward(p, X[:, cols], "tanh")[0], Y[:, cols]))
    for l in (1, 2):
        np.testing.assert_allclose(hist["running"][f"mu{l}"][:, 0], mu_run[l], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(hist["running"][f"var{l}"][:, 0], var_run[l], rtol=1e-10)
        np.testing.assert_allclose(bn.running_series(hist["batch_mu"][l], 0.0, beta)[-1], mu_run[l], rtol=1e-10,
                                   atol=1e-13)


def test_train_records_preactivation_percentiles():
    X, Y, p = _net("tanh", m=12)
    _, hist = nn.train(p, X, Y, optimizers.sgd(0.1), 5, "tanh", record_every=2, record_preact=True)
    assert list(hist["iteration"]) == [1, 2, 4, 5]
    assert hist["preact"][1].shape == (4, 5, 3) and hist["preact_z"][2].shape == (4, 4, 3)
    _, caches = nn.forward(p, X, "tanh")
    np.testing.assert_allclose(hist["preact"][1][0], np.percentile(caches[0]["Z_tilde"], (15, 50, 85), axis=1).T)
    np.testing.assert_allclose(hist["preact_z"][1][0], np.percentile(caches[0]["Z"], (15, 50, 85), axis=1).T)


def test_plain_network_training_is_unchanged_without_the_new_options():
    X, Y, _ = _net()
    p = nn.init_params([3, 5, 4, 1], "xavier", np.random.default_rng(1))
    a, ha = nn.train(p, X, Y, optimizers.adam(0.01), 6, "relu")
    b, hb = nn.train(p, X, Y, optimizers.adam(0.01), 6, "relu", batch_size=X.shape[1], record_preact=False)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert "running" not in ha and "preact" not in ha


# --------------------------------------------------------------------------------------- the page's experiment

@pytest.fixture(scope="module")
def lab():
    return bn.compare()


def test_compare_trains_the_same_network_on_the_same_batches(lab):
    assert lab.layer_dims == [2] + [bn.WIDTH] * bn.DEPTH + [1]
    assert lab.X_train.shape == (2, bn.M_TRAIN) and lab.X_dev.shape == (2, bn.M_DEV)
    first = nn.init_params(lab.layer_dims, "xavier", np.random.default_rng(0))
    # one iteration of each from the same start reproduces the first recorded mini-batch cost
    for with_bn, run in ((False, lab.plain), (True, lab.bn)):
        p0 = nn.init_params(lab.layer_dims, "xavier", np.random.default_rng(0), batch_norm=with_bn)
        np.testing.assert_array_equal(p0["W1"], first["W1"])
        cols = np.random.default_rng(1).permutation(bn.M_TRAIN)[:64]
        AL, _ = nn.forward(p0, lab.X_train[:, cols], "tanh")
        assert run.history["cost"][0] == pytest.approx(nn.compute_cost(AL, lab.Y_train[:, cols]))
    AL, _ = nn.forward(lab.bn.params, lab.X_train, "tanh", running=lab.bn.running)
    assert lab.bn.train_cost == pytest.approx(nn.compute_cost(AL, lab.Y_train))
    assert lab.bn.running is lab.bn.history["running"] and lab.plain.running is None


def test_default_demonstration_is_the_classic_picture(lab):
    assert bn.outcome(lab) == "bn"
    d_plain, d_bn = bn.drift(lab.plain.history["preact"][2]), bn.drift(lab.bn.history["preact"][2])
    assert bn.compare_values(d_plain, d_bn) == "more"
    assert bn.saturated_units(lab.plain.history["preact"][2]) > bn.WIDTH // 2
    assert bn.saturated_units(lab.bn.history["preact"][2]) == 0


def test_bn_step_and_test_time_numbers(lab):
    s = bn.bn_step(lab, 2, 3, k=5, seed=1)
    assert len(s.examples) == 5 == len(set(s.examples))
    assert s.mu == pytest.approx(np.mean(s.z)) and s.var == pytest.approx(np.var(s.z))
    np.testing.assert_allclose(s.z_norm, (s.z - s.mu) / np.sqrt(s.var + bn.EPS))
    np.testing.assert_allclose(s.z_tilde, s.gamma * s.z_norm + s.beta)
    assert s.gamma == lab.bn.params["gamma2"][3, 0] and s.b_change < 1e-12
    tt = bn.test_time(lab, 2)
    np.testing.assert_allclose(tt.z_tilde, bn.inference(tt.z[:, None], tt.gamma[:, None], tt.beta[:, None],
                                                        tt.mu_run[:, None], tt.var_run[:, None])[:, 0])
    np.testing.assert_array_equal(tt.z_tilde_batch1, tt.beta)
    assert len(set(tt.y_batch1)) == 1 and np.all(np.isnan(tt.y_batch1_eps0))
    assert len(set(np.round(tt.y_running, 6))) == len(tt.y_running)  # test mode tells the examples apart
    err_run, err_one = bn.dev_errors_one_at_a_time(lab)
    y_alone = np.array([nn.forward(lab.bn.params, lab.X_dev[:, [i]], "tanh", running=lab.bn.running)[0][0, 0]
                        for i in range(bn.M_DEV)])
    assert err_run == pytest.approx(np.mean((y_alone > 0.5) != (lab.Y_dev[0] == 1)))
    share_of_ones = lab.Y_dev.mean()
    assert err_one in (pytest.approx(share_of_ones), pytest.approx(1 - share_of_ones))  # one constant answer


def test_batch_size_noise_rows(lab):
    rows = bn.batch_size_noise(lab, 1, sizes=(4, 16, 64))
    assert [r.batch_size for r in rows] == [4, 16, 64]
    assert bn.falls_with_batch_size([r.mean_spread for r in rows])
    assert bn.close_to([r.mean_spread for r in rows], [r.mean_theory for r in rows])
    z = bn.layer_z(lab, 1, lab.X_train)
    np.testing.assert_allclose(z, lab.bn.params["W1"] @ lab.X_train)  # layer 1 does not depend on the batch
