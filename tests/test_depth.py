"""Deep networks at initialization: per-layer statistics, the linear example, symmetry and training."""
import numpy as np
import pytest

from optim_viz import depth as D
from optim_viz import nn


def test_layer_stats_match_a_direct_forward_and_backward_pass():
    s = D.layer_stats(depth=4, width=7, hidden="tanh", method="xavier", m=5, seed=3, nets=1)
    params = nn.init_params([7, 7, 7, 7, 7, 1], "xavier", np.random.default_rng([3, 0]))
    X = np.random.default_rng(3 + 1000).standard_normal((7, 5))
    Y = (X[0:1] > 0).astype(float)
    A, spreads = X, []
    for l in range(1, 5):  # the forward pass written out from the formulas
        A = np.tanh(params[f"W{l}"] @ A + params[f"b{l}"])
        spreads.append(A.std())
    np.testing.assert_allclose(s.spread, spreads, rtol=1e-12)
    AL, caches = nn.forward(params, X, "tanh", "sigmoid")
    g = nn.backward(AL, Y, caches, hidden="tanh")
    np.testing.assert_allclose(s.grad_norm, [np.linalg.norm(g[f"dW{l}"]) for l in range(1, 6)], rtol=1e-12)
    assert s.spread.shape == (4,) and s.grad_norm.shape == (5,) and not s.overflow


def test_he_keeps_the_relu_activation_spread_within_a_factor_of_2_across_50_layers():
    for seed in (0, 1, 2):
        he = D.layer_stats(depth=50, width=100, hidden="relu", method="he", seed=seed, nets=8)
        assert np.nanmax(he.spread) / np.nanmin(he.spread) < 2.0
    # the 1/n rule (Xavier) with ReLU loses about a factor √2 per layer instead
    xav = D.layer_stats(depth=50, width=100, hidden="relu", method="xavier", seed=0, nets=8)
    per_layer = (xav.spread[-1] / xav.spread[9]) ** (1 / 40)
    assert per_layer == pytest.approx(1 / np.sqrt(2), rel=0.05)


def test_scale_1_explodes_and_scale_001_vanishes():
    big = D.layer_stats(depth=50, width=100, hidden="relu", method="random", scale=1.0, nets=2)
    small = D.layer_stats(depth=50, width=100, hidden="relu", method="random", scale=0.01, nets=2)
    assert big.spread[-1] / big.spread[0] > 1e30  # about √(n/2) ≈ 7 per layer
    assert big.grad_norm[0] > 1e30
    assert small.spread[-1] / small.spread[0] < 1e-30
    assert small.grad_norm[0] < 1e-20


def test_overflow_is_reported_not_raised():
    s = D.layer_stats(depth=50, width=300, hidden="linear", method="constant", scale=10.0, nets=1)
    assert s.overflow and np.isnan(s.grad_norm).any()


def test_linear_example_is_w_to_the_l():
    for w in (1.5, 0.5):
        norms, y_hat = D.linear_example(depth=30, w=w)
        np.testing.assert_allclose(norms, w ** np.arange(1, 30) * np.sqrt(2), rtol=1e-12)
        assert y_hat == pytest.approx(2 * w ** 29, rel=1e-12)
    assert D.linear_example(30, 1.5)[1] > 1e5 and D.linear_example(30, 0.5)[1] < 1e-8


@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid"])
def test_zeros_and_constant_keep_units_identical_after_updates(hidden):
    for method in ("zeros", "constant"):
        r = D.symmetry_run(method, hidden=hidden, iterations=100, scale=0.5)
        # identical up to floating-point round-off (BLAS may sum the rows in different orders)
        assert np.all(r.unit_spread <= 1e-14)
        np.testing.assert_allclose(r.W1_column, np.repeat(r.W1_column[:, :1], r.W1_column.shape[1], 1),
                                   rtol=0, atol=1e-14)
    he = D.symmetry_run("he", hidden=hidden, iterations=100)
    assert he.unit_spread[-1] > 0.1


def test_constant_init_moves_the_weights_but_keeps_them_equal():
    r = D.symmetry_run("constant", hidden="tanh", iterations=200, scale=0.5)
    assert np.abs(r.W1_column[-1] - r.W1_column[0]).max() > 1e-3  # the weights did change...
    assert r.unit_spread[-1] <= 1e-14  # ...together


def test_short_training_run_learns_only_from_a_good_initialization():
    runs = D.training_runs(["zeros", "random", "he"], depth=5, width=10, hidden="relu", iterations=500, lr=0.1,
                           scale=0.01)
    assert runs["he"].train_accuracy > 0.9 and runs["he"].cost[-1] < 0.2
    for k in ("zeros", "random"):
        assert runs[k].cost[-1] == pytest.approx(np.log(2), abs=1e-3)


