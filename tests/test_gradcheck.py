"""Gradient checking: numerical differences, the relative difference, the ε sweep and planted bugs."""
import numpy as np
import pytest

from optim_viz import gradcheck as G

A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])


def cost(theta):
    return float(np.sum(np.sin(theta)) + 0.5 * theta @ A @ theta + np.exp(theta[0]))


def grad(theta):
    g = np.cos(theta) + A @ theta
    g[0] += np.exp(theta[0])
    return g


THETA = np.array([0.3, -1.2, 0.8])


def test_numerical_gradient_matches_formula_one_component_by_hand():
    eps = 1e-3
    e0 = np.array([eps, 0, 0])
    by_hand = (cost(THETA + e0) - cost(THETA - e0)) / (2 * eps)
    assert G.numerical_gradient(cost, THETA, eps)[0] == pytest.approx(by_hand, rel=1e-14)
    one = (cost(THETA + e0) - cost(THETA)) / eps
    assert G.numerical_gradient(cost, THETA, eps, two_sided=False)[0] == pytest.approx(one, rel=1e-14)


def test_relative_difference_formula():
    a, b = np.array([3.0, 4.0]), np.array([0.0, 0.0])
    assert G.relative_error(a, b) == 1.0
    assert G.relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert G.relative_error([1.0, 2.0], [1.0, 2.5]) == pytest.approx(0.5 / (5 ** 0.5 + 7.25 ** 0.5))


def test_correct_gradient_is_below_1e_7_on_a_smooth_function():
    assert G.relative_difference(cost, grad, THETA) < 1e-7


def test_a_wrong_gradient_is_caught_and_located():
    def bad(theta):
        g = grad(theta)
        g[1] *= 2
        return g
    assert G.relative_difference(cost, bad, THETA) > 1e-3
    r = G.check(cost, bad, THETA)
    assert int(np.argmax(r.component)) == 1
    assert r.component_rel[0] < 1e-7 and r.component_rel[2] < 1e-7


def test_grad_shape_is_validated():
    with pytest.raises(ValueError, match="one entry per component"):
        G.relative_difference(cost, lambda t: np.zeros(2), THETA)
    with pytest.raises(ValueError, match="eps must be positive"):
        G.numerical_gradient(cost, THETA, 0.0)


def test_truncation_error_orders():
    # away from round-off, the two-sided error shrinks 100× per 10× smaller ε, the one-sided 10×
    e = np.array([1e-2, 1e-3])
    two = G.eps_sweep(cost, grad, THETA, e, two_sided=True)
    one = G.eps_sweep(cost, grad, THETA, e, two_sided=False)
    assert two[0] / two[1] == pytest.approx(100, rel=0.05)
    assert one[0] / one[1] == pytest.approx(10, rel=0.1)


def test_eps_sweep_is_v_shaped_with_its_minimum_between_1e_8_and_1e_4():
    eps = np.logspace(-12, -1, 23)
    sweep = G.eps_sweep(cost, grad, THETA, eps)
    i = int(np.argmin(sweep))
    assert 1e-8 <= eps[i] <= 1e-4
    assert sweep[0] > 100 * sweep[i] and sweep[-1] > 100 * sweep[i]  # both arms rise
    net = G.network_problem("none")
    sweep = G.eps_sweep(net.cost, net.grad, net.theta, eps)
    assert 1e-8 <= eps[int(np.argmin(sweep))] <= 1e-4


@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_network_backprop_passes(lambd):
    p = G.network_problem("none", lambd=lambd)
    assert G.relative_difference(p.cost, p.grad, p.theta) < 1e-7


@pytest.mark.parametrize("bug, broken", [("sign", {"W2"}), ("factor", {"b1"}), ("l2", {"W1", "W2", "W3"}),
                                         ("dropout", None)])
def test_each_planted_bug_is_caught_and_points_at_its_block(bug, broken):
    p = G.network_problem(bug, lambd=0.7)
    r = G.check(p.cost, p.grad, p.theta)
    assert r.diff > 1e-3
    blocks = G.block_differences(p, r)
    flagged = {name for name, d in zip(p.blocks, blocks) if d > 1e-3}
    if broken is None:  # dropout: every component is noise
        assert flagged == set(p.blocks)
    else:
        assert flagged == broken


def test_l2_bug_is_visible_even_when_lambda_is_zero():
    p = G.network_problem("l2", lambd=0.0)
    assert p.lambd > 0
    assert G.relative_difference(p.cost, p.grad, p.theta) > 1e-3


def test_component_names_follow_the_vector_layout():
    p = G.network_problem("none", layer_dims=(3, 2, 1))
    assert p.names[:7] == ["W1[0,0]", "W1[0,1]", "W1[0,2]", "W1[1,0]", "W1[1,1]", "W1[1,2]", "b1[0,0]"]
    assert p.blocks == ["W1", "b1", "W2", "b2"]
    assert len(p.names) == len(p.theta) == 3 * 2 + 2 + 2 + 1


