import warnings

import numpy as np
import pytest

from optim_viz import optimizers, simulate, surfaces

ROSEN = surfaces.get("rosenbrock")


def test_shapes_and_start_included():
    start = np.array([[-1.5, 2.0], [0.5, -1.0]])
    p = simulate.run(optimizers.adam(lr=0.01), ROSEN, start=start, steps=300)
    assert p.xy.shape == (301, 2, 2) and p.loss.shape == (301, 2) and p.diverged_at.shape == (2,)
    assert p.g.shape == p.v.shape == p.s.shape == (300, 2, 2)
    np.testing.assert_array_equal(p.xy[0], start)
    np.testing.assert_allclose(p.loss, ROSEN.loss(p.xy))
    np.testing.assert_allclose(p.g[5], ROSEN.grad_xy(p.xy[5]))
    assert (p.diverged_at == -1).all()


def test_divergence_reported_masked_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = simulate.run(optimizers.sgd(lr=np.array([0.1, 1e-4])), ROSEN, np.array([[-1.5, 2.0]] * 2), 200)
    k = p.diverged_at[0]
    assert k > 0 and p.diverged_at[1] == -1
    # the first step whose position is beyond 1e6 or non-finite (computed independently)
    x = np.array([-1.5, 2.0])
    ref = None
    with np.errstate(all="ignore"):
        for t in range(1, 201):
            x = x - 0.1 * ROSEN.grad_xy(x)
            if not np.isfinite(x).all() or np.abs(x).max() > 1e6 or not np.isfinite(ROSEN.loss(x)):
                ref = t
                break
    assert k == ref
    assert np.isnan(p.xy[k:, 0]).all() and np.isnan(p.loss[k:, 0]).all()
    assert np.isfinite(p.xy[:k, 0]).all()
    assert np.isfinite(p.xy[:, 1]).all()


def test_steps_to_tolerance():
    loss = np.array([[5.0, 5.0], [1.0, 3.0], [0.01, 2.0], [0.001, np.nan]])
    np.testing.assert_array_equal(simulate.steps_to_tolerance(loss, 0.1), [2, -1])


def _same(a: simulate.Path, b: simulate.Path):
    for name, x, y in zip(simulate.Path._fields, a, b):
        np.testing.assert_array_equal(x, y, err_msg=name)  # bit for bit (NaN where NaN)


@pytest.mark.parametrize("name", surfaces.names())
def test_run_many_is_run_one_by_one_bit_for_bit(name):
    s = surfaces.get(name)
    opts = [optimizers.make(n, lr=lr) for n, lr in (("sgd", 0.01), ("momentum", 0.05), ("nesterov", 0.02),
                                                    ("rmsprop", 0.05), ("adam", 0.1), ("adagrad", 0.3),
                                                    ("adamw", 0.05), ("sgd", 5.0))]  # the last one diverges
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        many = simulate.run_many(opts, s, s.start, 150)
    for opt, path in zip(opts, many):
        _same(path, simulate.run(opt, s, s.start, 150))
    assert many[-1].diverged_at[0] > 0 or name == "plateau"


def test_run_many_continues_prefixes_and_head_slices_exactly():
    s = surfaces.get("beale")
    opts = [optimizers.make("adam", lr=0.05), optimizers.make("momentum", lr=0.01), optimizers.make("sgd", lr=0.5)]
    short = simulate.run_many(opts, s, s.start, 40)
    longer = simulate.run_many(opts, s, s.start, 130, prefixes=short)
    for opt, p_short, p_long in zip(opts, short, longer):
        whole = simulate.run(opt, s, s.start, 130)
        _same(p_long, whole)
        _same(p_long.head(40), p_short)
        _same(whole.head(130), whole)
    assert longer[2].diverged_at[0] > 0  # sgd at α = 0.5 leaves Beale's box
    k = int(longer[2].diverged_at[0])
    assert longer[2].head(k - 1).diverged_at[0] == -1 and longer[2].head(k).diverged_at[0] == k
    with pytest.raises(ValueError):
        simulate.run_many(opts[:2], s, s.start, 30, prefixes=short[:2])
