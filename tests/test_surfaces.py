import numpy as np
import pytest

from optim_viz import surfaces

NAMES = surfaces.names()


def test_required_surfaces_registered():
    for n in ("rosenbrock", "beale", "himmelblau", "saddle", "rastrigin", "elongated_bowl"):
        assert n in NAMES
    assert len(NAMES) >= 7
    with pytest.raises(KeyError, match="known"):
        surfaces.get("nope")


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    s = surfaces.get(name)
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = s.bounds
    x, y = rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200)
    h = 1e-6
    gx, gy = s.grad(x, y)
    nx = (s.f(x + h, y) - s.f(x - h, y)) / (2 * h)
    ny = (s.f(x, y + h) - s.f(x, y - h)) / (2 * h)
    scale = 1 + np.abs(s.f(x, y))
    np.testing.assert_allclose(gx / scale, nx / scale, atol=1e-5)
    np.testing.assert_allclose(gy / scale, ny / scale, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_vanishes_at_listed_minima_and_they_are_minima(name):
    s = surfaces.get(name)
    for m in s.minima:
        np.testing.assert_allclose(s.grad_xy(m), 0, atol=1e-6)
        around = m + 1e-3 * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])
        assert (s.loss(around) > s.loss(m)).all()


@pytest.mark.parametrize("name", NAMES)
def test_start_and_minima_inside_bounds(name):
    s = surfaces.get(name)
    (x0, x1), (y0, y1) = s.bounds
    for p in [s.start, *s.minima]:
        assert x0 <= p[0] <= x1 and y0 <= p[1] <= y1


def test_known_values():
    assert surfaces.get("rosenbrock").f(np.array(1.0), np.array(1.0)) == 0
    assert surfaces.get("himmelblau").f(np.array(3.0), np.array(2.0)) == 0
    assert surfaces.get("beale").f(np.array(3.0), np.array(0.5)) == 0
    assert surfaces.get("saddle").f(np.array(1.0), np.array(2.0)) == -3
    np.testing.assert_allclose(surfaces.get("rastrigin").f(np.array(0.0), np.array(0.0)), 0, atol=1e-12)


def test_double_well_global_minimum_is_lower():
    s = surfaces.get("double_well")
    left, right = s.loss(s.minima)
    assert left < right