def test_dims_validation():
    assert D.dims(3, 5) == [5, 5, 5, 5, 1]
    with pytest.raises(ValueError):
        D.dims(0, 5)


def test_linear_examples_have_one_more_layer_than_hidden_layers():
    curves = D.linear_examples(4)
    assert list(curves) == [1.5, 1.0, 0.5]
    for w, (norms, y_hat) in curves.items():  # L = 5: four hidden activations w^l x, ŷ = [1, 1] w⁴ x
        assert norms.tolist() == pytest.approx([w ** l * 2 ** 0.5 for l in range(1, 5)], rel=1e-12)
        assert y_hat == pytest.approx(2 * w ** 4, rel=1e-12)


def test_first_and_last_pick_the_ends_of_each_profile():
    s = D.LayerStats(np.array([2.0, 3.0, 5.0]), np.array([7.0, 11.0, 13.0, 17.0]), False)
    assert D.first_and_last(s) == (2.0, 5.0, 7.0, 17.0)
    real = D.layer_stats(depth=3, width=5, seed=1)
    assert D.first_and_last(real) == (real.spread[0], real.spread[2], real.grad_norm[0], real.grad_norm[3])
    assert all(type(v) is float for v in D.first_and_last(real))


# ---------------------------------------------------------------------------------------------
# Side-by-side training (one stacked loop for every initialization) against nn.train, one network at a time.

@pytest.mark.parametrize("hidden", ["relu", "tanh", "linear"])
def test_side_by_side_training_equals_nn_train_per_network(hidden):
    from optim_viz import datasets, nn, optimizers

    methods = list(D.INITS)
    runs = D.training_runs(methods, depth=3, width=6, hidden=hidden, iterations=60, lr=0.3, scale=0.5, seed=2)
    X, Y = datasets.make("circles", m=300, noise=0.15, seed=2)
    for k in methods:
        params = nn.init_params([2, 6, 6, 6, 1], k, np.random.default_rng(2), 0.5)
        params, hist = nn.train(params, X, Y, optimizers.sgd(0.3), 60, hidden, "sigmoid", record_every=5)
        assert np.array_equal(runs[k].iteration, hist["iteration"])
        np.testing.assert_allclose(runs[k].cost, hist["cost"], rtol=1e-12)
        assert runs[k].train_accuracy == 1.0 - nn.error_rate(params, X, Y, hidden, "sigmoid")


def test_side_by_side_symmetry_runs_equal_chunked_nn_train():
    from optim_viz import datasets, nn, optimizers

    runs = D.symmetry_runs(("zeros", "constant", "he"), "tanh", iterations=35, every=10, scale=0.5)
    X, Y = datasets.make("circles", m=200, noise=0.1, seed=0)
    for k, r in runs.items():
        params = nn.init_params([2, 6, 6, 1], k, np.random.default_rng(0), 0.5)
        assert list(r.iteration) == [0, 10, 20, 30, 35]
        for i, t in enumerate(r.iteration):
            if i:
                params, _ = nn.train(params, X, Y, optimizers.sgd(0.5), int(t - r.iteration[i - 1]), "tanh", "sigmoid")
            np.testing.assert_allclose(r.W1_column[i], params["W1"][:, 0], rtol=1e-12, atol=1e-15)
            AL, _ = nn.forward(params, X, "tanh", "sigmoid")
            assert r.cost[i] == pytest.approx(nn.compute_cost(AL, Y), rel=1e-12)
            spread = max(np.abs(params[f"W{l}"] - params[f"W{l}"][0:1]).max() for l in (1, 2))
            assert r.unit_spread[i] == pytest.approx(spread, abs=1e-15)


def test_trend_words_follow_the_growth_factor():
    def stats(spread, overflow=False):
        return D.LayerStats(np.asarray(spread, float), np.ones(len(spread) + 1), overflow)

    assert D.trend(stats([1.0, 2.0])) == ("flat", 2.0)
    assert D.trend(stats([1.0, 0.2]))[0] == "vanishes" and D.trend(stats([1.0, 4.0]))[0] == "explodes"
    assert D.trend(stats([0.0, 0.0]))[0] == "all zero" and D.trend(stats([1.0, np.nan], True))[0] == "overflows"


def test_stuck_at_log2_names_the_runs_that_predict_one_half():
    runs = D.training_runs(["zeros", "he"], iterations=200)
    assert D.stuck_at_log2(runs) == ["zeros"]
    assert abs(runs["zeros"].cost[-1] - np.log(2)) < 0.01 < abs(runs["he"].cost[-1] - np.log(2))


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_training_in_groups_equals_the_whole_set(hidden):
    """The page trains the initializations that read the scale apart from the rest (a scale move retrains only
    them): each network's numbers are the same as in one side-by-side run of all six."""
    whole = D.training_runs(list(D.INITS), 4, 10, hidden, 60, 0.1, 0.3)
    fixed = [k for k in D.INITS if k not in D.USES_SCALE]
    parts = {**D.training_runs(fixed, 4, 10, hidden, 60, 0.1, 0.0),
             **D.training_runs(list(D.USES_SCALE), 4, 10, hidden, 60, 0.1, 0.3)}
    for k, run in whole.items():
        np.testing.assert_array_equal(parts[k].cost, run.cost)
        assert parts[k].train_accuracy == run.train_accuracy


