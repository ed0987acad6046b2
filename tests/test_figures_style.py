"""The shared layout rules of figures/style.py: presentation mode scales every font (annotations and subplot titles
too), and no legend shares the title's band, in a figure as built and in its presentation-mode copy."""
import numpy as np
import plotly.graph_objects as go
import pytest

from optim_viz import softmax
from optim_viz.figures import batch_norm as bn_draw
from optim_viz.figures import hyperparameter_search as search_draw
from optim_viz.figures import softmax as softmax_draw
from optim_viz.figures import style

BASE, SHOWN = style.FONT["size"], style.PRESENT_FONT


def check_bands(fig, as_built: bool = True) -> None:
    """A horizontal legend lies below the plot (its band at the bottom of the figure, or under the x axis); the
    title lies above the plot. Holds for the figure as built and for its presentation-mode copy."""
    for spec in (style.frozen(fig).to_dict(), style.presented(fig).to_dict())[0 if as_built else 1:]:
        layout = spec["layout"]
        legend = layout.get("legend", {})
        if legend.get("orientation") == "h" and not (layout.get("sliders") or layout.get("updatemenus")):
            at_bottom = legend.get("yref") == "container" and legend.get("y", 1) <= 0.05 \
                and legend.get("yanchor") == "bottom"
            under_axis = legend.get("yref", "paper") == "paper" and legend.get("y", 1) <= 0 \
                and legend.get("yanchor") == "top"
            assert at_bottom or under_axis, legend
        title = layout.get("title", {})
        if isinstance(title, dict) and title.get("text"):
            above = title.get("yref") == "paper" and title.get("y") == 1 and title.get("yanchor") == "bottom"
            in_top_margin = title.get("yref", "container") == "container" and title.get("y", 1) >= 0.9
            assert above or in_top_margin, title
            if above:  # padded over whatever labels sit on the plot's top edge
                assert title.get("automargin") and title["pad"]["b"] >= style.above_plot(layout)


