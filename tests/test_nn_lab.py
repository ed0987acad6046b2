"""The Regularization lab's engine: variants trained together equal separate nn.train runs, the bounded run memo
trains only what it lacks, and the L2-only steps match the update rules written out by hand."""
import threading

import numpy as np
import pytest

from optim_viz import datasets, nn, optimizers


@pytest.fixture(scope="module")
def moons():
    X, Y = datasets.make("moons", 90, 0.3, 0)
    return datasets.split(X, Y, (0.6, 0.2, 0.2), 0)


VARIANTS = [(0.0, None), (0.8, None), (0.0, 0.6), (0.3, "first")]


def _kps(kp, n_hidden):
    return [0.5] + [1.0] * (n_hidden - 1) if kp == "first" else kp


@pytest.mark.parametrize("hidden,dims", [("relu", [2, 9, 7, 1]), ("tanh", [2, 5, 4, 3, 1])])
@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_variants_trained_together_equal_separate_train_runs(moons, hidden, dims, name):
    s = moons
    params = nn.init_params(dims, "he", np.random.default_rng(0))
    opt = optimizers.make(name, lr=0.02)
    kps = [_kps(kp, len(dims) - 2) for _, kp in VARIANTS]
    together = nn.train_variants(params, s.X_train, s.Y_train, opt, 60, hidden, [lam for lam, _ in VARIANTS], kps,
                                 [np.random.default_rng(7) for _ in VARIANTS], record_every=7, record_masks=25)
    for (lam, _), kp, (p, h) in zip(VARIANTS, kps, together):
        p0, h0 = nn.train(params, s.X_train, s.Y_train, opt, 60, hidden, "sigmoid", lam, kp, np.random.default_rng(7),
                          record_every=7, record_masks=25)
        for k in p0:  # the same operations in the same order: equal to the last bit
            np.testing.assert_array_equal(p[k], p0[k])
        np.testing.assert_array_equal(h["iteration"], h0["iteration"])
        np.testing.assert_allclose(h["cost"], h0["cost"], rtol=1e-13)
        np.testing.assert_allclose(h["weight_norms"], h0["weight_norms"], rtol=1e-13)
        assert len(h["masks"]) == len(h0["masks"])
        for a, b in zip(h["masks"], h0["masks"]):
            assert (a is None and b is None) or np.array_equal(a, b)
    assert not any(np.shares_memory(together[0][0][k], params[k]) for k in params)


def test_masks_drawn_in_blocks_follow_the_rng_stream(moons):
    """Blocks of iterations are drawn at once; the masks are still the per-iteration, per-layer draws."""
    s = moons
    params = nn.init_params([2, 6, 4, 1], "he", np.random.default_rng(1))
    (_, h), = nn.train_variants(params, s.X_train, s.Y_train, optimizers.sgd(lr=0.1), 12, "relu", [0.0], [(0.5, 0.8)],
                                [np.random.default_rng(3)], record_masks=12, chunk=5)
    rng = np.random.default_rng(3)
    for t in range(12):
        d1 = rng.random((6, s.X_train.shape[1])) < 0.5
        d2 = rng.random((4, s.X_train.shape[1])) < 0.8
        np.testing.assert_array_equal(h["masks"][0][t], d1[:, 0])
        np.testing.assert_array_equal(h["masks"][1][t], d2[:, 0])


def test_run_labs_equal_run_lab_and_progress_is_reported():
    seen = []
    many = nn.run_labs("circles", 60, 0.2, (0.6, 0.2, 0.2), 1, (5, 4), "relu", [(0.0, None), (1.0, (0.7, 1.0))],
                       50, "adam", 0.01, 2, record_every=5, record_masks=50, progress=seen.append)
    one = nn.run_lab("circles", 60, 0.2, (0.6, 0.2, 0.2), 1, (5, 4), "relu", 1.0, (0.7, 1.0), 50, "adam", 0.01, 2,
                     record_every=5, record_masks=50)
    for k in one.params:
        np.testing.assert_array_equal(many[1].params[k], one.params[k])
    assert many[1].errors == one.errors
    assert seen == [0.0] and many[0].split is many[1].split


