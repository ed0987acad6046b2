"""The EWMA, decay and mini-batch figure builders send plain specs: each one still validates as a plotly figure,
and what Streamlit is given equals plotly's own serialization of the validated figure."""

import numpy as np
import pytest
from test_figures_style import check_bands

from helpers import check_spec_figure
from optim_viz import ewma as E
from optim_viz import minibatch as MB
from optim_viz import schedules as S
from optim_viz.figures import ewma as ewma_figs
from optim_viz.figures import lr_decay as lr_decay_figs
from optim_viz.figures import mini_batch as mini_batch_figs


@pytest.fixture(scope="module")
def built():
    theta = E.series("temperature", 1)
    x, c, u = E.time_steps(theta), E.ewma(theta, 0.9), E.ewma(theta, 0.9, bias_correction=False)
    X, Y = MB.make_data(m=400, seed=0)
    p = MB.optimum(X, Y)
    runs = [MB.train(X, Y, b, 3, "sgd", lr=0.3) for b in (1, 32, 400)]
    w1, w2 = mini_batch_figs.view_axes([r.path for r in runs], p, MB.START, n=30)
    J = MB.cost_contour(X, Y, w1, w2, p[2])
    curves = {"inverse": S.on_epoch_axis(S.inverse_time(0.2, 1.0), 30, 10),
              "per update": S.on_epoch_axis(S.inverse_sqrt_step(0.2, 1.0), 30, 10)}
    smoothed = [E.ewma(r.cost_iter, 0.98) for r in runs]
    return {
        "ewma": ewma_figs.ewma_figure(x, theta, c, u, 0.9, "day", "°F"),
        "ewma without v_t": ewma_figs.ewma_figure(x, theta, c, None, 0.9, "day", "°F"),
        "compare": ewma_figs.compare_figure(x, theta, [0.5, 0.9, 0.999], E.ewma(theta, [0.5, 0.9, 0.999]), "day", "°F"),
        "zoom": ewma_figs.zoom_figure(x[:20], theta[:20], c[:20], u[:20], 0.9, "day", "°F"),
        "weights": ewma_figs.weights_figure(E.weights(0.9, 30), E.one_over_e_lag(0.9), 0.9),
        "schedules": lr_decay_figs.schedules_figure(curves, log_y=True, beyond=frozenset({"per update"})),
        "decay demo": lr_decay_figs.decay_demo_figure({"a": (np.arange(5.0), np.linspace(1, 0.5, 5)),
                                           "b": (np.arange(5.0), np.linspace(1, 0.2, 5))}, 0.3),
        "cost per iteration, 1 run": mini_batch_figs.cost_per_iteration_figure(runs[:1], 400, smoothed[:1], 0.98),
        "cost per iteration, 3 runs": mini_batch_figs.cost_per_iteration_figure(runs, 400, smoothed, 0.98),
        "cost per iteration, 5 runs": mini_batch_figs.cost_per_iteration_figure(runs + runs[1:], 400),
        "cost per epoch": mini_batch_figs.cost_per_epoch_figure(runs, 400),
        "paths": mini_batch_figs.paths_figure(w1, w2, J, runs, 400, p, MB.START, start_name="the start"),
    }


NAMES = ["ewma", "ewma without v_t", "compare", "zoom", "weights", "schedules", "decay demo",
         "cost per iteration, 1 run", "cost per iteration, 3 runs", "cost per iteration, 5 runs", "cost per epoch",
         "paths"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_figures_validate_and_send_what_plotly_would(name, built):
    check_spec_figure(built[name])


def test_subplot_rows_are_laid_out_as_make_subplots_would(built):
    from plotly.subplots import make_subplots

    for n, name in [(1, "cost per iteration, 1 run"), (3, "cost per iteration, 3 runs"),
                    (5, "cost per iteration, 5 runs")]:
        ref = make_subplots(rows=n, cols=1, vertical_spacing=0.12 if n < 4 else 0.06,
                            subplot_titles=[str(i) for i in range(n)]).to_dict()["layout"]
        ours = built[name].to_dict()["layout"]
        for i in range(1, n + 1):
            ax = "" if i == 1 else str(i)
            np.testing.assert_allclose(ours["yaxis" + ax]["domain"], ref["yaxis" + ax]["domain"], atol=1e-12)
            assert ours["xaxis" + ax]["anchor"] == "y" + ax and ours["yaxis" + ax]["anchor"] == "x" + ax
        np.testing.assert_allclose([a["y"] for a in ours["annotations"]], [a["y"] for a in ref["annotations"]])
        assert ours["xaxis" + ("" if n == 1 else str(n))]["title"]["text"] == "iteration t (one mini-batch each)"


def test_figures_draw_the_library_numbers(built):
    theta = E.series("temperature", 1)
    ewma = built["ewma"].to_dict()["data"]
    from helpers import array

    np.testing.assert_allclose(array(ewma[0]["y"]), theta)
    np.testing.assert_allclose(array(ewma[2]["y"]), E.ewma(theta, 0.9), rtol=1e-12)
    zoom = built["zoom"].to_dict()["layout"]["shapes"][0]
    assert zoom["y0"] == zoom["y1"] == 0 and zoom["xref"] == "x domain"
    sched = built["schedules"].to_dict()
    assert sched["layout"]["yaxis"]["type"] == "log" and sched["data"][1]["line"]["dash"] == "dot"


@pytest.mark.parametrize("name", NAMES)
def test_legends_stay_off_the_title_band(name, built):
    check_bands(built[name])
