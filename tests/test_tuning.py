"""optim_viz.tuning: samplers against their formulas and seeded statistics, grid vs random counts, the vectorized
runs against minibatch.train run one setting at a time, and the page's worded claims."""
import math

import numpy as np
import pytest

from optim_viz import minibatch as MB
from optim_viz import schedules, tuning


@pytest.fixture(scope="module")
def p():
    return tuning.problem()


@pytest.fixture(scope="module")
def small():
    """A quicker problem for comparisons against one-at-a-time runs."""
    return tuning.problem(m=300, epochs=3, batch_size=64)


# ------------------------------------------------------------------------------------------- samplers

def test_log_uniform_is_ten_to_a_uniform_exponent():
    a = tuning.log_uniform(1e-4, 1.0, 1000, np.random.default_rng(3))
    r = np.random.default_rng(3).uniform(-4, 0, 1000)
    np.testing.assert_allclose(a, 10.0**r, rtol=1e-13)
    assert a.min() >= 1e-4 and a.max() <= 1.0


def test_log_uniform_decade_histogram_is_uniform():
    n = 200_000
    a = tuning.log_uniform(1e-4, 1.0, n, np.random.default_rng(0))
    edges, counts = tuning.decade_counts(a, 1e-4, 1.0)
    np.testing.assert_allclose(edges, [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert counts.sum() == n
    expected = n / 4
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < 16.27  # χ² with 3 degrees of freedom, p = 0.001
    sigma = math.sqrt(0.25 * 0.75 / n)
    assert np.all(np.abs(counts / n - 0.25) < 5 * sigma)


def test_uniform_sampling_puts_ninety_percent_in_the_top_decade():
    n = 200_000
    a = tuning.uniform(1e-4, 1.0, n, np.random.default_rng(1))
    expected = 0.9 / (1 - 1e-4)
    assert abs(tuning.share_in(a, 0.1, 1.0) - expected) < 5 * math.sqrt(expected * (1 - expected) / n)
    _, counts = tuning.decade_counts(a, 1e-4, 1.0)
    assert counts[-1] / n == pytest.approx(expected, abs=0.004)


def test_one_minus_beta_sampler_stays_inside_and_is_log_uniform_in_one_minus_beta():
    b = tuning.one_minus_log_uniform(0.9, 0.999, 100_000, np.random.default_rng(2))
    assert b.min() >= 0.9 and b.max() <= 0.999
    r = np.random.default_rng(2).uniform(-3, -1, 100_000)
    np.testing.assert_allclose(b, 1 - 10.0**r, rtol=1e-12)
    _, counts = tuning.decade_counts(1 - b, 1e-3, 1e-1)
    assert abs(counts[0] / b.size - 0.5) < 0.01  # half the samples have β in [0.99, 0.999]


@pytest.mark.parametrize("bad", [(0.0, 1.0), (1.0, 0.5), (-1.0, 1.0)])
def test_log_uniform_rejects_bad_ranges(bad):
    with pytest.raises(ValueError):
        tuning.log_uniform(*bad, 5, np.random.default_rng(0))


def test_window_steps_match_the_course_numbers():
    high, low = tuning.window_step(0.999), tuning.window_step(0.9)
    assert (high.window, high.window_next) == pytest.approx((1000, 2000))
    assert (low.window, low.window_next) == pytest.approx((10, 1 / 0.0995))
    assert low.window_next == pytest.approx(10.05, abs=0.001)
    assert high.ratio == pytest.approx(2.0) and low.ratio == pytest.approx(1.005, abs=1e-4)


# --------------------------------------------------------------------------------- grid against random

@pytest.mark.parametrize("k", range(2, 11))
def test_grid_tries_k_values_and_random_k_squared(k):
    g = tuning.grid_points(k)
    r = tuning.random_points(k * k, np.random.default_rng(k))
    assert g.alpha.size == r.alpha.size == k * k
    assert tuning.distinct(g.alpha) == k and tuning.distinct(g.eps) == k
    assert tuning.distinct(r.alpha) == k * k and tuning.distinct(r.eps) == k * k
    np.testing.assert_allclose(np.unique(g.alpha), np.logspace(-4, 0, k), rtol=1e-12)


def test_zoom_box_is_centred_on_the_best_and_stays_inside():
    (a0, a1), (e0, e1) = tuning.zoom(0.01, 1e-5)
    assert math.log10(a1) - math.log10(a0) == pytest.approx(0.25 * 4)
    assert math.sqrt(a0 * a1) == pytest.approx(0.01)
    assert math.sqrt(e0 * e1) == pytest.approx(1e-5)
    (a0, a1), (e0, e1) = tuning.zoom(1.0, 1e-8)  # at a corner: moved inside
    assert a1 == pytest.approx(1.0) and a0 == pytest.approx(10**-1)
    assert e0 == pytest.approx(1e-8) and e1 == pytest.approx(10**-6.5)


# ----------------------------------------------------------------------------------- vectorized runs

def test_cost_many_and_gradients_match_minibatch(small):
    P = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [-3.0, 4.0, 0.0], [40.0, 30.0, -5.0]])
    np.testing.assert_allclose(tuning.cost_many(P, small.X, small.Y), MB.cost(P, small.X, small.Y), rtol=1e-12)
    G = tuning._gradients(P, small.X, small.Y)
    for row, g in zip(P, G):
        np.testing.assert_allclose(g, MB.gradient(row, small.X, small.Y), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("optimizer,hyper", [
    ("sgd", {"lr": np.array([1e-3, 0.1, 1.0, 5.0])}),
    ("momentum", {"lr": np.array([0.01, 0.5, 3.0])}),
    ("adam", {"lr": np.array([1e-3, 0.03, 0.3]), "eps": np.array([1e-8, 1e-4, 1e-2])}),
])
def test_every_setting_equals_minibatch_train_run_alone(small, optimizer, hyper):
    P, costs = tuning.train_many(small, optimizer, **hyper)
    for i in range(P.shape[0]):
        alone = MB.train(small.X, small.Y, small.batch_size, small.epochs, optimizer, seed=small.seed,
                         **{k: float(v[i]) for k, v in hyper.items()})
        np.testing.assert_allclose(P[i], alone.params, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(costs[:, i], alone.cost_epoch, rtol=1e-9)
    np.testing.assert_allclose(tuning.final_cost(small, optimizer, **hyper), costs[-1], rtol=1e-12)


def test_landscape_equals_its_settings_run_one_at_a_time(small):
    ls = tuning.landscape(small, n_alpha=5, n_eps=3)
    assert ls.cost.shape == (3, 5)
    for i, j in [(0, 0), (1, 3), (2, 4)]:
        alone = MB.train(small.X, small.Y, small.batch_size, small.epochs, "adam", lr=ls.alpha[j], eps=ls.eps[i],
                         seed=small.seed)
        assert ls.cost[i, j] == pytest.approx(alone.cost_epoch[-1] - small.J_star, rel=1e-8, abs=1e-13)


def test_the_default_landscape_has_alpha_mattering_and_eps_barely(p):
    ls = tuning.landscape(p)
    s = tuning.sensitivity(ls)
    assert s.alpha_decades > 3 and s.eps_decades < 0.05 and s.ratio > 100
    best_alpha = ls.alpha[np.argmin(ls.cost.min(axis=0))]
    assert 1e-2 < best_alpha < 1  # an interior optimum: too small is slow, too large is noisy
    assert p.J_star == pytest.approx(MB.cost(MB.optimum(p.X, p.Y), p.X, p.Y))
    assert tuning.updates(p) == 10 * 20


def test_sensitivity_on_a_known_landscape():
    a, e = np.logspace(-4, 0, 5), np.logspace(-8, -2, 3)
    cost = np.tile(10.0 ** -np.arange(5), (3, 1)) * np.array([[1.0], [2.0], [4.0]])  # 4 decades along α
    s = tuning.sensitivity(tuning.Landscape(a, e, cost))
    assert s.alpha_decades == pytest.approx(4.0)
    assert s.eps_decades == pytest.approx(math.log10(4))


def test_compare_searches(small):
    cmp = tuning.compare_searches(small, 3, seed=4)
    g, r, f = cmp.grid, cmp.random, cmp.fine
    np.testing.assert_allclose(g.points.alpha, tuning.grid_points(3).alpha)
    rng = np.random.default_rng(4)
    np.testing.assert_allclose(r.points.alpha, tuning.random_points(9, rng).alpha)
    assert g.best_cost == np.min(g.cost) and r.best_cost == np.min(r.cost)
    (a0, a1), (e0, e1) = cmp.fine_box
    assert np.all((f.points.alpha >= a0) & (f.points.alpha <= a1) & (f.points.eps >= e0) & (f.points.eps <= e1))
    assert a0 <= r.best_alpha <= a1
    i = f.best
    alone = MB.train(small.X, small.Y, small.batch_size, small.epochs, "adam", lr=f.points.alpha[i],
                     eps=f.points.eps[i], seed=small.seed)
    assert f.best_cost == pytest.approx(alone.cost_epoch[-1] - small.J_star, rel=1e-8)


def test_panda_equals_a_staged_schedule_and_caviar_fixed_rates(small):
    rates = [0.3, 0.1, 0.03]
    pc = tuning.panda_vs_caviar(small, rates, epochs_per_stage=1, seed=5)
    assert pc.curves.shape == (4, 4)
    staged = schedules.Schedule(lambda e: np.asarray(rates)[np.asarray(e, dtype=int) - 1], "epoch", "")
    panda = MB.train(small.X, small.Y, small.batch_size, 3, "adam", schedule=staged, seed=small.seed)
    np.testing.assert_allclose(pc.curves[:, 0], panda.cost_epoch - small.J_star, rtol=1e-8, atol=1e-13)
    np.testing.assert_allclose(pc.caviar_alpha, tuning.log_uniform(1e-4, 1, 3, np.random.default_rng(5)))
    for i, a in enumerate(pc.caviar_alpha):
        alone = MB.train(small.X, small.Y, small.batch_size, 3, "adam", lr=a, seed=small.seed)
        np.testing.assert_allclose(pc.curves[:, 1 + i], alone.cost_epoch - small.J_star, rtol=1e-8, atol=1e-13)
    assert pc.panda_wins == (pc.panda_final < np.min(pc.caviar_final))
    np.testing.assert_array_equal(pc.epoch_rates, rates)


def test_stage_schedule_holds_each_rate_for_its_stage():
    lr = tuning.stage_schedule([1.0, 2.0, 3.0], 4)
    assert [lr(t) for t in range(1, 14)] == [1.0] * 4 + [2.0] * 4 + [3.0] * 5  # the last rate holds on


def test_lr_sweep_is_the_final_cost_of_each_rate(small):
    sw = tuning.lr_sweep(small, "sgd", n=7)
    np.testing.assert_allclose(sw.alpha, np.logspace(-4, 2, 7))
    for a, c in zip(sw.alpha, sw.cost):
        alone = MB.train(small.X, small.Y, small.batch_size, small.epochs, "sgd", lr=a, seed=small.seed)
        assert c == pytest.approx(alone.cost_epoch[-1] - small.J_star, rel=1e-8, abs=1e-13)
    assert sw.best_alpha == sw.alpha[np.argmin(sw.cost)]
    lo, hi = tuning.good_range(sw)
    assert lo <= sw.best_alpha <= hi


def test_rises_counts_epochs_that_went_up():
    assert tuning.rises(np.array([3.0, 2.0, 2.5, 1.0, 1.2])) == 2
    assert tuning.rises(np.array([3.0, 2.0, 1.0])) == 0


# --------------------------------------------------------------------------------------------- parsing

def test_parse_sequence():
    assert tuning.parse_sequence("0.01, 0.03,0.1") == [0.01, 0.03, 0.1]
    assert tuning.parse_sequence("1e-3 0.1; 1") == [0.001, 0.1, 1.0]
    for bad, message in [("", "at least one"), ("abc", "not a number"), ("0.1, 100", "between"),
                         (",".join(["0.1"] * 13), "at most 12"), ("nan", "between"), ("-1", "between")]:
        with pytest.raises(ValueError, match=message):
            tuning.parse_sequence(bad)


# ------------------------------------------------------------------------------------------- the words

def _search(costs, alphas):
    n = len(costs)
    return tuning.Search(tuning.Points(np.asarray(alphas, float), np.full(n, 1e-8)), np.asarray(costs, float))


def test_search_text_words_the_comparison_from_the_numbers():
    g = _search([0.5, 0.2, 0.3, 0.4], [1e-4, 1e-4, 1, 1])
    r = _search([0.3, 0.1, 0.25, 0.6], [0.1, 0.2, 0.3, 0.4])
    f = _search([0.05, 0.2, 0.3, 0.4], [0.15, 0.2, 0.25, 0.3])
    text = tuning.search_text(tuning.Comparison(g, r, f, ((0.1, 0.4), (1e-8, 1e-6))), 2)
    assert "the grid tried 2 distinct learning rates and random search 4" in text
    assert "random search found the lower cost" in text and "which improved it" in text
    text = tuning.search_text(tuning.Comparison(r, g, g, ((0.1, 0.4), (1e-8, 1e-6))), 2)
    assert "the grid found the lower cost" in text and "did not improve on it" in text


def test_sensitivity_text_verdicts():
    assert "ε barely matters" in tuning.sensitivity_text(tuning.Sensitivity(4.0, 0.01))
    assert "about equally" in tuning.sensitivity_text(tuning.Sensitivity(1.0, 0.5))
    assert "ε matters more" in tuning.sensitivity_text(tuning.Sensitivity(0.01, 1.0))


def test_panda_text_follows_the_winner(small):
    for rates in ([0.3, 0.1, 0.03], [1e-4, 1e-4, 1e-4]):
        pc = tuning.panda_vs_caviar(small, rates, seed=0)
        text = tuning.panda_text(pc)
        assert ("the panda ended lower" in text) == pc.panda_wins
        assert ("the caviar's best run ended lower" in text) == (not pc.panda_wins)
        assert f"rose in {tuning.rises(pc.curves[:, 0])} of its 3 epochs" in text


def test_sampling_and_window_texts_quote_the_samples():
    rng = np.random.default_rng(0)
    a_u, a_l = tuning.uniform(1e-4, 1, 1000, rng), tuning.log_uniform(1e-4, 1, 1000, rng)
    b_u, b_l = tuning.uniform(0.9, 0.999, 1000, rng), tuning.one_minus_log_uniform(0.9, 0.999, 1000, rng)
    text = tuning.sampling_text(a_u, a_l, b_u, b_l)
    assert f"{np.mean((a_u >= 0.1) & (a_u <= 1)):.1%} landed in [0.1, 1]" in text
    assert f"puts {np.mean((b_l >= 0.99) & (b_l <= 0.999)):.1%} there" in text
    w = tuning.window_text(tuning.window_step(0.9), tuning.window_step(0.999))
    assert "from 1000 to 2000 values (×2)" in w and "only from 10 to 10.05 (×1.005)" in w


def test_sweep_text_names_each_best_rate(small):
    sweeps = [tuning.lr_sweep(small, o, n=9) for o in ("sgd", "adam")]
    text = tuning.sweep_text(sweeps)
    for sw in sweeps:
        assert f"{tuning.LABELS[sw.optimizer]} {sw.best_alpha:.2g}" in text
    spread = math.log10(max(s.best_alpha for s in sweeps) / min(s.best_alpha for s in sweeps))
    assert f"{spread:.1f} decades apart" in text
    assert tuning.sweep_text([]) == "Choose at least one optimizer."
