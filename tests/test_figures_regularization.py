"""The Regularization lab's figure builders send plain specs (no plotly validation, for speed): each must still
validate as a ``go.Figure`` and serialize exactly as plotly would serialize that figure."""

import numpy as np
import pytest

from helpers import array, check_spec_figure
from optim_viz import datasets, nn
from optim_viz.figures import regularization as draw


@pytest.fixture(scope="module")
def lab():
    run = nn.run_lab("moons", 80, 0.3, (0.6, 0.2, 0.2), 0, (6, 5), "relu", 0.0, [0.5, 1.0], 40, "adam", 0.01, 0,
                     record_every=4, record_masks=40)
    s = run.split
    bounds = draw.bounds_of(s.X_train, s.X_dev, s.X_test)
    return run, s, draw.grid_probabilities(run.params, "relu", bounds, 30)


def builders(lab):
    run, s, (xs, ys, P) = lab
    h = run.history
    values = nn.dropout_expected_values(run.params, s.X_train, "relu", (0.5, 1.0), seed=0)
    return {
        "boundary": draw.decision_boundary(xs, ys, P, s.X_train, s.Y_train, s.X_dev, s.Y_dev, title="t"),
        "panels": draw.boundary_panels([("a", xs, ys, P), ("b", xs, ys, 1 - P), ("c", xs, ys, P)],
                                           s.X_train, s.Y_train, s.X_dev, s.Y_dev),
        "cost": draw.cost_curves({"No regularization": (h["iteration"], h["cost"]),
                                      "L2": (h["iteration"], np.r_[h["cost"][:-1], np.inf])}),
        "norms": draw.weight_norms_over_time(h["iteration"], h["weight_norms"]),
        "bars": draw.weight_norm_bars({"No regularization": nn.weight_norms(run.params),
                                           "L2": 0.5 * nn.weight_norms(run.params)}),
        "hist": draw.weight_histograms({"No regularization": nn.all_weights(run.params),
                                            "Dropout": 2 * nn.all_weights(run.params)}),
        "network": draw.network_diagram(nn.layer_dims(run.params), [h["masks"][0][3], None], [0.5, 1.0],
                                            title="Iteration 4"),
        "expected": draw.expected_value_bars([(f"hidden {l}", v) for l, v in enumerate(values, 1)]),
    }


NAMES = ["boundary", "panels", "cost", "norms", "bars", "hist", "network", "expected"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_figures_validate_and_send_what_plotly_would(name, lab):
    check_spec_figure(builders(lab)[name])


def test_panels_share_the_y_axis_and_sit_side_by_side(lab):
    layout = builders(lab)["panels"].to_dict()["layout"]
    domains = [layout[f"xaxis{s}"]["domain"] for s in ("", "2", "3")]
    assert domains[0][0] == 0 and domains[-1][1] == pytest.approx(1)
    assert all(a[1] < b[0] for a, b in zip(domains, domains[1:]))  # no overlap
    assert layout["yaxis2"]["matches"] == "y" and layout["yaxis3"]["matches"] == "y"
    assert [a["text"] for a in layout["annotations"]] == ["a", "b", "c"]


def _segments(trace) -> list:
    """The straight pieces a line trace draws: consecutive finite points, as sorted endpoint pairs."""
    x, y = np.asarray(array(trace["x"]), float), np.asarray(array(trace["y"]), float)
    return [tuple(sorted([(x[k], y[k]), (x[k + 1], y[k + 1])])) for k in range(len(x) - 1)
            if np.isfinite([x[k], y[k], x[k + 1], y[k + 1]]).all()]


@pytest.mark.parametrize("mask", [[True, False, True, False], [False] * 4, [True] * 4])
def test_network_edges_match_a_loop_over_unit_pairs(mask):
    """Every (j, i) edge between consecutive layers is drawn, active when both ends are kept, faded otherwise, and
    nothing else is drawn; each kind is a few unbroken lines (one SVG path each), not one per edge."""
    dims, mask = [2, 4, 3, 1], np.array(mask)
    fig = draw.network_diagram(dims, [mask, None], [0.5, 1.0]).to_dict()
    live = next(t for t in fig["data"] if t["name"] == "active edge")
    dead = next(t for t in fig["data"] if t["name"] == "edge of a dropped unit")
    kept = [np.ones(2, bool), mask, np.ones(3, bool), np.ones(1, bool)]
    ys = [draw._node_y(n) for n in dims]
    want = {True: set(), False: set()}
    for l in (1, 2, 3):
        for j in range(dims[l - 1]):
            for i in range(dims[l]):
                want[bool(kept[l - 1][j] and kept[l][i])].add(((l - 1, ys[l - 1][j]), (l, ys[l][i])))
    assert set(_segments(live)) == want[True] and set(_segments(dead)) == want[False]
    for t in (live, dead):  # unbroken pieces: at most one per (layer pair, block)
        assert np.isnan(np.asarray(array(t["x"]), float)).sum() <= 2 * 3
    assert len(array(next(t for t in fig["data"] if t["name"] == "dropped unit (d = 0)")["x"])) == (~mask).sum()


def test_boundary_line_is_the_half_level_set():
    xs = ys = np.linspace(-1, 1, 41)
    gx, gy = np.meshgrid(xs, ys)
    P = 1 / (1 + np.exp(-(gx - 0.25) * 8))  # ŷ = 0.5 on the line x = 0.25
    bx, by = draw.boundary_line(xs, ys, P)
    assert np.allclose(bx[np.isfinite(bx)], 0.25, atol=1e-9) and np.nanmin(by) == -1 and np.nanmax(by) == 1


def test_histogram_of_all_nan_weights_keeps_a_finite_range():
    fig = draw.weight_histograms({"No regularization": np.full(5, np.nan)}).to_dict()
    assert fig["layout"]["xaxis"]["range"] == [-1.0, 1.0]


def test_datasets_unchanged_by_the_builders():
    X, Y = datasets.make("moons", 20, 0.1, 0)
    before = X.copy()
    draw.decision_boundary(*(np.linspace(0, 1, 5),) * 2, np.full((5, 5), 0.5), X, Y, X, Y)
    np.testing.assert_array_equal(X, before)


def test_grid_probabilities_in_blocks_equal_one_forward_pass():
    params = nn.init_params([2, 30, 20, 1], "he", np.random.default_rng(3))
    bounds = (-2.0, 3.0, -1.5, 2.0)
    xs, ys, P = draw.grid_probabilities(params, "relu", bounds, 101)  # 10,201 points: the last block is short
    gx, gy = np.meshgrid(xs, ys)
    whole, _ = nn.forward(params, np.vstack([gx.ravel(), gy.ravel()]), "relu", "sigmoid")
    np.testing.assert_array_equal(P, whole.reshape(101, 101))
