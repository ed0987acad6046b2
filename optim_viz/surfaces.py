"""2-D loss surfaces with analytic gradients, registered by name.

Every ``f(x, y)`` and ``grad(x, y)`` is vectorized: x and y are arrays of any (equal) shape.
``grad`` returns the pair ``(df/dx, df/dy)``.
"""
from __future__ import annotations

import numpy as np

from . import expression
from .surface import Surface

_REGISTRY: dict[str, Surface] = {}


def register(surface: Surface) -> Surface:
    _REGISTRY[surface.name] = surface
    return surface


def get(name: str) -> Surface:
    """The registered surface called ``name``; ``KeyError`` names the known ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown surface {name!r}; known: {', '.join(names())}") from None


def names() -> list[str]:
    return list(_REGISTRY)


def _pts(*xy) -> np.ndarray:
    return np.array(xy, dtype=float).reshape(-1, 2)


# Elongated bowl: f = (x² + κ y²)/2 with condition number κ = 20.
_KAPPA = 20.0
register(Surface(
    "elongated_bowl", "Elongated bowl (ill-conditioned)",
    lambda x, y: 0.5 * (x**2 + _KAPPA * y**2),
    lambda x, y: (x, _KAPPA * y),
    ((-4.0, 4.0), (-2.0, 2.0)), _pts(0, 0), np.array([-3.5, 1.2]),
    "Curvature is 20× larger along y than along x. With α near 2/20, GD zig-zags across the valley; the valley "
    "is mild, so a well-chosen α still gets GD there quickly. RMSprop and Adam rescale each axis.",
    log_colour=False,
    lr=(0.08, 0.05),
))

register(Surface(
    "ravine", "Narrow ravine (κ = 90)",
    lambda x, y: 0.5 * (x**2 + 90.0 * y**2),
    lambda x, y: (x, 90.0 * y),
    ((-4.0, 4.0), (-1.5, 1.5)), _pts(0, 0), np.array([-3.5, 0.8]),
    "f = (x² + 90 y²)/2: the valley floor (x) is 90× flatter than its walls (y). GD's α must stay below "
    "2/90 ≈ 0.022 for the walls, so it crawls along the floor.",
    log_colour=False,
    lr=(0.02, 0.05),
    # Momentum's averaging allows a larger α than the walls allow GD; Adam's steps are about α long.
    lr_by_name=(("momentum", 0.1), ("nesterov", 0.1), ("adam", 0.1)),
))

register(Surface(
    "rosenbrock", "Rosenbrock banana valley",
    lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)),
    ((-2.0, 2.0), (-1.0, 3.0)), _pts(1, 1), np.array([-1.5, 2.0]),
    "f = (1−x)² + 100(y−x²)². Finding the curved valley is easy; following it to (1, 1) is slow.",
    lr=(0.001, 0.05),
))


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return (2 * a * (y - 1) + 2 * b * (y**2 - 1) + 2 * c * (y**3 - 1),
            2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y**2)


register(Surface(
    "beale", "Beale (flat plateaus, sharp walls)", _beale, _beale_grad,
    ((-4.5, 4.5), (-4.5, 4.5)), _pts(3, 0.5), np.array([1.0, 1.5]),
    "Minimum at (3, 0.5). Large flat regions next to steep walls: gradient size varies over decades.",
    lr=(0.01, 0.05),
))

register(Surface(
    "himmelblau", "Himmelblau (four minima)",
    lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    lambda x, y: (4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7),
                  2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)),
    ((-5.0, 5.0), (-5.0, 5.0)),
    _pts(3.0, 2.0, -2.805118086952745, 3.131312518250573,
         -3.779310253377747, -3.283185991286170, 3.584428340330492, -1.848126526964404),
    np.array([-0.3, -0.9]),
    "f = (x²+y−11)² + (x+y²−7)². Four equally good minima: which one you reach depends on the "
    "start and on the optimizer.",
    lr=(0.01, 0.03),
))

register(Surface(
    "saddle", "Saddle point (x² − y²)",
    lambda x, y: x**2 - y**2,
    lambda x, y: (2 * x, -2 * y),
    ((-2.0, 2.0), (-2.0, 2.0)), _pts(), np.array([-1.8, 1e-3]),
    "The origin has zero gradient but is not a minimum. Starting almost on the ridge, the "
    "gradient along y is tiny: who escapes first? The loss is unbounded below, so there is no minimum.",
    log_colour=False,
    lr=(0.01, 0.01),
))

register(Surface(
    "rastrigin", "Rastrigin (many local minima)",
    lambda x, y: 20 + x**2 - 10 * np.cos(2 * np.pi * x) + y**2 - 10 * np.cos(2 * np.pi * y),
    lambda x, y: (2 * x + 20 * np.pi * np.sin(2 * np.pi * x), 2 * y + 20 * np.pi * np.sin(2 * np.pi * y)),
    ((-5.12, 5.12), (-5.12, 5.12)), _pts(0, 0), np.array([2.2, -2.3]),
    "A bowl covered in ripples: every optimizer is caught by a local minimum near its start "
    "unless its steps are large enough to jump the ripples.",
    log_colour=False,
    lr=(0.001, 0.03),
))

# Plateau: a Gaussian well. Far from the origin the gradient is nearly zero, so plain GD barely
# moves; RMSprop and Adam divide by the gradient's own size and cross the plateau quickly.
register(Surface(
    "plateau", "Plateau (Gaussian well)",
    lambda x, y: 1 - np.exp(-(x**2 + y**2) / 2),
    lambda x, y: (x * np.exp(-(x**2 + y**2) / 2), y * np.exp(-(x**2 + y**2) / 2)),
    ((-5.0, 5.0), (-5.0, 5.0)), _pts(0, 0), np.array([-3.8, 3.2]),
    "A flat plateau around a narrow well. The gradient is tiny on the plateau, so learning stalls; "
    "optimizers that normalize the step (RMSprop, Adam) cross it quickly.",
    log_colour=False,
    lr=(0.3, 0.03),
))

# Tilted double well in a ravine: (x²−1)² + 0.3x + 2y². A local minimum near x ≈ +0.96 and the
# global one near x ≈ −1.04; the minima are the real roots of 4x(x²−1) + 0.3 = 0 with |x| > 0.5.
_TILT = 0.3
_roots = np.sort(np.roots([4.0, 0.0, -4.0, _TILT]).real)
register(Surface(
    "double_well", "Double well (local vs global minimum)",
    lambda x, y: (x**2 - 1) ** 2 + _TILT * x + 2 * y**2,
    lambda x, y: (4 * x * (x**2 - 1) + _TILT, 4 * y),
    ((-2.0, 2.0), (-1.5, 1.5)), _pts(_roots[0], 0, _roots[2], 0), np.array([1.8, 1.2]),
    "Two valleys: the left one is deeper (global), the right one a local minimum. Plain GD from the "
    "right settles in the local one; enough momentum can carry it over the hump.",
    log_colour=False,
    lr=(0.01, 0.03),
))


def from_expression(text: str, bounds=None) -> Surface:
    """A Surface from user text such as ``x**2 + 10*y**2``, parsed safely (never eval'd).

    Raises ``ValueError`` with a one-line message pointing at the offending part. See ``expression``.
    """
    return expression.from_expression(text, bounds)
