"""The third module's figure builders, called directly: each draws what it is given (values, names, scales)."""
import numpy as np
import pytest

from helpers import array, check_spec_figure
from optim_viz import softmax, tuning
from optim_viz.figures import batch_norm as bn_draw
from optim_viz.figures import hyperparameter_search as search_draw
from optim_viz.figures import softmax as softmax_draw


def _traces(fig):
    return fig.to_dict()["data"]


def test_probability_bars_show_softmax_beside_the_hardmax():
    z = np.array([5.0, 2.0, -1.0, 3.0])
    p = softmax.softmax(z)
    fig = softmax_draw.probability_bars(softmax.CLASSES, p, softmax.hardmax(z), 1.0)
    soft, hard = _traces(fig)
    assert array(soft["y"]) == pytest.approx(p) and array(hard["y"]).tolist() == [1, 0, 0, 0]
    assert soft["text"][0] == f"{p[0]:.3f}" and "T = 1" in soft["name"]


def test_example_figure_shows_the_gradient_as_y_hat_minus_y():
    y_hat, y = np.array([0.7, 0.2, 0.1]), np.array([0.0, 1.0, 0.0])
    *_, dz = _traces(softmax_draw.example_figure(["a", "b", "c"], y_hat, y, y_hat - y))
    assert array(dz["y"]) == pytest.approx([0.7, -0.8, 0.1]) and dz["text"] == ["+0.700", "-0.800", "+0.100"]


def test_window_figure_marks_each_step_of_beta():
    low, high = tuning.window_step(0.9), tuning.window_step(0.999)
    curve, *marks = _traces(search_draw.window_figure([low, high]))
    assert array(curve["y"]) == pytest.approx(1 / (1 - array(curve["x"])))
    assert [array(m["y"]).tolist() for m in marks] == [[low.window, low.window_next], [high.window, high.window_next]]
    assert search_draw.window_figure([low, high]).layout.yaxis.type == "log"


def test_batch_norm_cost_curves_leave_overflow_as_gaps_on_a_log_axis():
    it = np.arange(4)
    fig = bn_draw.cost_curves({"plain": it, "bn": it}, {"plain": np.array([1.0, np.inf, np.nan, 0.5]),
                                                       "bn": np.array([1.0, 0.5, 0.25, 0.125])})
    plain, with_bn = _traces(fig)
    assert plain["name"] == "without batch norm" and with_bn["name"] == "with batch norm"
    y = array(plain["y"])
    assert y[0] == 1.0 and y[3] == 0.5 and not np.isfinite(y[1:3]).any()
    assert fig.figure.layout.yaxis.type == "log"


def test_batch_noise_is_log_log_with_the_closed_form_dashed():
    sizes = [8, 32, 128]
    fig = bn_draw.batch_noise(sizes, [0.3, 0.15, 0.07], [0.33, 0.16, 0.07], [0.5, 0.25, 0.1], [0.4, 0.2, 0.1])
    names = [t["name"] for t in _traces(fig)]
    assert len(names) == 4 and any("closed form" in n for n in names)
    layout = fig.figure.layout
    assert layout.xaxis.type == layout.yaxis.type == "log"
    assert list(layout.xaxis.tickvals) == sizes


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_batch_norm_figures_are_specs_that_validate_and_send_what_plotly_would(hidden):
    """Plain specs (no validation on a moved control): each validates as a go.Figure and sends plotly's own JSON;
    the drift panels shade the saturated ends of tanh only."""
    rng = np.random.default_rng(0)
    it = np.arange(1, 21)
    pre = np.sort(rng.normal(size=(20, 5, 3)), axis=2)
    figs = [bn_draw.cost_curves({"plain": it, "bn": it}, {"plain": np.exp(-it / 5), "bn": np.exp(-it / 3)}),
            bn_draw.preact_drift(it, pre, pre / 2, pre * 3, 1, 2, hidden),
            bn_draw.running_stats(it, rng.normal(size=20), np.zeros(20), rng.random(20), np.ones(20), 0.9),
            bn_draw.batch_noise([8, 32, 128], [0.3, 0.15, 0.07], [0.33, 0.16, 0.07], [0.5, 0.25, 0.1],
                                [0.4, 0.2, 0.1])]
    for fig in figs:
        check_spec_figure(fig)
    assert len(figs[1].figure.layout.shapes) == (4 if hidden == "tanh" else 0)
    assert [a.text for a in figs[1].figure.layout.annotations][0].startswith("Without batch norm")


def test_log_ticks_are_1_2_5_steps_written_in_full_inside_the_range():
    from optim_viz.figures.style import log_ticks

    t = log_ticks([0.04, 0.6], [np.nan, np.inf, 0.0, -1.0])
    assert t["tickvals"] == pytest.approx([0.05, 0.1, 0.2, 0.5]) and t["ticktext"] == ["0.05", "0.1", "0.2", "0.5"]
    assert log_ticks([1e-6, 10.0])["ticktext"] == ["1e-06", "1e-05", "0.0001", "0.001", "0.01", "0.1", "1", "10"]
    assert log_ticks([3.0, 4.0]) == {} and log_ticks([np.nan]) == {}  # too narrow, or nothing to place: plotly's own


def test_batch_norm_log_axes_label_small_values_in_full():
    """Plotly's own log labels write 0.05 as a bare "5" below the 0.1 label; a student reads it as five."""
    fig = bn_draw.batch_noise([8, 32, 128], [0.3, 0.15, 0.07], [0.33, 0.16, 0.07], [0.5, 0.25, 0.1], [0.4, 0.2, 0.06])
    assert list(fig.figure.layout.yaxis.ticktext) == ["0.1", "0.2", "0.5"]
    it = np.arange(3)
    cost = bn_draw.cost_curves({"plain": it, "bn": it}, {"plain": np.array([2.0, 0.3, np.inf]),
                                                        "bn": np.array([1.0, 0.05, 0.02])})
    assert "0.05" in cost.figure.layout.yaxis.ticktext and "5" not in cost.figure.layout.yaxis.ticktext
