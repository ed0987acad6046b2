"""optim_viz.ewma against a scalar loop written from the course formula and closed forms."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optim_viz import ewma as E


def loop_reference(theta, beta, bias_correction):
    """v_0 = 0; v_t = β v_{t−1} + (1−β) θ_t; report v_t / (1 − β^t) (t from 1) when correcting."""
    v, out = 0.0, []
    for t, x in enumerate(theta, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta**t) if bias_correction else v)
    return np.array(out)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.98, 0.999])
@pytest.mark.parametrize("bc", [True, False])
def test_matches_the_plain_loop(beta, bc):
    theta = E.temperature_series(seed=3)
    np.testing.assert_allclose(E.ewma(theta, beta, bias_correction=bc), loop_reference(theta, beta, bc),
                               rtol=1e-12, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=40), st.floats(0.0, 0.995))
def test_matches_the_loop_on_any_series(values, beta):
    np.testing.assert_allclose(E.ewma(values, beta), loop_reference(values, beta, True), rtol=1e-9, atol=1e-9)


def test_array_beta_gives_one_row_per_beta():
    theta = E.noisy_loss_curve(seed=1)
    betas = np.array([0.5, 0.9, 0.98])
    rows = E.ewma(theta, betas)
    assert rows.shape == (3, theta.size)
    for b, row in zip(betas, rows):
        np.testing.assert_allclose(row, loop_reference(theta, b, True), rtol=1e-12)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.999])
def test_corrected_average_of_a_constant_is_that_constant(beta):
    c = 7.25
    np.testing.assert_allclose(E.ewma(np.full(200, c), beta), c, rtol=1e-12)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.999])
def test_uncorrected_average_of_a_constant_is_biased_towards_zero(beta):
    """Closed form: v_t = c (1 − β^t), so the start is far too low for β near 1."""
    c, t = 3.0, np.arange(1, 101)
    np.testing.assert_allclose(E.ewma(np.full(100, c), beta, bias_correction=False), c * (1 - beta**t), rtol=1e-12)


def test_correction_is_not_written_into_the_recursion():
    """The popular wrong form divides inside the recursion; it differs from the course's from t = 2 on."""
    theta, beta = [10.0, 10.0, 10.0], 0.9
    v, wrong = 0.0, []
    for t, x in enumerate(theta, start=1):
        v = (beta * v + (1 - beta) * x) / (1 - beta**t)
        wrong.append(v)
    ours = E.ewma(theta, beta)
    assert ours[0] == pytest.approx(wrong[0])
    assert not np.allclose(ours[1:], wrong[1:])
    np.testing.assert_allclose(ours, 10.0)


def test_weights_sum_and_window():
    w = E.weights(0.9, 2000)
    assert w[0] == pytest.approx(0.1) and w.sum() == pytest.approx(1.0)
    assert E.effective_window(0.9) == pytest.approx(10) and E.effective_window(0.98) == pytest.approx(50)
    assert E.effective_window(0.5) == pytest.approx(2)
    k = E.one_over_e_lag(0.9)
    assert 0.9**k == pytest.approx(1 / np.e) and 9 < k < 10


def test_uncorrected_ewma_is_the_weighted_sum_of_the_past():
    """v_t = Σ_k (1−β) β^k θ_{t−k}: the weights chart shows exactly what the recursion computes."""
    theta = E.temperature_series(seed=5)[:60]
    beta = 0.9
    direct = np.dot(E.weights(beta, 59), theta[::-1])
    assert E.ewma(theta, beta, bias_correction=False)[-1] == pytest.approx(direct, rel=1e-12)


def test_series_are_seeded_and_shaped():
    a, b = E.series("temperature", 4), E.series("temperature", 4)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (365,) and not np.array_equal(a, E.series("temperature", 5))
    assert 5 < a[170:200].mean() - a[:30].mean() < 40  # summer warmer than winter
    loss = E.series("loss", 0)
    assert loss[:20].mean() > 3 * loss[-50:].mean() > 0
    with pytest.raises(ValueError):
        E.series("nope")