def test_lab_runs_trains_only_missing_variants_and_stays_bounded(monkeypatch):
    calls = []
    real = nn.run_labs

    def counting(**kw):
        calls.append(list(kw["variants"]))
        return real(**kw)

    monkeypatch.setattr(nn, "run_labs", counting)
    store = nn.LabRuns(max_runs=3)
    setting = dict(dataset="moons", m=40, noise=0.2, proportions=(60, 20, 20), data_seed=0, hidden_units=(4,),
                   hidden="relu", iterations=20, optimizer="adam", lr=0.01, seed=0, record_every=5, record_masks=20)
    a, b = store.get([(0.0, (1.0,)), (1.0, (1.0,))], **setting)
    assert calls == [[(0.0, (1.0,)), (1.0, (1.0,))]]  # both missing: one batch
    a2, c = store.get([(0.0, (1.0,)), (0.0, (0.5,))], **setting)
    assert a2 is a and calls[-1] == [(0.0, (0.5,))]  # only the new one is trained
    assert store.missing([(1.0, (1.0,)), (2.0, (1.0,)), (2.0, (1.0,))], **setting) == [(2.0, (1.0,))]
    store.get([(2.0, (1.0,))], **setting)
    assert len(store) == 3 and store.missing([(1.0, (1.0,))], **setting) == [(1.0, (1.0,))]  # least recent dropped
    assert store.missing([(0.0, (1.0,))], **{**setting, "seed": 1}) == [(0.0, (1.0,))]  # a new setting is a miss
    single = real(variants=[(0.0, (0.5,))], **setting)[0]
    for k in single.params:
        np.testing.assert_array_equal(c.params[k], single.params[k])


