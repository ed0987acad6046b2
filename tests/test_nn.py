"""optim_viz.nn against independent references: scalar loops from the formulas and central differences."""
import math

import numpy as np
import pytest

from optim_viz import nn, optimizers

DIMS = [3, 5, 4]


def _problem(output, C=3, m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((DIMS[0], m))
    if output == "softmax":
        Y = np.eye(C)[:, rng.integers(0, C, m)]
    elif output == "sigmoid":
        Y = rng.integers(0, 2, (1, m)).astype(float)
    else:
        Y = rng.standard_normal((1, m))
    params = nn.init_params(DIMS + [Y.shape[0]], "xavier", rng)
    for l in range(1, nn.n_layers(params) + 1):  # non-zero biases so db is tested too
        params[f"b{l}"] = 0.1 * rng.standard_normal(params[f"b{l}"].shape)
    return X, Y, params


def _cost_at(theta, like, X, Y, hidden, output, lambd, keep_probs=None, seed=None):
    p = nn.from_vector(theta, like)
    rng = None if seed is None else np.random.default_rng(seed)  # same seed → same masks
    AL, _ = nn.forward(p, X, hidden, output, keep_probs, rng)
    return nn.compute_cost(AL, Y, p, lambd, output)


def _numeric_grad(params, X, Y, hidden, output, lambd, keep_probs=None, seed=None, eps=1e-6):
    theta = nn.to_vector(params)
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = eps
        g[i] = (_cost_at(theta + e, params, X, Y, hidden, output, lambd, keep_probs, seed)
                - _cost_at(theta - e, params, X, Y, hidden, output, lambd, keep_probs, seed)) / (2 * eps)
    return g


def _rel_diff(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


@pytest.mark.parametrize("hidden", nn.HIDDEN)
@pytest.mark.parametrize("output", nn.OUTPUTS)
def test_backprop_matches_central_differences_with_l2(hidden, output):
    X, Y, params = _problem(output)
    lambd = 0.7
    AL, caches = nn.forward(params, X, hidden, output)
    grads = nn.backward(AL, Y, caches, lambd, hidden, output)
    assert list(grads) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    numeric = _numeric_grad(params, X, Y, hidden, output, lambd)
    assert _rel_diff(nn.to_vector(grads), numeric) < 1e-7
    # every component, not only the norm (a small layer could hide in a large one)
    np.testing.assert_allclose(nn.to_vector(grads), numeric, rtol=1e-5, atol=1e-8)


def test_l2_term_is_in_the_gradient():
    X, Y, params = _problem("sigmoid")
    AL, caches = nn.forward(params, X, "tanh", "sigmoid")
    g0 = nn.backward(AL, Y, caches, 0.0, "tanh", "sigmoid")
    g1 = nn.backward(AL, Y, caches, 2.0, "tanh", "sigmoid")
    m = X.shape[1]
    for l in (1, 2, 3):
        np.testing.assert_allclose(g1[f"dW{l}"] - g0[f"dW{l}"], (2.0 / m) * params[f"W{l}"], atol=1e-15)
        np.testing.assert_array_equal(g1[f"db{l}"], g0[f"db{l}"])


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_backprop_with_dropout_matches_central_differences_for_fixed_masks(hidden):
    X, Y, params = _problem("sigmoid", m=11)
    kps = [0.6, 0.8]
    AL, caches = nn.forward(params, X, hidden, "sigmoid", kps, np.random.default_rng(5))
    assert all(c["D"] is not None for c in caches[:-1]) and caches[-1]["D"] is None
    grads = nn.backward(AL, Y, caches, 0.3, hidden, "sigmoid", kps)
    numeric = _numeric_grad(params, X, Y, hidden, "sigmoid", 0.3, kps, seed=5)
    assert _rel_diff(nn.to_vector(grads), numeric) < 1e-7


def test_forward_matches_scalar_loop():
    X, Y, params = _problem("softmax", m=4)
    AL, caches = nn.forward(params, X, "tanh", "softmax")
    W1, b1, W2, b2, W3, b3 = (params[k].tolist() for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    for j in range(X.shape[1]):
        a0 = X[:, j].tolist()
        a1 = [math.tanh(sum(W1[i][k] * a0[k] for k in range(3)) + b1[i][0]) for i in range(5)]
        a2 = [math.tanh(sum(W2[i][k] * a1[k] for k in range(5)) + b2[i][0]) for i in range(4)]
        z3 = [sum(W3[i][k] * a2[k] for k in range(4)) + b3[i][0] for i in range(3)]
        t = [math.exp(z) for z in z3]
        np.testing.assert_allclose(AL[:, j], [v / sum(t) for v in t], rtol=1e-12)
        np.testing.assert_allclose(caches[0]["A"][:, j], a1, rtol=1e-12)


@pytest.mark.parametrize("output", nn.OUTPUTS)
def test_cost_matches_scalar_loop(output):
    X, Y, params = _problem(output)
    AL, _ = nn.forward(params, X, "relu", output)
    m, lambd = X.shape[1], 0.5
    total = 0.0
    for j in range(m):
        for i in range(Y.shape[0]):
            y, a = Y[i, j], AL[i, j]
            if output == "sigmoid":
                total += -(y * math.log(a) + (1 - y) * math.log(1 - a))
            elif output == "softmax":
                total += -y * math.log(a)
            else:
                total += 0.5 * (a - y) ** 2
    l2 = sum(w * w for k in ("W1", "W2", "W3") for w in params[k].ravel())
    expected = total / m + lambd / (2 * m) * l2
    assert nn.compute_cost(AL, Y, params, lambd, output) == pytest.approx(expected, rel=1e-12)
    assert nn.compute_cost(AL, Y, output=output) == pytest.approx(total / m, rel=1e-12)


def test_cost_is_finite_for_a_saturated_sigmoid():
    assert np.isfinite(nn.compute_cost(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])))


@pytest.mark.parametrize("method,std", [("xavier", lambda n, p: math.sqrt(1 / p)),
                                        ("he", lambda n, p: math.sqrt(2 / p)),
                                         ("glorot", lambda n, p: math.sqrt(2 / (n + p))),
                                         ("random", lambda n, p: 0.05)])
def test_init_scales(method, std):
    params = nn.init_params([400, 300, 1], method, np.random.default_rng(1), scale=0.05)
    W = params["W1"]
    assert W.shape == (300, 400) and params["b1"].shape == (300, 1) and not params["b1"].any()
    assert W.std() == pytest.approx(std(300, 400), rel=0.02)
    assert abs(W.mean()) < 0.01 * std(300, 400) * 10


def test_init_zeros_constant_and_errors():
    z = nn.init_params([2, 3, 1], "zeros")
    assert all(not v.any() for v in z.values()) and list(z) == ["W1", "b1", "W2", "b2"]
    c = nn.init_params([2, 3, 1], "constant", scale=0.3)
    assert np.all(c["W1"] == 0.3) and np.all(c["W2"] == 0.3)
    with pytest.raises(ValueError):
        nn.init_params([2, 3, 1], "bogus")
    with pytest.raises(ValueError):
        nn.init_params([2], "he")
    a = nn.init_params([2, 3, 1], "he", np.random.default_rng(7))
    b = nn.init_params([2, 3, 1], "he", np.random.default_rng(7))
    np.testing.assert_array_equal(a["W1"], b["W1"])


def test_vector_round_trip_and_order():
    params = nn.init_params([2, 3, 1], "he", np.random.default_rng(0))
    theta = nn.to_vector(params)
    assert theta.size == 2 * 3 + 3 + 3 * 1 + 1
    np.testing.assert_array_equal(theta[:6], params["W1"].ravel())
    np.testing.assert_array_equal(theta[6:9], params["b1"].ravel())
    back = nn.from_vector(theta, params)
    assert list(back) == list(params)
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])
    grads = {k: v for k, v in (("db2", np.ones((1, 1))), ("dW1", np.zeros((3, 2))), ("db1", np.ones((3, 1))),
                               ("dW2", np.full((1, 3), 2.0)))}
    np.testing.assert_array_equal(nn.to_vector(grads), [0] * 6 + [1] * 3 + [2] * 3 + [1])
    assert list(nn.from_vector(nn.to_vector(grads), grads)) == ["dW1", "db1", "dW2", "db2"]
    with pytest.raises(ValueError):
        nn.from_vector(theta[:-1], params)