def _annotated() -> go.Figure:
    fig = style.two_panels(("A subplot title long enough to wrap in presentation mode", "right"))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], name="line"))
    fig.update_layout(title=dict(text="Title", font=dict(size=18)), font=dict(size=BASE),
                      xaxis=dict(title=dict(text="x", font=dict(size=16))),
                      annotations=[*fig.layout.annotations, dict(text="plain note", x=0.5, y=0.5, showarrow=False)],
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"), height=400)
    return fig


def test_presented_scales_title_annotation_and_subplot_title_fonts():
    shown = style.presented(_annotated()).to_dict()["layout"]
    scale = SHOWN / BASE
    sub, right, plain = shown["annotations"]
    assert sub["font"]["size"] == round(16 * scale) == right["font"]["size"]  # two_panels' 16 px subplot titles
    assert "font" not in plain and shown["font"]["size"] == SHOWN  # inherits the presentation size
    assert shown["title"]["font"]["size"] == round(18 * scale)
    assert shown["xaxis"]["title"]["font"]["size"] == round(16 * scale)
    assert shown["legend"]["font"]["size"] == SHOWN and shown["hoverlabel"]["font"]["size"] == 18
    assert shown["height"] == round(400 * style.PRESENT_HEIGHT)
    # the long subplot title is wrapped, each line within the limit, no word lost
    lines = sub["text"].split("<br>")
    assert len(lines) > 1 and all(len(s) <= style.SUBPLOT_TITLE_CHARS for s in lines)
    assert " ".join(lines) == "A subplot title long enough to wrap in presentation mode"


def test_presented_titles_default_to_the_presentation_size_and_long_y_titles_wrap():
    fig = go.Figure(layout=dict(title=dict(text="t"), yaxis=dict(title=dict(text="cost J (with the L2 term)"))))
    shown = style.presented(fig).to_dict()["layout"]
    assert shown["title"]["font"]["size"] == SHOWN
    assert shown["yaxis"]["title"]["text"] == "cost J (with the<br>L2 term)"


def test_presented_moves_a_legend_off_the_title_band_and_pads_the_title_over_subplot_titles():
    fig = _annotated()
    check_bands(fig, as_built=False)  # as built, its legend sits above the plot
    shown = style.presented(fig).to_dict()["layout"]
    assert {k: shown["legend"][k] for k in style.LEGEND_BELOW} == style.LEGEND_BELOW
    assert shown["title"]["pad"]["b"] >= round(16 * SHOWN / BASE) * 1.3  # above the subplot titles' line
    assert all(shown[a]["automargin"] for a in ("xaxis", "yaxis", "xaxis2", "yaxis2"))


def test_presented_leaves_an_animated_figure_s_legend_and_title_in_place():
    fig = _annotated()
    fig.update_layout(updatemenus=[dict(type="buttons", buttons=[dict(label="Play", method="animate", args=[None])])])
    shown = style.presented(fig).to_dict()["layout"]
    assert shown["legend"]["y"] == 1.02 and shown["legend"]["yanchor"] == "bottom"
    assert shown["title"]["text"] == "Title" and "yref" not in shown["title"]


def test_presented_is_made_once_and_leaves_the_figure_alone():
    fig = _annotated()
    before = fig.to_dict()
    assert style.presented(fig) is style.presented(fig)
    assert fig.to_dict() == before


@pytest.mark.parametrize(("text", "width", "lines"), [
    ("short", 10, ["short"]),
    ("The first 20 points: where bias correction matters", 30,
     ["The first 20 points: where", "bias correction matters"]),
    ("averyveryverylongword and more", 8, ["averyveryverylongword", "and more"]),
])
def test_wrap_breaks_at_spaces_within_the_width(text, width, lines):
    assert style.wrap(text, width).split("<br>") == lines
    assert style.wrap("already<br>broken by hand", 5) == "already<br>broken by hand"


def test_above_plot_counts_the_lines_of_labels_on_the_plot_s_top_edge():
    layout = {"font": {"size": 10}, "annotations": [
        dict(text="a<br>b<br>c", y=1.0, yref="paper", yanchor="bottom"),  # 3 lines at 10 px
        dict(text="d", y=1.0, yref="paper", yanchor="bottom", font=dict(size=30)),  # 1 line at 30 px
        dict(text="inside", y=0.5, yref="paper", yanchor="bottom", font=dict(size=99))]}  # in the plot: ignored
    assert style.above_plot(layout) == pytest.approx(39.0)
    assert style.above_plot({}) == 0


# The third module's builders (the averages and setup pages' are checked in test_figures_averages.py and
# test_figures_setup.py), on small made-up inputs: only their layouts are looked at.
@pytest.fixture(scope="module")
def third_module():
    edges, counts = [1e-4, 1e-3, 1e-2, 1e-1, 1.0], np.array([0, 2, 23, 225])
    it, cost = np.arange(50), np.geomspace(1, 0.1, 50)
    sizes = [8, 32, 128]
    return {
        "sampling": search_draw.sampling_figure(edges, counts, counts[::-1], [1e-3, 1e-2, 1e-1], counts[:2],
                                                counts[2:]),
        "probabilities": softmax_draw.probability_bars(softmax.CLASSES, np.full(4, 0.25), np.eye(4)[0], 1.0),
        "softmax cost": softmax_draw.cost_figure({"no hidden layer": (it, cost), "one hidden layer": (it, cost / 2)}),
        "example": softmax_draw.example_figure(softmax.CLASSES, np.full(4, 0.25), np.eye(4)[1],
                                               np.full(4, 0.25) - np.eye(4)[1]),
        "bn cost": bn_draw.cost_curves({"plain": it, "bn": it}, {"plain": cost, "bn": cost / 2}),
        "bn noise": bn_draw.batch_noise(sizes, [0.3, 0.15, 0.07], [0.3, 0.15, 0.07], [0.4, 0.2, 0.1], [0.5, 0.3, 0.2]),
    }


@pytest.mark.parametrize("name", ["sampling", "probabilities", "softmax cost", "example", "bn cost", "bn noise"])
def test_third_module_figures_keep_legends_off_the_title_band(third_module, name):
    check_bands(third_module[name])


def test_plotly_serializes_a_frozen_figure_once_and_the_same_as_before():
    import json

    import plotly.io as pio

    style.serialize_once()
    style.serialize_once()  # idempotent: one wrapper, whatever imports it
    original = pio.to_json.original
    assert not getattr(original, "frozen_aware", False)
    fig = go.Figure(go.Scatter(x=np.arange(5.0), y=[1.0, np.nan, 3.0, 4.0, 5.0], name="a </script> b"),
                    layout={"title": {"text": "t"}})
    frozen = style.frozen(fig)
    assert pio.to_json(frozen, validate=False) is frozen.json  # no new encoding per rerun
    assert json.loads(frozen.json) == json.loads(original(fig, validate=False))  # what plotly made of the figure
    assert "</script>" not in frozen.json  # still escaped for an HTML page
    assert pio.to_json(fig, validate=False) == original(fig, validate=False)  # other figures: plotly as before
    assert pio.to_json(frozen, pretty=True) == original(frozen, pretty=True)


def test_streamlit_is_handed_the_frozen_json_and_the_size_it_reads():
    """st.plotly_chart turns a figure into a dict and encodes the dict: a FrozenFigure skips both, and what is
    sent equals what plotly would send for the same figure."""
    import json

    import plotly.io as pio
    import plotly.tools

    style.serialize_once()
    fig = go.Figure(go.Scatter(x=np.arange(3.0), y=[1.0, 2.0, 3.0]), layout={"height": 321})
    frozen = style.frozen(fig)
    handed = plotly.tools.return_figure_from_figure_or_data(frozen, validate_figure=True)  # Streamlit's two calls
    sent = pio.to_json(handed, validate=False)
    assert sent is frozen.json
    assert json.loads(sent) == json.loads(pio.to_json.original(fig, validate=False))
    assert handed.get("layout", {}).get("height") == 321  # what Streamlit reads for height="content"
    theirs = plotly.tools.return_figure_from_figure_or_data.original(frozen, validate_figure=True)
    assert theirs == frozen.to_dict()  # the unpatched path: the full dict
    assert plotly.tools.return_figure_from_figure_or_data({"data": [{"y": [1]}]}, True)["data"]  # others as before