def _steps_by_hand(name, lr, lambd, m, w, steps=3):
    """The course's update rules with the gradient (λ/m)·w alone, written out as scalars."""
    v = s = 0.0
    out = []
    for t in range(1, steps + 1):
        g = lambd / m * w
        if name == "sgd":
            w = w - lr * g
        elif name == "momentum":
            v = 0.9 * v + 0.1 * g
            w = w - lr * v
        elif name == "rmsprop":
            s = 0.9 * s + 0.1 * g * g
            w = w - lr * g / (np.sqrt(s) + 1e-8)
        else:
            v = 0.9 * v + 0.1 * g
            s = 0.999 * s + 0.001 * g * g
            w = w - lr * (v / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
        out.append(w)
    return out


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_l2_only_steps_follow_the_update_rules(name):
    got = nn.l2_only_steps(name, 0.01, 1.0, 180)
    np.testing.assert_allclose(got, _steps_by_hand(name, 0.01, 1.0, 180, 0.05), rtol=1e-12)


def test_only_gradient_descent_decays_by_the_factor():
    factor = 1 - 0.01 * 1.0 / 180
    np.testing.assert_allclose(nn.l2_only_steps("sgd", 0.01, 1.0, 180), 0.05 * factor ** np.arange(1, 4), rtol=1e-13)
    adam = nn.l2_only_steps("adam", 0.01, 1.0, 180)
    assert adam[-1] == pytest.approx(0.0205, abs=5e-5)  # each Adam step moves w by about α, whatever λ
    assert adam[-1] < 0.5 * 0.05 * factor**3


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_in_place_optimizer_gives_the_same_bits(moons, hidden, name):
    """nn.InPlace updates the flat parameters in place with optimizers' formulas: the same runs to the last bit,
    here with every variant dropping units in the first layer (the whole-block mask path) and one in the second."""
    s = moons
    params = nn.init_params([2, 7, 5, 1], "he", np.random.default_rng(4))
    lams, kps = [0.0, 0.5, 0.0], [(0.6, 1.0), (0.8, 1.0), (0.5, 0.7)]

    def run(opt):
        return nn.train_variants(params, s.X_train, s.Y_train, opt, 40, hidden, lams, kps,
                                 [np.random.default_rng(9) for _ in lams], record_every=3, record_masks=40, chunk=15)

    for (p, h), (p0, h0) in zip(run(nn.InPlace(name, 0.03)), run(optimizers.make(name, lr=0.03))):
        for k in p0:
            np.testing.assert_array_equal(p[k], p0[k])
        np.testing.assert_array_equal(h["cost"], h0["cost"])
        np.testing.assert_array_equal(h["weight_norms"], h0["weight_norms"])
    with pytest.raises(ValueError, match="in-place"):
        nn.InPlace("adagrad", 0.1)


def test_every_variant_dropping_equals_separate_train_runs(moons):
    s = moons
    params = nn.init_params([2, 6, 5, 1], "he", np.random.default_rng(2))
    kps = [(0.5, 0.9), (0.7, 0.6)]
    together = nn.train_variants(params, s.X_train, s.Y_train, optimizers.make("adam", lr=0.02), 30, "relu",
                                 [0.0, 0.4], kps, [np.random.default_rng(5) for _ in kps], record_every=4)
    for lam, kp, (p, _) in zip([0.0, 0.4], kps, together):
        p0, _ = nn.train(params, s.X_train, s.Y_train, optimizers.make("adam", lr=0.02), 30, "relu", "sigmoid", lam, kp,
                         np.random.default_rng(5), record_every=4)
        for k in p0:
            np.testing.assert_array_equal(p[k], p0[k])


def test_blas_runs_single_threaded_inside_training_and_is_restored():
    if nn._BLAS is None:
        pytest.skip("NumPy is not linked to OpenBLAS here")
    _, get = nn._BLAS
    before = get()
    with nn.one_blas_thread():
        assert get() == 1
        with nn.one_blas_thread():  # nested (forward inside train): still one thread, restored only at the end
            assert get() == 1
        assert get() == 1
    assert get() == before


def test_a_decorated_call_inside_a_block_does_not_take_the_lock_again(monkeypatch):
    if nn._BLAS is None:
        pytest.skip("NumPy is not linked to OpenBLAS here")
    entered = []
    real = nn.one_blas_thread
    monkeypatch.setattr(nn, "one_blas_thread", lambda: (entered.append(1), real())[1])
    inner = nn.single_blas_thread(lambda: nn._BLAS[1]())
    assert inner() == 1 and len(entered) == 1  # outside any block: it enters one
    with real():
        assert inner() == 1 and len(entered) == 1  # inside one (a training loop): it runs at once, still 1 thread
    # another thread is not inside this thread's block: it enters its own
    worker = threading.Thread(target=inner)
    with real():
        worker.start()
        worker.join()
    assert len(entered) == 2


def test_lab_work_counts_multiply_adds_and_the_budget_is_never_exceeded():
    # 2-3-1 ReLU network: 2·3 + 3·1 multiply-adds per example, 14 per hidden unit, the overhead per layer
    assert nn.lab_work(10, 7, (3,), "relu", 2) == 10 * (2 * 7 * (2 * 3 + 3 * 1 + 14 * 3) + nn.LAYER_OVERHEAD * 3)
    assert nn.lab_work(1, 1, (4, 5), "tanh") == 2 * 4 + 4 * 5 + 5 + 70 * 9 + nn.LAYER_OVERHEAD * 4
    for requested, m_train, units, hidden in [(5000, 900, (50, 50, 50), "tanh"), (5000, 180, (50, 50), "relu"),
                                             (300, 180, (50, 50), "relu"), (5000, 30, (1,), "relu")]:
        fit = nn.affordable_iterations(requested, m_train, units, hidden, 4)
        assert 10 <= fit <= requested
        assert nn.lab_work(fit, m_train, units, hidden, 4) <= nn.LAB_BUDGET
        if fit < requested:  # the largest round count that fits: one more step would not
            step = 100 if fit >= 100 else 10
            assert fit % step == 0 and nn.lab_work(fit + step, m_train, units, hidden, 4) > nn.LAB_BUDGET
    assert nn.affordable_iterations(300, 180, (50, 50), "relu", 4) == 300