@pytest.mark.parametrize("bad", [1.0, -0.1, [[0.5]]])
def test_bad_beta_raises(bad):
    with pytest.raises(ValueError):
        E.ewma([1.0, 2.0], bad)


def test_time_steps_count_from_one():
    assert E.time_steps([4.0, 5.0, 6.0]).tolist() == [1, 2, 3]
    assert E.time_steps(np.zeros(0)).size == 0


@pytest.mark.parametrize("beta, expected", [(0.5, 20), (0.9, 30), (0.98, 149), (0.875, 24), (0.999, 600), (0.0, 20)])
def test_weights_horizon_is_three_windows_clipped(beta, expected):
    # 3 · 1/(1 − β) truncated: 6 → 20 (floor), 30, 149.99… (1 − 0.98 is a hair above 0.02 in floats) → 149,
    # 24 (exact in binary), 3000 → 600 (cap), 3 → 20
    assert E.weights_horizon(beta) == expected
    assert isinstance(E.weights_horizon(beta), int)


# ------------------------------------------------------------- the facts the EWMA page states

@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98, 0.999])
def test_shortfall_is_beta_to_the_t_on_any_series(beta):
    """1 − v_t / v̂_t = β^t, measured on the loop's two curves (not on the closed form)."""
    theta = E.temperature_series(seed=2)
    v, v_hat = loop_reference(theta, beta, False), loop_reference(theta, beta, True)
    t = np.arange(1, theta.size + 1)
    np.testing.assert_allclose(1 - v / v_hat, E.shortfall(beta, t), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("beta,expected", [(0.9, 29), (0.98, 149), (0.999, 2995), (0.5, 5)])
def test_catch_up_is_the_first_t_within_five_percent(beta, expected):
    t = 1
    while beta**t > 0.05:  # brute force
        t += 1
    assert E.catch_up(beta) == t == expected
    if beta >= 0.9:  # ≈ 3/(1−β) near β = 1
        assert abs(E.catch_up(beta) - 3 / (1 - beta)) <= 0.05 * 3 / (1 - beta)


def test_the_rule_of_thumb_leaves_about_37_percent():
    """After 1/(1−β) points the uncorrected average is still ~1/e low, not caught up (COURSE.md)."""
    for beta in (0.9, 0.98, 0.999):
        assert 0.34 < E.shortfall(beta, 1 / (1 - beta)) < 1 / np.e + 1e-9


def test_mean_age_is_the_weighted_mean_lag_and_the_lag_on_a_trend():
    for beta in (0.5, 0.9, 0.98):
        k = np.arange(20000)
        assert np.sum(k * (1 - beta) * beta**k) == pytest.approx(E.mean_age(beta), rel=1e-9)
        ramp = np.arange(3000.0)  # a steady trend θ_t = t: the uncorrected average trails it by β/(1−β)
        assert ramp[-1] - loop_reference(ramp, beta, False)[-1] == pytest.approx(E.mean_age(beta), rel=1e-9)


def test_roughness_and_peak_time():
    assert E.roughness([0.0, 1.0, 3.0]) == pytest.approx(np.sqrt((1 + 4) / 2))
    assert E.roughness([5.0]) == 0.0
    assert E.peak_time([1.0, 3.0, 2.0]) == 2
    assert E.peak_time(E.season()) == 198  # 55 − 16 cos(2π (day − 15)/365) peaks at day index 197, t = 198


def test_wrong_recursion_pushes_a_constant_too_high():
    ones = np.ones(5)
    wrong = E.wrong_recursion(ones, 0.9)
    assert wrong[0] == pytest.approx(1.0) and wrong[1] == pytest.approx(1 / (1 - 0.9**2))
    assert np.all(wrong[1:] > 1) and np.all(np.diff(wrong) > 0)
    np.testing.assert_allclose(E.ewma(ones, 0.9), 1.0, rtol=1e-12)


def test_season_is_the_noise_free_part_of_the_temperatures():
    noise = E.temperature_series(seed=0) - E.season()
    assert abs(noise.mean()) < 2 and noise.std() < 10
