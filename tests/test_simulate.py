import warnings

import numpy as np

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
