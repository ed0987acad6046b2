"""Input normalization: statistics, the test-set rule, and the conditioning of the regression cost."""
import numpy as np
import pytest

from optim_viz import normalization as N
from optim_viz import optimizers, simulate


def test_fit_matches_a_scalar_loop_per_feature():
    X = np.random.default_rng(1).normal([[5.0], [-300.0], [0.01]], [[2.0], [40.0], [0.001]], size=(3, 50))
    mu, sigma = N.fit(X)
    assert mu.shape == sigma.shape == (3, 1)
    for j in range(3):
        row = [float(v) for v in X[j]]
        mean = sum(row) / len(row)
        var = sum((v - mean) ** 2 for v in row) / len(row)  # σ² after centering, divided by m
        assert mu[j, 0] == pytest.approx(mean, rel=1e-12)
        assert sigma[j, 0] == pytest.approx(var ** 0.5, rel=1e-12)


def test_normalized_columns_have_mean_0_and_variance_1():
    d = N.make_data(ratio=300.0, offset=7.0, seed=3)
    Xn = N.transform(d.X_train, *N.fit(d.X_train))
    np.testing.assert_allclose(Xn.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose((Xn ** 2).mean(axis=1), 1.0, rtol=1e-12)


def test_test_set_uses_the_training_statistics():
    d = N.make_data(ratio=50.0, offset=3.0, m_train=40, m_test=25, seed=4)
    mu, sigma = N.fit(d.X_train)
    Xt = N.transform(d.X_test, mu, sigma)
    # by hand with the TRAINING statistics
    expected = np.array([[(d.X_test[i, k] - mu[i, 0]) / sigma[i, 0] for k in range(25)] for i in range(2)])
    np.testing.assert_allclose(Xt, expected, rtol=1e-12)
    # and therefore NOT the test set's own normalization (its own mean would be exactly 0)
    assert np.abs(Xt.mean(axis=1)).max() > 1e-3
    assert not np.allclose(Xt, N.transform(d.X_test, *N.fit(d.X_test)))


def test_zero_variance_feature_gives_a_clear_message_not_a_division_by_zero():
    X = np.vstack([np.arange(6.0), np.full(6, 0.1)])
    with pytest.raises(ValueError, match="zero variance.*row 1"):
        N.fit(X)
    mu, sigma = N.fit(X, zero_variance="keep")
    assert sigma[1, 0] == 1.0
    Xn = N.transform(X, mu, sigma)
    assert np.isfinite(Xn).all() and np.allclose(Xn[1], 0.0)
    with pytest.raises(ValueError, match="sigma must be positive"):
        N.transform(X, mu, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="one value per feature"):
        N.transform(X, mu[:1], sigma[:1])
    with pytest.raises(ValueError, match="2-D"):
        N.fit(np.arange(3.0))


def test_quadratic_cost_and_gradient_match_the_data():
    d = N.make_data(ratio=10.0, offset=1.0, m_train=30, seed=5)
    q = N.regression_cost(d.X_train, d.y_train)
    w = np.array([0.3, -0.7])
    direct = 0.5 * np.mean((w @ d.X_train - d.y_train[0]) ** 2)
    assert q.cost(*w) == pytest.approx(direct, rel=1e-12)
    h = 1e-6
    num = [(q.cost(*(w + h * e)) - q.cost(*(w - h * e))) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(q.grad(*w), num, rtol=1e-6)
    np.testing.assert_allclose(q.grad(*q.w_star), 0.0, atol=1e-12)


def test_normalized_problem_is_better_conditioned_and_faster_exact_counts():
    cmp = N.compare(ratio=5.0, offset=1.0, seed=0, fraction=0.95, steps=5000, tol=1e-6)
    assert cmp.raw.condition == pytest.approx(37.2544155, rel=1e-6)
    assert cmp.norm.condition == pytest.approx(1.14159462, rel=1e-6)
    raw, norm = cmp.runs[("raw", "sgd")], cmp.runs[("norm", "sgd")]
    assert (raw.steps, norm.steps) == (129, 51)
    # the simulated counts agree with the closed form from the Hessian's eigen-decomposition
    assert N.gd_steps_closed_form(cmp.raw, raw.lr, 1e-6) == 129
    assert N.gd_steps_closed_form(cmp.norm, norm.lr, 1e-6) == 51
    assert raw.lr == pytest.approx(0.95 * 2 / cmp.raw.L_max)


def test_gd_steps_grow_with_the_scale_ratio():
    counts = []
    for ratio in (1.0, 5.0, 20.0):
        cmp = N.compare(ratio=ratio, offset=2.0, seed=0, steps=100, methods=("sgd",))
        counts.append(N.gd_steps_closed_form(cmp.raw, cmp.runs[("raw", "sgd")].lr, 1e-6))
    assert counts[0] < counts[1] < counts[2]
    assert counts[2] > 1000


def test_gd_diverges_just_above_the_stability_limit_and_not_below():
    d = N.make_data(ratio=20.0, offset=2.0, seed=0)
    q = N.regression_cost(d.X_train, d.y_train)
    assert N.gd_steps_closed_form(q, 1.01 * 2 / q.L_max) == -1
    assert N.gd_steps_closed_form(q, 0.99 * 2 / q.L_max) > 0
    over = N.run_optimizer(q, "sgd", fraction=1.05, steps=3000)
    assert over.steps == -1 and over.path.diverged_at[0] > 0


def test_momentum_and_adam_recover_part_of_the_raw_slowdown():
    cmp = N.compare(ratio=20.0, offset=2.0, seed=0, steps=2000)
    gd = N.gd_steps_closed_form(cmp.raw, cmp.runs[("raw", "sgd")].lr, 1e-6)
    assert cmp.runs[("raw", "sgd")].steps == -1 and gd == 4550
    assert 0 < cmp.runs[("raw", "momentum")].steps < gd / 10
    assert 0 < cmp.runs[("raw", "adam")].steps < gd / 10
    limit = 2 * 1.9 / (0.1 * cmp.raw.L_max)  # 2(1+β)/((1−β)λ_max), the course's EWMA momentum
    assert np.isclose(cmp.runs[("raw", "momentum")].lr / limit, N.MOMENTUM_GRID, rtol=1e-12).any()


def test_tuned_rates_are_the_best_of_their_grid():
    d = N.make_data(ratio=20.0, offset=2.0, seed=0)
    q = N.regression_cost(d.X_train, d.y_train)
    best = N.run_optimizer(q, "adam", steps=2000)
    assert best.steps > 0
    for lr in N.ADAM_LR_GRID * np.hypot(*q.w_star):  # each rate run on its own, scalar by scalar
        path = simulate.run(optimizers.adam(lr), N.surface(q), np.zeros((1, 2)), 2000)
        gap = N.relative_gap(path.loss[:, 0], q, q.cost(0.0, 0.0))
        hit = np.flatnonzero(gap < 1e-6)
        if hit.size:
            assert best.steps <= hit[0]


def test_condition_number_of_an_axis_scaled_input_is_the_squared_ratio():
    X = np.array([[3.0, -3.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])  # orthogonal features, scales 3 and 1
    assert N.condition_number(X) == pytest.approx(9.0)


@pytest.mark.parametrize("fraction", [0.3, 0.95])
def test_gd_steps_at_fraction_match_a_plain_gradient_descent_loop(fraction):
    q = N.Quadratic(np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([1.0, -1.0]), 1.0)
    lam_max = (5 + 5 ** 0.5) / 2  # largest eigenvalue of [[3, 1], [1, 2]]: (tr + √(tr² − 4 det)) / 2
    lr = fraction * 2 / lam_max
    w1, w2 = 0.0, 0.0
    J0, J_star = q.cost(w1, w2), q.J_star
    t = 0
    while (q.cost(w1, w2) - J_star) / (J0 - J_star) >= 1e-6:
        g1, g2 = 3 * w1 + w2 - 1.0, w1 + 2 * w2 + 1.0  # Hw − c written out
        w1, w2 = w1 - lr * g1, w2 - lr * g2
        t += 1
    assert N.gd_steps_at_fraction(q, fraction, 1e-6) == t
    assert N.gd_steps_at_fraction(q, 1.02, 1e-6) == -1  # above 2/λ_max: diverges


# ---------------------------------------------------------------------------------------------
# The page's fast paths against the reference (simulate.run, run_optimizer), and the facts its text states.

@pytest.mark.parametrize("ratio, offset, seed", [(20.0, 2.0, 0), (300.0, 7.0, 3), (1.0, 0.0, 5)])
def test_grid_sweeps_equal_simulate_run_of_each_rate_bit_for_bit(ratio, offset, seed):
    pb = N.problems(ratio, offset, seed)
    sweeps = N.grid_sweeps({"raw": pb.raw, "norm": pb.norm}, 400)
    for (kind, name), (rates, path) in sweeps.items():
        q = pb.raw if kind == "raw" else pb.norm
        opt = optimizers.momentum(rates, 0.9) if name == "momentum" else optimizers.adam(rates)
        ref = simulate.run(opt, N.surface(q), np.zeros((len(rates), 2)), 400)
        assert np.array_equal(ref.xy, path.xy, equal_nan=True) and np.array_equal(ref.loss, path.loss, equal_nan=True)
        assert np.array_equal(ref.diverged_at, path.diverged_at)


def test_grid_sweeps_with_a_momentum_beta_other_than_adams_beta1_still_equal_simulate_run():
    """β ≠ β₁: momentum's v and Adam's first moment are two EWMAs, not one shared update."""
    pb = N.problems(50.0, 1.0, 2)
    for (kind, name), (rates, path) in N.grid_sweeps({"raw": pb.raw, "norm": pb.norm}, 300, beta=0.8).items():
        q = pb.raw if kind == "raw" else pb.norm
        opt = optimizers.momentum(rates, 0.8) if name == "momentum" else optimizers.adam(rates)
        ref = simulate.run(opt, N.surface(q), np.zeros((len(rates), 2)), 300)
        assert np.array_equal(ref.xy, path.xy, equal_nan=True), (kind, name)


@pytest.mark.parametrize("fraction", [0.3, 0.95, 1.05])
def test_gd_closed_form_path_is_the_simulated_path(fraction):
    q = N.problems(20.0, 2.0, 0).raw
    lr = fraction * 2 / q.L_max
    ref = simulate.run(optimizers.sgd(lr), N.surface(q), np.zeros((1, 2)), 800)
    ours = N.gd_path(q, lr, 800)
    np.testing.assert_allclose(ours.xy, ref.xy, rtol=1e-9, atol=1e-12)
    assert ours.diverged_at[0] == ref.diverged_at[0]  # 1.05: both leave |w| ≤ 1e6 at the same step


@pytest.mark.parametrize("ratio, offset, steps, tol", [(20.0, 2.0, 2000, 1e-6), (1.0, 5.0, 700, 1e-9),
                                                       (100.0, 0.0, 300, 1e-2)])
def test_compare_picks_what_run_optimizer_picks(ratio, offset, steps, tol):
    cmp = N.compare(ratio, offset, 0, 0.95, steps, tol)
    for kind, q in (("raw", cmp.raw), ("norm", cmp.norm)):
        for name in ("sgd", "momentum", "adam"):
            ref, ours = N.run_optimizer(q, name, 0.95, steps, tol), cmp.runs[(kind, name)]
            assert (ours.steps, ours.label) == (ref.steps, ref.label) and ours.lr == pytest.approx(ref.lr, rel=1e-15)
            np.testing.assert_allclose(ours.gap, ref.gap, rtol=1e-6, atol=1e-12)


def test_a_shorter_horizon_cut_from_a_longer_sweep_is_the_shorter_run():
    pb = N.problems(20.0, 2.0, 0)
    long = N.grid_sweeps({"raw": pb.raw, "norm": pb.norm}, 900)
    short = N.grid_sweeps({"raw": pb.raw, "norm": pb.norm}, 300)
    for key, (rates, path) in short.items():
        q = pb.raw if key[0] == "raw" else pb.norm
        a = N.best_of_sweep(q, rates, path, 300, 1e-6)
        b = N.best_of_sweep(q, *long[key], 300, 1e-6)
        assert a[0] == b[0] and np.array_equal(a[1].xy, b[1].xy, equal_nan=True)


def test_conditioning_stages_an_offset_not_a_correlation():
    """Issue 11 item 5: mean 5, same scale: x₁, x₂ nearly uncorrelated; the uncentred XXᵀ/m has every entry ≈ 25."""
    d = N.make_data(1.0, 5.0, seed=0)
    c = N.conditioning(d.X_train)
    X = d.X_train
    r = np.corrcoef(X)[0, 1]
    assert c.correlation == pytest.approx(r, rel=1e-12) and abs(r) < 0.1
    H = X @ X.T / X.shape[1]
    assert np.all((H > 24) & (H < 27))
    assert c.raw == pytest.approx(N.condition_number(X)) and c.raw > 50
    assert c.centred < 1.2 and c.scaled > 50 and c.normalized < 1.2  # centring fixes it, scaling alone does not


def test_diagonal_rescaling_fixes_scale_but_not_offset():
    scaled, offset = N.problems(100.0, 0.0, 0).raw, N.problems(1.0, 5.0, 0).raw
    for q in (scaled, offset):  # independent: κ of D^-½ H D^-½ from its eigenvalues
        d = np.diag(1 / np.sqrt(np.diag(q.H)))
        lam = np.linalg.eigvalsh(d @ q.H @ d)
        assert N.diagonal_condition(q) == pytest.approx(lam[-1] / lam[0], rel=1e-10)
    assert N.diagonal_condition(scaled) < 1.5 < 50 < N.diagonal_condition(offset)


def test_gd_rates_and_step_counts_follow_the_slowest_factor():
    q = N.problems(20.0, 2.0, 0).norm
    rates = N.gd_rates(q, 0.95)
    lam = np.linalg.eigvalsh(q.H)
    np.testing.assert_allclose(rates, 1 - 0.95 * 2 / lam[-1] * lam, rtol=1e-12)
    assert rates[-1] == pytest.approx(-0.9)  # the steep direction: 1 − 2·0.95
    # a scalar loop: GD on the round problem still takes ~ln(1/tol) / −ln 0.9 steps (the "51, not 1")
    assert N.gd_steps_at_fraction(q, 0.95, 1e-6) == 51
    assert N.gd_steps_at_fraction(q, 0.5, 1e-6) < 10


def test_momentum_gain_with_fixed_beta_levels_off_near_19():
    """Issue 11 item 3: beyond κ of a few thousand the gain of β = 0.9 momentum over GD is about (1+β)/(1−β)."""
    assert N.momentum_gain_bound(0.9) == pytest.approx(19.0)
    gains = []
    for ratio in (50.0, 100.0, 150.0):
        cmp = N.compare(ratio, 2.0 if ratio < 100 else 0.0, 0, steps=5000, methods=("momentum",))
        m = cmp.runs[("raw", "momentum")].steps
        gains.append(N.gd_steps_at_fraction(cmp.raw, 0.95, 1e-6) / m)
        assert cmp.raw.condition > 5000
    assert all(15 < g < 25 for g in gains), gains


def test_effect_words():
    assert N.effect(-1, 51) == "helped" and N.effect(41, 51) == "hurt" and N.effect(7, 7) == "same"
    assert N.effect(40, -1) == "hurt"


@pytest.mark.parametrize("ratio, offset, fraction, steps, tol, methods", [
    (1000.0, 10.0, 0.1, 100, 1e-10, ("sgd", "momentum", "adam")),
    (1.0, 10.0, 0.5, 100, 1e-10, ("adam",)),
    (1.0, 0.0, 0.1, 100, 1e-2, ("momentum",)),
])
def test_story_reads_well_at_the_extremes(ratio, offset, fraction, steps, tol, methods):
    cmp = N.compare(ratio, offset, 0, fraction, steps, tol, methods)
    s = N.story(cmp, fraction, tol, methods, steps)
    text = s.contours + " " + s.steps_text
    assert "nan" not in text.lower() and "never" not in text and "within more than" not in text
    assert " 1 steps" not in text and "Here left" not in text and "Here normalizing" in text
    if s.gd_steps[0] < 0:  # beyond the closed form's limit: said as such, not as "never"
        assert f"more than {N.CLOSED_FORM_LIMIT:,} steps on the raw inputs" in text
