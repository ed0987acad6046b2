"""optim_viz.minibatch: gradient vs central differences, full-batch training vs a plain GD loop."""
import numpy as np
import pytest

from optim_viz import minibatch as MB
from optim_viz import schedules as S
from optim_viz.figures import lr_decay as lr_draw
from optim_viz.figures import mini_batch as mb_draw


@pytest.fixture(scope="module")
def data():
    return MB.make_data(m=600, seed=1)


def cost_from_formula(params, X, Y):
    """J = −(1/m) Σ [y log a + (1−y) log(1−a)], a = σ(w·x + b), written out directly."""
    w1, w2, b = params
    a = 1 / (1 + np.exp(-(w1 * X[0] + w2 * X[1] + b)))
    return -np.mean(Y * np.log(a) + (1 - Y) * np.log(1 - a))


def test_cost_matches_the_textbook_form(data):
    X, Y = data
    for p in ([0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [-3.0, 4.0, 0.0]):
        assert MB.cost(np.array(p), X, Y) == pytest.approx(cost_from_formula(p, X, Y), rel=1e-12)
    assert MB.cost(np.zeros(3), X, Y) == pytest.approx(np.log(2))


@pytest.mark.parametrize("p", [[0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [-3.0, 4.0, 0.0]])
def test_gradient_against_central_differences(data, p):
    X, Y = data
    p, eps = np.array(p), 1e-6
    numeric = np.array([(MB.cost(p + eps * e, X, Y) - MB.cost(p - eps * e, X, Y)) / (2 * eps) for e in np.eye(3)])
    analytic = MB.gradient(p, X, Y)
    assert np.linalg.norm(numeric - analytic) / (np.linalg.norm(numeric) + np.linalg.norm(analytic)) < 1e-7


def test_gradient_on_a_single_example(data):
    X, Y = data
    p, x, y, eps = np.array([0.5, -0.3, 0.2]), X[:, :1], Y[:1], 1e-6
    numeric = [(MB.cost(p + eps * e, x, y) - MB.cost(p - eps * e, x, y)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(MB.gradient(p, x, y), numeric, rtol=1e-6, atol=1e-9)


def test_full_batch_training_is_plain_gradient_descent(data):
    X, Y = data
    m, lr, epochs = Y.size, 0.3, 12
    w1, w2, b = MB.START
    ref = [(w1, w2, b)]
    for _ in range(epochs):  # the course's loop, scalar parameters, no library code
        a = 1 / (1 + np.exp(-(w1 * X[0] + w2 * X[1] + b)))
        dz = a - Y
        w1, w2, b = w1 - lr * np.sum(X[0] * dz) / m, w2 - lr * np.sum(X[1] * dz) / m, b - lr * np.sum(dz) / m
        ref.append((w1, w2, b))
    run = MB.train(X, Y, batch_size=m, epochs=epochs, lr=lr)
    assert run.updates_per_epoch == 1
    np.testing.assert_allclose(run.path, np.array(ref), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run.cost_epoch, [cost_from_formula(p, X, Y) for p in ref], rtol=1e-10)
    np.testing.assert_allclose(run.cost_iter, run.cost_epoch[:-1], rtol=1e-12)


def test_minibatches_cover_each_example_once_per_epoch(data):
    """With the gradient of a sum, one SGD epoch at tiny α moves θ by −α Σ_batches g_batch; for batch
    size 1 that is −α Σ_i g_i = −α m ∇J, whatever the order (the shuffle must be a permutation)."""
    X, Y = data
    lr = 1e-9
    run = MB.train(X, Y, batch_size=1, epochs=1, lr=lr, start=np.zeros(3))
    expected = -lr * Y.size * MB.gradient(np.zeros(3), X, Y)
    np.testing.assert_allclose(run.params, expected, rtol=1e-5)


def test_run_shapes_and_updates_per_epoch(data):
    X, Y = data
    run = MB.train(X, Y, batch_size=64, epochs=3, lr=0.5, seed=2)
    assert run.updates_per_epoch == int(np.ceil(600 / 64)) == 10
    assert run.path.shape == (31, 3) and run.cost_iter.shape == (30,) and run.cost_epoch.shape == (4,)
    assert run.time_per_epoch.shape == (3,) and np.all(run.time_per_epoch > 0)
    np.testing.assert_array_equal(run.path[-1], run.params)
    assert run.cost_epoch[-1] == pytest.approx(MB.cost(run.params, X, Y))
    assert run.accuracy == MB.accuracy(run.params, X, Y)
    again = MB.train(X, Y, batch_size=64, epochs=3, lr=0.5, seed=2)
    np.testing.assert_array_equal(run.path, again.path)  # seeded shuffles


def test_optimum_has_zero_gradient_and_beats_training(data):
    X, Y = data
    p = MB.optimum(X, Y)
    assert np.linalg.norm(MB.gradient(p, X, Y)) < 1e-10
    run = MB.train(X, Y, batch_size=32, epochs=10, lr=0.5)
    assert MB.cost(p, X, Y) <= run.cost_epoch.min()
    assert 0.75 < MB.accuracy(p, X, Y) < 0.98  # overlapping classes: a finite optimum


def test_decay_settles_closer_than_a_constant_rate(data):
    X, Y = data
    J_star = MB.cost(MB.optimum(X, Y), X, Y)
    last = {}
    for name, sched in {"const": None, "decay": S.inverse_time(1.0, 1.0)}.items():
        run = MB.train(X, Y, batch_size=4, epochs=15, lr=1.0, schedule=sched, seed=3)
        tail = run.path[-run.updates_per_epoch:]
        last[name] = np.mean(MB.cost(tail, X, Y)) - J_star
    assert last["decay"] < last["const"] / 5


def test_schedule_is_applied_per_epoch(data):
    """With a staircase that zeroes α after epoch 1... (drop 0 from epoch 2): θ stops after epoch 1."""
    X, Y = data
    run = MB.train(X, Y, batch_size=100, epochs=3, schedule=S.staircase(0.5, drop=0.0, every=2))
    # ⌊epoch/2⌋ = 0 only for epoch 1: updates of epochs 2 and 3 are zero steps
    n = run.updates_per_epoch
    assert not np.allclose(run.path[n], run.path[0])
    np.testing.assert_array_equal(run.path[n:], np.repeat(run.path[n][None], 2 * n + 1, axis=0))


def test_momentum_and_adam_run(data):
    X, Y = data
    for name in ("momentum", "adam"):
        run = MB.train(X, Y, batch_size=32, epochs=5, optimizer=name, lr=0.05)
        assert run.cost_epoch[-1] < run.cost_epoch[0]


def test_cost_grid_matches_pointwise(data):
    X, Y = data
    w1, w2 = np.linspace(-1, 2, 4), np.linspace(0, 3, 5)
    J = MB.cost_grid(X, Y, w1, w2, 0.3)
    assert J.shape == (5, 4)
    assert J[2, 1] == pytest.approx(MB.cost(np.array([w1[1], w2[2], 0.3]), X, Y))


def test_batch_sizes_and_bad_inputs(data):
    X, Y = data
    assert MB.batch_sizes(600) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600]
    assert MB.batch_sizes(3000)[-2:] == [1024, 3000]
    with pytest.raises(ValueError):
        MB.train(X, Y, batch_size=0, epochs=1)
    with pytest.raises(ValueError):
        MB.train(X, Y, batch_size=601, epochs=1)


def test_path_cost_matches_rowwise(data):
    X, Y = data
    path = np.random.default_rng(0).normal(size=(600, 3))
    np.testing.assert_allclose(MB.path_cost(path, X, Y, chunk=128), [MB.cost(p, X, Y) for p in path], rtol=1e-12)


def test_cost_and_gradient_agree_with_the_separate_functions(data):
    X, Y = data
    for p in ([0.0, 0.0, 0.0], [1.0, -2.0, 0.5], [30.0, -40.0, 5.0]):
        J, g = MB.cost_and_gradient(np.array(p), X, Y)
        assert J == pytest.approx(MB.cost(np.array(p), X, Y), rel=1e-12)
        np.testing.assert_allclose(g, MB.gradient(np.array(p), X, Y), rtol=1e-10, atol=1e-15)


# ------------------------------------------------------------------- the numbers the pages show

@pytest.fixture(scope="module")
def small_run(data):
    X, Y = data
    return MB.train(X, Y, 50, 3, "sgd", lr=0.5, seed=2)


def test_summary_matches_the_run_by_hand(small_run):
    r = small_run
    s = MB.summary(r)
    median = sorted(r.time_per_epoch)[1]  # three epochs: the middle one
    assert s.ms_per_epoch == pytest.approx(1000 * median)
    assert s.us_per_update == pytest.approx(1e6 * median / 12)  # 600 examples / 50 = 12 updates
    assert (s.batch_size, s.updates_per_epoch, s.accuracy) == (50, 12, r.accuracy)
    assert s.final_cost == r.cost_epoch[3]


def test_last_epoch_views_and_summary_match_a_loop(data, small_run):
    X, Y = data
    r = small_run
    p_star = MB.optimum(X, Y)
    J_star = float(MB.cost(p_star, X, Y))
    last = MB.last_epoch(r)
    assert np.array_equal(last.path, r.path[24:37])  # start of epoch 3 (after 24 updates) and its 12 updates
    assert np.array_equal(MB.last_epoch_updates(r), r.path[25:37])
    gaps, sq = [], []
    for t in range(25, 37):
        gaps.append(cost_from_formula(r.path[t], X, Y) - J_star)
        sq.append((r.path[t][0] - p_star[0]) ** 2 + (r.path[t][1] - p_star[1]) ** 2)
    gap, rms = MB.last_epoch_summary(r, X, Y, p_star, J_star)
    assert gap == pytest.approx(sum(gaps) / 12, rel=1e-9)
    assert rms == pytest.approx((sum(sq) / 12) ** 0.5, rel=1e-12)


def test_cost_on_epoch_axis(data, small_run):
    X, Y = data
    idx = np.array([0, 6, 12, 36])
    x, J = MB.cost_on_epoch_axis(small_run, X, Y, idx)
    assert x.tolist() == [0.0, 0.5, 1.0, 3.0]
    for i, t in enumerate(idx):
        assert J[i] == pytest.approx(cost_from_formula(small_run.path[t], X, Y), rel=1e-12)
    assert J[-1] == pytest.approx(small_run.cost_epoch[-1], rel=1e-12)


def test_zoom_axes_is_a_square_around_the_centre_holding_every_point():
    centre = np.array([1.0, -2.0, 5.0])
    paths = [np.array([[1.5, -2.0, 0.0], [1.0, -1.8, 0.0]]), np.array([[0.9, -2.1, 9.0]])]
    w1, w2 = lr_draw.zoom_axes(paths, centre, n=5)
    half = 0.5 * 1.15  # the largest |w − centre| is 0.5, in w₁
    assert w1.tolist() == pytest.approx([1 - half, 1 - half / 2, 1, 1 + half / 2, 1 + half])
    assert w2.tolist() == pytest.approx([-2 - half, -2 - half / 2, -2, -2 + half / 2, -2 + half])
    w1, w2 = lr_draw.zoom_axes([np.array([[1.0, -2.0, 0.0]])], centre, n=3)  # every point at the centre: min half-width
    assert w1.tolist() == pytest.approx([0.98, 1.0, 1.02]) and w2.tolist() == pytest.approx([-2.02, -2.0, -1.98])


def test_view_axes_cut_outliers_but_keep_optimum_and_start():
    rng = np.random.default_rng(0)
    path = np.column_stack([rng.uniform(0, 1, 999), rng.uniform(0, 1, 999), np.zeros(999)])
    path[0, :2] = (50.0, -50.0)  # one far outlier, above the 99.5th / below the 0.5th percentile
    optimum, start = np.array([0.5, 0.5, 0.0]), np.array([-3.0, 4.0, 0.0])
    w1, w2 = mb_draw.view_axes([path], optimum, start, n=11)
    pts = np.vstack([path[:, :2], optimum[:2], start[:2]])
    for k, axis in enumerate((w1, w2)):
        col = np.sort(pts[:, k])
        lo = min(np.percentile(col, 0.5), optimum[k], start[k]) - 0.5
        hi = max(np.percentile(col, 99.5), optimum[k], start[k]) + 0.5
        assert axis[0] == pytest.approx(lo) and axis[-1] == pytest.approx(hi) and axis.size == 11
    assert w1[0] == pytest.approx(-3.5) and w2[-1] == pytest.approx(4.5)  # the start widens the box
    assert w1[-1] < 2 and w2[0] > -2  # the outlier does not


# ------------------------------------------------------------------- the vectorized trainer

def generic_train(X, Y, batch_size, epochs, optimizer, lr, seed=0, start=MB.START, schedule=None):
    """The trainer as it was: the project's optimizer objects, one forward pass per update, costs in the loop."""
    from optim_viz import optimizers

    m = Y.size
    rng = np.random.default_rng(seed)
    n_batches = -(-m // batch_size)
    opt = optimizers.make(optimizer, lr=S.per_update(schedule, n_batches) if schedule else lr)
    params = np.array(start, dtype=float)
    state, path, costs = opt.init(params), [params], []
    for _ in range(epochs):
        order = rng.permutation(m) if n_batches > 1 else np.arange(m)
        for k in range(0, m, batch_size):
            Xt, Yt = X[:, order[k:k + batch_size]], Y[order[k:k + batch_size]]
            J, g = MB.cost_and_gradient(params, Xt, Yt)
            delta, state = opt.update(g, state, params)
            params = params + delta
            path.append(params)
            costs.append(J)
    return np.array(path), np.array(costs)


def scalar_momentum_adam(X, Y, optimizer, lr, beta1=0.9, beta2=0.999, eps=1e-8, epochs=1, seed=0):
    """Batch size 1 written from the course formulas with Python floats (no library code)."""
    import math

    rng = np.random.default_rng(seed)
    w = [float(v) for v in MB.START]
    v, s, t, path = [0.0] * 3, [0.0] * 3, 0, [list(w)]
    for _ in range(epochs):
        for n in rng.permutation(Y.size):
            x = [X[0, n], X[1, n], 1.0]
            a = 1 / (1 + math.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
            g = [(a - Y[n]) * xi for xi in x]
            t += 1
            for i in range(3):
                v[i] = beta1 * v[i] + (1 - beta1) * g[i]
                if optimizer == "momentum":
                    w[i] -= lr * v[i]
                else:
                    s[i] = beta2 * s[i] + (1 - beta2) * g[i] ** 2
                    w[i] -= lr * (v[i] / (1 - beta1**t)) / (math.sqrt(s[i] / (1 - beta2**t)) + eps)
            path.append(list(w))
    return np.array(path)


@pytest.mark.parametrize("optimizer,lr", [("sgd", 0.5), ("momentum", 0.5), ("adam", 0.05), ("rmsprop", 0.01),
                                          ("nesterov", 0.3)])
@pytest.mark.parametrize("batch_size", [1, 7, 64, 600])
def test_trainer_matches_the_optimizer_objects(data, optimizer, lr, batch_size):
    X, Y = data
    path, costs = generic_train(X, Y, batch_size, 2, optimizer, lr, seed=3)
    run = MB.train(X, Y, batch_size, 2, optimizer, lr=lr, seed=3)
    np.testing.assert_allclose(run.path, path, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(run.cost_iter, costs, rtol=1e-11)
    np.testing.assert_allclose(run.cost_epoch, MB.path_cost(path[::run.updates_per_epoch], X, Y), rtol=1e-12)


@pytest.mark.parametrize("optimizer,lr", [("momentum", 0.3), ("adam", 0.05)])
def test_momentum_and_adam_match_the_course_formulas_in_floats(data, optimizer, lr):
    X, Y = data
    run = MB.train(X, Y, 1, 1, optimizer, lr=lr, seed=4)
    np.testing.assert_allclose(run.path, scalar_momentum_adam(X, Y, optimizer, lr, seed=4), rtol=1e-10, atol=1e-12)


def test_runs_trained_together_equal_runs_trained_alone(data):
    X, Y = data
    sched = S.inverse_time(0.8, 1.0)
    both = MB.train_many(X, Y, 16, 3, "adam", [0.05, S.exponential(0.05, 0.7)], seed=5)
    alone = [MB.train(X, Y, 16, 3, "adam", lr=0.05, seed=5), MB.train(X, Y, 16, 3, "adam", lr=0.05, seed=5,
                                                                       schedule=S.exponential(0.05, 0.7))]
    for a, b in zip(both, alone):  # equal up to the order of a matrix product's sums
        np.testing.assert_allclose(a.path, b.path, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a.cost_iter, b.cost_iter, rtol=1e-12)
    path, _ = generic_train(X, Y, 16, 3, "sgd", None, seed=5, schedule=sched)
    np.testing.assert_allclose(MB.train_many(X, Y, 16, 3, "sgd", [0.1, sched], seed=5)[1].path, path, rtol=1e-11)


def test_learning_rates_per_update():
    rates = MB.learning_rates([0.3, S.inverse_time(0.2, 1.0)], updates=6, n_batches=3)
    np.testing.assert_allclose(rates[:, 0], 0.3)
    np.testing.assert_allclose(rates[:, 1], [0.1, 0.1, 0.1, 0.2 / 3, 0.2 / 3, 0.2 / 3])


# ------------------------------------------------------------------- the cost contour

def test_chebyshev_interpolation_is_exact_for_polynomials():
    nodes = MB.chebyshev_points(-2.0, 3.0, 9)
    x = np.linspace(-2, 3, 37)
    p = lambda z: 1 - 2 * z + 0.5 * z**5 - 0.1 * z**8  # noqa: E731  degree 8 = nodes − 1
    np.testing.assert_allclose(MB.interpolation_matrix(nodes, x) @ p(nodes), p(x), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(MB.interpolation_matrix(nodes, nodes), np.eye(9))


@pytest.mark.parametrize("box", [((-3.5, 2.5), (-0.5, 4.5)), ((-9, 9), (-9, 9)), ((0.9, 1.0), (0.4, 0.5))])
def test_cost_contour_is_within_a_thousandth_of_the_exact_grid(data, box):
    X, Y = data
    w1, w2 = np.linspace(*box[0], 80), np.linspace(*box[1], 80)
    exact = MB.cost_grid(X, Y, w1, w2, 0.1)
    assert np.abs(MB.cost_contour(X, Y, w1, w2, 0.1) - exact).max() < 1e-3 * np.ptp(exact) + 1e-12
    small = np.linspace(0, 1, 5)
    np.testing.assert_array_equal(MB.cost_contour(X, Y, small, small, 0.1), MB.cost_grid(X, Y, small, small, 0.1))


# ------------------------------------------------------------------- the claims' building blocks

def test_epoch_summary_and_settling_against_a_loop(data):
    X, Y = data
    p = MB.optimum(X, Y)
    J_star = float(MB.cost(p, X, Y))
    run = MB.train(X, Y, 2, 4, lr=0.5, seed=1)  # 300 updates per epoch: the mean is over every 2nd
    for epoch in (1, 2, 4):
        thetas = [run.path[(epoch - 1) * 300 + i] for i in range(1, 301)]
        gap = np.mean([MB.cost(t, X, Y) for t in thetas[::2]]) - J_star
        rms = np.sqrt(np.mean([np.sum((t[:2] - p[:2]) ** 2) for t in thetas]))
        assert MB.epoch_summary(run, X, Y, p, J_star, epoch) == pytest.approx((gap, rms), rel=1e-10)
    assert MB.last_epoch_summary(run, X, Y, p, J_star) == MB.epoch_summary(run, X, Y, p, J_star, 4)
    s = MB.settling(run, X, Y, p, J_star)
    assert (s.mid_epoch, s.mid, s.last) == (2, MB.epoch_summary(run, X, Y, p, J_star, 2)[0],
                                            MB.epoch_summary(run, X, Y, p, J_star)[0])
    assert MB.settling(run, X, Y, p, J_star, last=7.0).last == 7.0
    assert MB.Settling(2, 4.0, 2.5).levels_off and not MB.Settling(2, 4.0, 1.0).levels_off


def test_tradeoff_and_run_facts(data):
    X, Y = data
    rows = [MB.Summary(1, 600, 30.0, 50.0, 0.40, 0.8), MB.Summary(64, 10, 1.0, 100.0, 0.35, 0.8),
            MB.Summary(600, 1, 0.2, 200.0, 0.60, 0.7)]
    assert MB.tradeoff(rows, 600) == MB.Tradeoff(1, 64, (64,))
    assert MB.tradeoff([rows[1]._replace(final_cost=0.7), rows[2]], 600).gets_both == ()
    run = MB.train(X, Y, 600, 3, lr=0.3)
    assert MB.smooth_descent(run) and not MB.smooth_descent(MB.train(X, Y, 1, 1, lr=0.3))
    p = MB.optimum(X, Y)
    assert MB.distance_to(run, p) == pytest.approx(np.hypot(*(run.path[-1, :2] - p[:2])))