def test_symmetry_runs_in_groups_equal_the_whole_set():
    whole = D.symmetry_runs(("zeros", "constant", "he"), "tanh", scale=0.5, seed=3)
    parts = {**D.symmetry_runs(("zeros", "he"), "tanh", scale=0.0, seed=3),
             **D.symmetry_runs(("constant",), "tanh", scale=0.5, seed=3)}
    for k, run in whole.items():
        for a, b in zip(parts[k], run):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_a_continued_training_equals_a_fresh_one(hidden):
    """More iterations continue the stored shorter run: the same records and accuracy as training from scratch."""
    methods = ["zeros", "random", "he"]
    fresh = D.training_runs(methods, 3, 10, hidden, 200, 0.1, 0.5, seed=2)
    _, short = D.training_continued(methods, 3, 10, hidden, 70, 0.1, 0.5, seed=2)
    longer, state = D.training_continued(methods, 3, 10, hidden, 200, 0.1, 0.5, seed=2, start=short)
    assert state.t == 200
    for k in methods:
        np.testing.assert_array_equal(longer[k].iteration, fresh[k].iteration)
        np.testing.assert_array_equal(longer[k].cost, fresh[k].cost)
        assert longer[k].train_accuracy == fresh[k].train_accuracy


def test_training_memo_continues_only_longer_runs(monkeypatch):
    calls = []
    real = D.train_side_by_side

    def counting(nets, X, Y, lr, iterations, hidden="relu", **kw):
        calls.append((iterations, kw.get("resume", (0,))[0]))
        return real(nets, X, Y, lr, iterations, hidden, **kw)

    monkeypatch.setattr(D, "train_side_by_side", counting)
    memo = D.TrainingMemo(max_entries=2)
    args = (("he", "xavier"), 2, 10, "relu")
    first = memo.get(*args, 100, 0.1, 0.0, 0)
    more = memo.get(*args, 300, 0.1, 0.0, 0)
    fewer = memo.get(*args, 200, 0.1, 0.0, 0)
    assert calls == [(100, 0), (200, 100), (200, 0)]  # 300 continued from 100; 200 trained afresh
    fresh = D.training_runs(*args, 300, 0.1, 0.0)
    for k in ("he", "xavier"):
        np.testing.assert_array_equal(more[k].cost, fresh[k].cost)
        assert len(first[k].iteration) < len(fewer[k].iteration) < len(more[k].iteration)
    memo.get(*args, 100, 0.2, 0.0, 0)
    memo.get(*args, 100, 0.3, 0.0, 0)
    assert len(memo) == 2  # bounded


def test_shared_draws_give_the_same_profiles_and_are_drawn_once_per_network():
    draws = D.NormalDraws()
    for hidden in ("relu", "tanh"):
        for method in D.INITS:
            alone = D.layer_stats(depth=6, width=12, hidden=hidden, method=method, scale=0.3, seed=4, nets=3)
            shared = D.layer_stats(depth=6, width=12, hidden=hidden, method=method, scale=0.3, seed=4, nets=3,
                                   draws=draws)
            for a, b in zip(alone[:2], shared[:2], strict=True):
                np.testing.assert_array_equal(a, b)  # the same bits
    assert len(draws) == 3  # one entry per network, whatever the method
    W = nn.init_params(D.dims(6, 12), "he", np.random.default_rng([4, 0]))["W2"]
    np.testing.assert_array_equal(draws.get(D.dims(6, 12), 4, 0)[1] * np.sqrt(2 / 12), W)


def test_shared_draws_stay_within_their_bytes_and_are_read_only():
    one = 8 * sum(a * b for a, b in zip(D.dims(3, 10), D.dims(3, 10)[1:]))  # bytes of one network's draws
    draws = D.NormalDraws(max_bytes=2.5 * one)
    for k in range(5):
        draws.get(D.dims(3, 10), 0, k)
        assert draws.nbytes <= draws.max_bytes
    assert len(draws) == 2
    first = draws.get(D.dims(3, 10), 0, 4)
    with pytest.raises(ValueError):
        first[0][0, 0] = 1.0
    small = D.NormalDraws(max_bytes=one / 2)
    assert len(small.get(D.dims(3, 10), 0, 0)) == 4 and len(small) == 0  # too large to keep: drawn, not kept
