"""Inverted dropout: statistics of the mask, the expected value, fresh masks, no dropout at prediction."""
import numpy as np
import pytest

from optim_viz import dropout, nn


@pytest.mark.parametrize("keep_prob", [0.1, 0.5, 0.8, 1.0])
def test_kept_fraction_is_keep_prob(keep_prob):
    d = dropout.mask((200, 500), keep_prob, np.random.default_rng(0))
    assert d.dtype == bool and d.shape == (200, 500)
    # 100 000 Bernoulli draws: the standard error is ≤ 0.0016
    assert abs(d.mean() - keep_prob) < 0.01


def test_mask_is_rand_below_keep_prob():
    d = dropout.mask((4, 6), 0.3, np.random.default_rng(9))
    np.testing.assert_array_equal(d, np.random.default_rng(9).random((4, 6)) < 0.3)


def test_apply_is_a_times_d_over_keep_prob():
    a = np.arange(1.0, 13.0).reshape(3, 4)
    out, d = dropout.apply(a, 0.6, np.random.default_rng(2))
    for i in range(3):
        for j in range(4):
            assert out[i, j] == (a[i, j] / 0.6 if d[i, j] else 0.0)
    assert d.sum() not in (0, 12)


@pytest.mark.parametrize("keep_prob", [0.3, 0.5, 0.9])
def test_scaled_mean_matches_input_mean(keep_prob):
    a = np.random.default_rng(1).uniform(0, 2, (50, 40))
    rng = np.random.default_rng(3)
    outs = np.stack([dropout.apply(a, keep_prob, rng)[0] for _ in range(400)])
    assert outs.mean() == pytest.approx(a.mean(), rel=0.01)
    ev = dropout.expected_value_check(a, keep_prob, np.random.default_rng(4), draws=400)
    assert ev.no_dropout == pytest.approx(a.mean())
    assert ev.inverted == pytest.approx(a.mean(), rel=0.01)
    assert ev.masked_only == pytest.approx(keep_prob * a.mean(), rel=0.01)
    assert ev.kept_fraction == pytest.approx(keep_prob, abs=0.005)


def test_new_mask_each_call():
    rng = np.random.default_rng(0)
    masks = [dropout.mask((20, 20), 0.5, rng) for _ in range(5)]
    assert all(not np.array_equal(masks[i], masks[j]) for i in range(5) for j in range(i + 1, 5))


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, float("nan")])
def test_keep_prob_out_of_range(bad):
    with pytest.raises(ValueError):
        dropout.mask((2, 2), bad, np.random.default_rng(0))


def test_no_dropout_at_prediction():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 50))
    params = nn.init_params([2, 8, 8, 1], "he", rng)
    first = nn.predict(params, X)
    assert all(np.array_equal(nn.predict(params, X), first) for _ in range(5))
    AL, caches = nn.forward(params, X)
    assert all(c["D"] is None for c in caches)
    np.testing.assert_array_equal(first, (AL > 0.5).astype(int))
    # with dropout in training the output changes from draw to draw
    a1, _ = nn.forward(params, X, keep_probs=0.5, rng=rng)
    a2, _ = nn.forward(params, X, keep_probs=0.5, rng=rng)
    assert not np.array_equal(a1, a2)


def test_forward_applies_the_mask_it_reports():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 30))
    params = nn.init_params([2, 6, 5, 1], "he", rng)
    _, caches = nn.forward(params, X, keep_probs=[0.5, 0.7], rng=np.random.default_rng(1))
    for c, kp in zip(caches[:2], [0.5, 0.7]):
        np.testing.assert_allclose(c["A"], c["A_raw"] * c["D"] / kp)
        assert c["keep_prob"] == kp