def test_verdict_bands():
    assert G.verdict(1e-9).startswith("great")
    assert G.verdict(1e-6).startswith("probably fine")
    assert G.verdict(1e-4).startswith("worrying")
    assert G.verdict(0.1).startswith("a bug")
    with pytest.raises(ValueError, match="unknown bug"):
        G.network_problem("typo")


def test_worst_components_are_the_largest_differences_in_order():
    comp = np.array([0.1, 5.0, 0.0, 5.0, 2.0, 3.0, 0.5, 4.0])
    c = G.Check(np.zeros(8), np.zeros(8), 0.0, comp, np.zeros(8))
    assert G.worst_components(c) == [1, 3, 7, 5, 4, 6]  # ties (1, 3) keep their order in θ
    assert G.worst_components(c, k=2) == [1, 3] and G.worst_components(c, k=20)[-1] == 2


def test_flagged_blocks_point_at_the_planted_bug():
    p = G.network_problem("sign")
    r = G.check(p.cost, p.grad, p.theta)
    assert G.flagged_blocks(p, G.block_differences(p, r)) == ["W2"]
    assert G.flagged_blocks(p, [2e-5, 1e-5, 0.0, 1.0, 0.0, 0.0]) == ["W1", "b1", "b2"]  # 1e-5 is "look closer"
    assert G.flagged_blocks(p, [2e-5, 9.9e-6, 0.0, 1.0, 0.0, 0.0]) == ["W1", "b2"]
    assert G.flagged_blocks(p, [2e-5, 1e-5, 0.0, 1.0, 0.0, 0.0], threshold=1e-3) == ["b2"]


def test_one_table_of_bands_drives_verdict_band_and_reading():
    # the boundaries as the course reads them: 1e-7 itself is great, 1e-5 "look closer", 1e-3 a bug
    for diff, label in ((0.0, "great"), (1e-7, "great"), (1.0000001e-7, "probably fine"), (9.99e-6, "probably fine"),
                        (1e-5, "look closer"), (9.99e-4, "look closer"), (1e-3, "bug"), (5.0, "bug")):
        b = G.band(diff)
        assert b.label == label, diff
        assert G.verdict(diff) == b.verdict
    assert G.band(float("nan")) is None and G.verdict(float("inf")).startswith("not a number")
    assert [b.label for b in G.BANDS] == ["great", "probably fine", "look closer", "bug"]
    assert all(a.hi == b.lo for a, b in zip(G.BANDS, G.BANDS[1:]))  # contiguous, no gap or overlap
    assert [b.hi for b in G.BANDS[:3]] == [1e-7, 1e-5, 1e-3]
    text = G.reading()
    assert "1e-07 or below: great" in text and "1e-03 or more: almost certainly a bug" in text


def test_chart_colours_and_labels_come_from_the_same_table():
    from optim_viz import figures

    gauge = figures.gradient_check.difference_gauge(1e-7).to_dict()["layout"]
    assert [a["text"] for a in gauge["annotations"]] == [b.label for b in G.BANDS]
    assert [s["fillcolor"] for s in gauge["shapes"]] == [b.colour for b in G.BANDS]
    assert [s["x1"] for s in gauge["shapes"][:3]] == [1e-7, 1e-5, 1e-3]


def test_batched_cost_equals_the_loop_cost_and_gradient():
    for hidden in ("tanh", "relu", "sigmoid"):
        p = G.network_problem("none", 0.7, hidden=hidden)
        thetas = p.theta + np.random.default_rng(1).normal(size=(5, p.theta.size))
        np.testing.assert_allclose(p.cost_batch(thetas), [p.cost(t) for t in thetas], rtol=1e-14)
        loop = G.numerical_gradient(p.cost, p.theta, 1e-6)
        np.testing.assert_allclose(G.numerical_gradient(p.cost, p.theta, 1e-6, cost_batch=p.cost_batch), loop,
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(G.eps_sweep(p.cost, p.grad, p.theta, [1e-3, 1e-6], False, p.cost_batch),
                                   G.eps_sweep(p.cost, p.grad, p.theta, [1e-3, 1e-6], False), rtol=1e-6)


def test_eps_sweep_bottoms_near_1e_5_and_the_course_eps_is_on_the_round_off_arm():
    two, one = G.clean_sweeps(0.0, "tanh", 0)
    r = G.read_sweep(G.EPS_GRID, two, 1e-7, G.clean_difference(0.0, "tanh", 1e-7), None)
    assert r.best_eps == pytest.approx(1e-5) and r.best < 1e-10  # ≈ ε_mach^(1/3)
    assert r.arm == "round-off" and r.best < r.at_eps < 1e-7  # left of the bottom, still great
    assert r.at_eps == pytest.approx(r.course) and r.tiny > 1000 * r.course
    assert G.read_sweep(G.EPS_GRID, two, 1e-5, 0.0).arm == "bottom"
    assert G.read_sweep(G.EPS_GRID, two, 1e-2, 0.0).arm == "truncation"
    assert G.read_sweep(G.EPS_GRID, two, 1e-7, 0.0, np.array([3.0, 0.2])).bug_min == 0.2