def test_predict_labels_and_no_dropout():
    X, Y, params = _problem("sigmoid")
    AL, _ = nn.forward(params, X, "relu", "sigmoid")
    np.testing.assert_array_equal(nn.predict(params, X), (AL > 0.5).astype(int))
    Xs, Ys, ps = _problem("softmax")
    ALs, _ = nn.forward(ps, Xs, "relu", "softmax")
    np.testing.assert_array_equal(nn.predict(ps, Xs, "relu", "softmax"), ALs.argmax(axis=0)[None, :])
    assert nn.error_rate(ps, Xs, Ys, "relu", "softmax") == pytest.approx(
        np.mean(ALs.argmax(axis=0) != Ys.argmax(axis=0)))


def test_keep_prob_validation():
    X, Y, params = _problem("sigmoid")
    with pytest.raises(ValueError):
        nn.forward(params, X, keep_probs=0.5)  # no rng
    with pytest.raises(ValueError):
        nn.forward(params, X, keep_probs=[0.5], rng=np.random.default_rng(0))  # wrong count
    with pytest.raises(ValueError):
        nn.forward(params, X, keep_probs=0.0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        nn.forward(params, X, hidden="swish")
    _, caches = nn.forward(params, X, keep_probs=[1.0, 1.0])
    assert all(c["D"] is None for c in caches)


def test_train_one_sgd_step_is_w_minus_lr_dw():
    X, Y, params = _problem("sigmoid")
    AL, caches = nn.forward(params, X, "tanh", "sigmoid")
    grads = nn.backward(AL, Y, caches, 0.2, "tanh", "sigmoid")
    new, hist = nn.train(params, X, Y, optimizers.sgd(lr=0.1), 1, "tanh", "sigmoid", lambd=0.2)
    for k in params:
        np.testing.assert_allclose(new[k], params[k] - 0.1 * grads["d" + k], rtol=1e-14)
    assert hist["cost"][0] == pytest.approx(nn.compute_cost(AL, Y, params, 0.2))
    # L2 as weight decay: W := (1 − αλ/m) W − α dW_backprop
    g0 = nn.backward(AL, Y, caches, 0.0, "tanh", "sigmoid")
    m = X.shape[1]
    np.testing.assert_allclose(new["W1"], (1 - 0.1 * 0.2 / m) * params["W1"] - 0.1 * g0["dW1"], rtol=1e-13)


def test_train_adam_matches_per_array_manual_loop():
    X, Y, params = _problem("sigmoid")
    new, hist = nn.train(params, X, Y, optimizers.adam(lr=0.01), 5, "relu", "sigmoid", record_every=1)
    p = {k: v.copy() for k, v in params.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    s = {k: np.zeros_like(a) for k, a in p.items()}
    for t in range(1, 6):
        AL, caches = nn.forward(p, X, "relu", "sigmoid")
        g = nn.backward(AL, Y, caches)
        for k in p:
            v[k] = 0.9 * v[k] + 0.1 * g["d" + k]
            s[k] = 0.999 * s[k] + 0.001 * g["d" + k] ** 2
            p[k] = p[k] - 0.01 * (v[k] / (1 - 0.9**t)) / (np.sqrt(s[k] / (1 - 0.999**t)) + 1e-8)
    for k in p:
        np.testing.assert_allclose(new[k], p[k], rtol=1e-12)
    np.testing.assert_array_equal(hist["iteration"], [1, 2, 3, 4, 5])
    assert hist["weight_norms"].shape == (5, 3)
    np.testing.assert_allclose(hist["weight_norms"][-1], [np.linalg.norm(p[f"W{l}"]) for l in (1, 2, 3)])
    assert not any(np.shares_memory(new[k], params[k]) for k in params)


def test_train_dropout_is_seeded_and_records_masks():
    X, Y, params = _problem("sigmoid")
    run = lambda seed: nn.train(params, X, Y, optimizers.sgd(lr=0.1), 20, "relu", "sigmoid",  # noqa: E731
                                keep_probs=[0.5, 1.0], rng=np.random.default_rng(seed), record_masks=10)
    (pa, ha), (pb, _), (pc, _) = run(3), run(3), run(4)
    np.testing.assert_array_equal(pa["W1"], pb["W1"])
    assert not np.array_equal(pa["W1"], pc["W1"])
    assert len(ha["masks"]) == 2 and ha["masks"][1] is None and ha["masks"][0].shape == (10, 5)
    # the recorded masks are the ones the training rng drew (replayed with the same seed)
    rng = np.random.default_rng(3)
    for t in range(10):
        d1 = rng.random((5, X.shape[1])) < 0.5
        np.testing.assert_array_equal(ha["masks"][0][t], d1[:, 0])
    assert len({tuple(row) for row in ha["masks"][0]}) > 1  # a new mask every iteration


# ------------------------------------------------------------------ regularization on a fixed problem

def _small_noisy_moons():
    from optim_viz import datasets
    X, Y = datasets.make("moons", 60, 0.35, seed=0)
    return datasets.split(X, Y, (0.6, 0.2, 0.2), seed=0)


def _fit(s, lambd=0.0, keep_probs=None, dims=(100, 100), iterations=2000):
    params = nn.init_params([2, *dims, 1], "he", np.random.default_rng(0))
    params, _ = nn.train(params, s.X_train, s.Y_train, optimizers.adam(lr=0.01), iterations, "relu", "sigmoid",
                         lambd, keep_probs, np.random.default_rng(1))
    return params, nn.error_rate(params, s.X_train, s.Y_train), nn.error_rate(params, s.X_dev, s.Y_dev)


def test_l2_shrinks_weight_norm_monotonically_with_lambda():
    s = _small_noisy_moons()
    norms = [np.sum(nn.weight_norms(_fit(s, lambd, dims=(20, 10), iterations=600)[0]) ** 2)
             for lambd in (0.0, 0.03, 0.1, 0.3, 1.0, 3.0)]
    assert all(a > b for a, b in zip(norms, norms[1:])), norms
    assert norms[-1] < 0.1 * norms[0]


def test_big_network_overfits_and_regularization_narrows_the_gap():
    s = _small_noisy_moons()
    _, train0, dev0 = _fit(s)
    assert train0 <= 0.03 and dev0 - train0 >= 0.25  # train error ≪ dev error
    _, train_l2, dev_l2 = _fit(s, lambd=1.0)
    _, train_do, dev_do = _fit(s, keep_probs=0.5)
    assert dev_l2 - train_l2 < (dev0 - train0) - 0.2
    assert dev_do - train_do < (dev0 - train0) - 0.1
    assert dev_l2 < dev0 and dev_do < dev0


# ------------------------------------------------------------------ the numbers the Regularization lab shows

def test_all_weights_and_their_squared_sum_match_a_loop():
    _, _, params = _problem("sigmoid")
    flat, total = [], 0.0
    for l in (1, 2, 3):  # 3 → 5 → 4 → 1: three layers; the biases are left out
        for w in params[f"W{l}"].flat:
            flat.append(w)
            total += w * w
    assert nn.all_weights(params).tolist() == flat
    assert nn.sum_squared_weights(params) == pytest.approx(total, rel=1e-12)
    assert nn.l2_penalty(params, 2.0, 4) == pytest.approx(2.0 / (2 * 4) * nn.sum_squared_weights(params))


def test_dropout_expected_values_use_the_hidden_activations_by_hand():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2, 40))
    params = nn.init_params([2, 6, 4, 1], "he", np.random.default_rng(1))
    A1 = np.maximum(0, params["W1"] @ X + params["b1"])
    A2 = np.maximum(0, params["W2"] @ A1 + params["b2"])
    values = nn.dropout_expected_values(params, X, "relu", (0.5, 0.8), seed=3, draws=400)
    assert len(values) == 2
    for v, A, kp in zip(values, (A1, A2), (0.5, 0.8)):
        assert v.no_dropout == pytest.approx(A.mean(), rel=1e-12)
        assert v.kept_fraction == pytest.approx(kp, abs=0.02)
        assert v.masked_only == pytest.approx(kp * A.mean(), rel=0.05)  # too small by keep_prob
        assert v.inverted == pytest.approx(A.mean(), rel=0.05)  # the scaling restores the mean
    # seeded: the same seed draws the same masks
    assert nn.dropout_expected_values(params, X, "relu", (0.5, 0.8), seed=3, draws=400) == values


def test_record_every_gap_and_divergence():
    assert [nn.record_every(n) for n in (1, 199, 200, 2000, 5000)] == [1, 1, 1, 10, 25]
    assert nn.record_every(100, points=30) == 3
    assert not nn.diverged({"cost": np.array([0.7, 0.3])})
    assert nn.diverged({"cost": np.array([0.7, np.inf])}) and nn.diverged({"cost": np.array([0.7, np.nan])})
