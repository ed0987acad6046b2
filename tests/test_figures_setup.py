"""Figure builders of the setup pages (normalization, initialization, gradient checking) build plain specs sent
as frozen JSON: each must still be a valid plotly figure, and what Streamlit is given must equal plotly's own
serialization of it."""

import numpy as np
import plotly.graph_objects as go
import pytest
from test_figures_style import check_bands

from helpers import check_spec_figure, decoded
from optim_viz import depth, gradcheck, normalization
from optim_viz.figures import gradient_check as check_draw
from optim_viz.figures import initialization as init_draw
from optim_viz.figures import normalization as norm_draw


@pytest.fixture(scope="module")
def built():
    cmp = normalization.compare(20.0, 2.0, 0, steps=300)
    stats = depth.all_layer_stats(list(depth.INITS), 6, 20, "relu", 1.0, nets=2)  # zeros: all-zero; random: grows
    r = gradcheck.network_report("sign")
    return {
        "stages": norm_draw.normalization_stages(cmp),
        "contours": norm_draw.cost_contours(cmp),
        "convergence": norm_draw.convergence(cmp, 1e-6),
        "layer_stats": init_draw.layer_stats(stats, depth.INITS),
        "linear": init_draw.linear_example(30, depth.linear_examples(30)),
        "symmetry": init_draw.symmetry(depth.symmetry_runs(("zeros", "constant", "he"), "tanh", iterations=40),
                                         depth.INITS),
        "training": init_draw.training(depth.training_runs(["he", "random"], iterations=30, scale=10.0),
                                         depth.INITS),
        "gauge": check_draw.difference_gauge(r.result.diff),
        "components": check_draw.component_errors(r.problem.blocks, r.block_diff, r.problem.names, r.problem.block,
                                                   r.result.component),
        "sweep": check_draw.eps_sweep(r.eps, r.sweep_two, r.sweep_one, 1e-7, r.sweep_bug, "wrong sign"),
    }


NAMES = ["stages", "contours", "convergence", "layer_stats", "linear", "symmetry", "training", "gauge", "components",
         "sweep"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_figures_validate_and_send_what_plotly_would(name, built):
    check_spec_figure(built[name])


def test_subplot_layouts_are_make_subplots_own(built):
    from plotly.subplots import make_subplots

    ref = make_subplots(1, 3, subplot_titles=["a", "b", "c"], horizontal_spacing=0.07).to_dict()["layout"]
    ours = built["stages"].to_dict()["layout"]
    for ax in ("xaxis", "xaxis2", "xaxis3", "yaxis3"):
        assert ours[ax]["domain"] == ref[ax]["domain"] and ours[ax]["anchor"] == ref[ax]["anchor"]
    assert [a["x"] for a in ours["annotations"]] == [a["x"] for a in ref["annotations"]]
    assert ours["template"] == go.Figure(layout=dict(template="plotly_white")).to_dict()["layout"]["template"]


def test_contour_panels_keep_every_shown_path_in_view(built):
    """GD at 0.95·2/λ_max overshoots the minimum on the normalized inputs: the panel grows to show the zig-zag."""
    spec = built["contours"].to_dict()
    from helpers import array

    for axis in ("", "2"):
        xr, yr = spec["layout"][f"xaxis{axis}"]["range"], spec["layout"][f"yaxis{axis}"]["range"]
        for t in spec["data"]:
            if t["type"] == "scatter" and t.get("xaxis", "x") == f"x{axis}":
                x, y = array(t["x"]), array(t["y"])
                assert np.all((x >= xr[0]) & (x <= xr[1]) & (y >= yr[0]) & (y <= yr[1])), t["name"]


@pytest.mark.parametrize("name", NAMES)
def test_legends_stay_off_the_title_band(name, built):
    check_bands(built[name])



def test_contour_paths_show_a_dot_per_step_only_while_the_steps_can_be_told_apart():
    modes = {}
    for steps in (300, 30):
        fig = norm_draw.cost_contours(normalization.compare(20.0, 2.0, 0, steps=steps))
        paths = [t for t in fig.to_dict()["data"] if t.get("legendgroup") in ("sgd", "momentum", "adam")]
        assert len(paths) == 6
        for t in paths:
            n = len(decoded(t["x"]))
            assert t["mode"] == ("lines+markers" if n <= norm_draw.MARKED_STEPS else "lines"), (steps, n)
        modes[steps] = {t["mode"] for t in paths}
    assert modes == {300: {"lines"}, 30: {"lines+markers"}}
