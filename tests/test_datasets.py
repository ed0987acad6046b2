"""Data sets: shapes, balance, seeding, noise, and the train/dev/test split."""
import numpy as np
import pytest

from optim_viz import datasets


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_shapes_labels_and_balance(name):
    X, Y = datasets.make(name, 301, 0.1, seed=3)
    assert X.shape == (2, 301) and Y.shape == (1, 301) and X.dtype == float
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert Y.sum() == 151
    assert np.all(np.abs(X) < 3)
    assert Y[0, :30].min() == 0 and Y[0, :30].max() == 1  # shuffled: a prefix holds both classes


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_seeded(name):
    a = datasets.make(name, 50, 0.2, seed=1)
    b = datasets.make(name, 50, 0.2, seed=1)
    c = datasets.make(name, 50, 0.2, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_noise_is_gaussian_with_the_given_std():
    X0, _ = datasets.make("circles", 4000, 0.0, seed=0)
    r0 = np.hypot(*X0)
    assert set(np.round(r0, 9)) == {1.0, 0.45}  # noise 0: exactly on the circles
    X1, Y1 = datasets.make("circles", 4000, 0.05, seed=0)
    outer = np.hypot(*X1[:, Y1[0] == 0])
    assert np.std(outer - 1.0) == pytest.approx(0.05, rel=0.1)


def test_xor_labels_follow_the_sign_product_without_noise():
    X, Y = datasets.make("xor", 200, 0.0, seed=0)
    np.testing.assert_array_equal(Y[0], (X[0] * X[1] > 0).astype(float))


def test_moons_without_noise_lie_on_half_circles():
    X, Y = datasets.make("moons", 200, 0.0, seed=0)
    P = X + np.array([[0.5], [0.25]])
    up = P[:, Y[0] == 0]
    low = P[:, Y[0] == 1] - np.array([[1.0], [0.5]])
    np.testing.assert_allclose(np.hypot(*up), 1.0)
    np.testing.assert_allclose(np.hypot(*low), 1.0)
    assert np.all(up[1] >= -1e-12) and np.all(low[1] <= 1e-12)


@pytest.mark.parametrize("bad", [dict(name="bogus"), dict(m=1), dict(noise=-0.1), dict(noise=float("nan"))])
def test_invalid_arguments(bad):
    kw = dict(name="moons", m=10, noise=0.1) | bad
    with pytest.raises(ValueError):
        datasets.make(**kw)


def test_split_sizes_and_partition():
    X, Y = datasets.make("moons", 300, 0.2, seed=0)
    s = datasets.split(X, Y, (0.6, 0.2, 0.2), seed=5)
    assert [a.shape[1] for a in s[::2]] == [180, 60, 60]
    together = np.hstack([s.X_train, s.X_dev, s.X_test])
    # a permutation of the columns: same multiset of points, labels travel with their points
    assert sorted(map(tuple, together.T)) == sorted(map(tuple, X.T))
    lookup = {tuple(x): y for x, y in zip(X.T, Y[0])}
    for Xp, Yp in ((s.X_train, s.Y_train), (s.X_dev, s.Y_dev), (s.X_test, s.Y_test)):
        assert all(lookup[tuple(x)] == y for x, y in zip(Xp.T, Yp[0]))
    assert datasets.split_sizes(1000, (98, 1, 1)) == (980, 10, 10)
    assert datasets.split_sizes(10, (0.7, 0.3, 0.0)) == (7, 3, 0)


def test_split_is_seeded():
    X, Y = datasets.make("moons", 100, 0.2, seed=0)
    a, b, c = datasets.split(X, Y, seed=1), datasets.split(X, Y, seed=1), datasets.split(X, Y, seed=2)
    np.testing.assert_array_equal(a.X_dev, b.X_dev)
    assert not np.array_equal(a.X_dev, c.X_dev)


@pytest.mark.parametrize("bad", [(0, 0.5, 0.5), (0.5, -0.1, 0.6), (1, 2), (np.nan, 1, 1)])
def test_split_rejects_bad_proportions(bad):
    with pytest.raises(ValueError):
        datasets.split_sizes(100, bad)
