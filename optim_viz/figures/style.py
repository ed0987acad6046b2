"""What every figure module shares: the read-only ``FrozenFigure`` Streamlit sends (and its presentation-mode
copy), the plain-JSON templates, and the three house layouts (``line_layout`` for the averages pages,
``white_figure``/``subplot_layout`` for the setup pages, ``frame``/``two_panels`` for the third module).

Builders return plain specs wrapped in ``FrozenFigure``: plotly validates nothing on a cache miss (~1 ms per trace,
frame or slider step otherwise); ``tests/helpers.check_spec_figure`` validates each builder's output once.
"""
from __future__ import annotations

import base64
import copy
import functools

import numpy as np
import orjson
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=14)


class FrozenFigure(go.Figure):
    """A finished, read-only figure as Streamlit sends it: its JSON is made once, and ``to_dict`` (what
    ``st.plotly_chart`` and the HTML/PNG exports call) returns a fresh copy of it (orjson, ~1 ms per 100 kB)
    instead of plotly's deep copy and base64 pass on every rerun.

    Made from a ``go.Figure`` (``frozen(fig)``) or straight from a plain spec ``{"data", "layout", "frames"}``
    built by this package: plotly then validates nothing (~1 ms per trace, frame or slider step: ~300 ms for a
    301-frame race, more than the race itself). ``figure`` is the validated ``go.Figure``, built on demand
    for what reads traces as objects (CSV export); a test validates every spec builder's output."""

    def __init__(self, spec: dict | go.Figure):
        super().__init__()
        if isinstance(spec, dict):
            _pad_title(spec.get("layout", {}))
        self._spec = spec
        # frames and layout hold no arrays worth encoding; traces' arrays go base64, as plotly sends them
        plain = spec.to_dict() if isinstance(spec, go.Figure) else {
            **spec, "data": _encoded(spec.get("data", [])),
            "layout": {"template": _default_template(), **spec.get("layout", {})}}  # as go.Figure would add it
        title = plain.get("layout", {}).get("title") or ""
        self._title = title.get("text", "") if isinstance(title, dict) else str(title)
        # exactly what plotly.io.to_json (which st.plotly_chart calls on every rerun) makes of it: see ``json``
        self._json = pio.to_json(plain, validate=False)
        layout = plain.get("layout", {})
        self._sending = _Sending(layout={k: layout[k] for k in ("width", "height") if k in layout})
        self._sending.json = self._json

    @property
    def title(self) -> str:
        """The layout's title text ("" if none)."""
        return self._title

    def to_dict(self):
        return orjson.loads(self._json)

    @property
    def sending(self) -> _Sending:
        """What ``st.plotly_chart`` gets instead of ``to_dict()`` (``serialize_once``)."""
        return self._sending

    @property
    def json(self) -> str:
        """``plotly.io.to_json(self, validate=False)``, made once (``serialize_once`` makes plotly return it)."""
        return self._json

    @property
    def figure(self) -> go.Figure:
        """The validated ``go.Figure`` (built once, on first use)."""
        if isinstance(self._spec, FrozenFigure):
            return self._spec.figure
        if not isinstance(self._spec, go.Figure):
            self._spec = go.Figure(self._spec)
        return self._spec


def _default_template() -> dict:
    """The template ``go.Figure`` puts in every layout (``plotly.io.templates.default``), as plain JSON."""
    return template(pio.templates.default)


@functools.lru_cache(maxsize=4)
def template(name: str = "plotly_white") -> dict:
    """A named plotly template as plain JSON (what ``layout.template = name`` expands to)."""
    return go.Figure(layout={"template": name}).to_dict()["layout"]["template"]


_TYPED = {"float64": "f8", "float32": "f4", "int32": "i4", "int16": "i2", "int8": "i1", "uint8": "u1"}


def _encoded(v, key: str = ""):
    """A copy of a plain spec whose NumPy arrays are base64 typed arrays, as plotly's ``to_dict`` sends them
    (axis ranges stay lists)."""
    if isinstance(v, dict):
        return {k: _encoded(x, k) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_encoded(x) for x in v]
    if isinstance(v, np.ndarray):
        if v.dtype == np.int64 and v.size and np.abs(v).max() < 2**31:
            v = v.astype(np.int32)
        if key == "range" or str(v.dtype) not in _TYPED or v.size == 0:
            return v.tolist()
        typed = {"dtype": _TYPED[str(v.dtype)], "bdata": base64.b64encode(np.ascontiguousarray(v)).decode("ascii")}
        return {**typed, "shape": str(v.shape)[1:-1]} if v.ndim > 1 else typed
    return v.item() if isinstance(v, np.generic) else v


class _Sending(dict):
    """What ``st.plotly_chart`` is handed for a FrozenFigure instead of its full dict: the layout's size, which is
    all Streamlit reads of it (for ``height="content"``), and ``json``, the figure's JSON as made once."""

    json: str


def serialize_once() -> None:
    """Make ``st.plotly_chart`` send a FrozenFigure's JSON as made once. Streamlit turns a figure into a dict
    (``plotly.tools.return_figure_from_figure_or_data``, which calls ``to_dict``) and encodes that dict again
    (``plotly.io.to_json``) on every rerun that shows it: for the Arena's race ~10 ms of parsing and encoding a
    rerun, and thousands of short-lived objects whose garbage collection cost a rerun up to ~150 ms here. A
    FrozenFigure now becomes a ``_Sending`` (its size and its JSON) and ``to_json`` returns that JSON. Other
    figures, and calls with other options, go through plotly as before."""
    import plotly.tools

    original, original_figure = pio.to_json, plotly.tools.return_figure_from_figure_or_data
    if getattr(original, "frozen_aware", False):
        return

    def to_json(fig, validate=True, pretty=False, remove_uids=True, engine=None):
        if isinstance(fig, (FrozenFigure, _Sending)) and not pretty and remove_uids and engine is None:
            return fig.json
        return original(fig, validate, pretty, remove_uids, engine)

    def return_figure_from_figure_or_data(figure_or_data, validate_figure):
        if isinstance(figure_or_data, FrozenFigure) and validate_figure:  # Streamlit's call
            return figure_or_data.sending
        return original_figure(figure_or_data, validate_figure)

    to_json.frozen_aware, to_json.original = True, original
    return_figure_from_figure_or_data.original = original_figure
    pio.to_json, plotly.tools.return_figure_from_figure_or_data = to_json, return_figure_from_figure_or_data


def frozen(fig: go.Figure) -> FrozenFigure:
    """``FrozenFigure(fig)``, made once per figure object (a cached figure is shown on every rerun)."""
    if isinstance(fig, FrozenFigure):
        return fig
    done = getattr(fig, "_frozen_copy", None)
    if done is None:
        done = FrozenFigure(fig)
        fig._frozen_copy = done
    return done


PRESENT_FONT = 20  # px, presentation mode's chart type (the pages' own is 14)
TITLE_CHARS = 26  # presentation mode wraps a chart title after this many characters (a third of 1024 px)
AXIS_TITLE_CHARS = 18  # and a y-axis title (larger type makes it longer than a short plot is high)
PRESENT_HEIGHT = 1.2  # and makes a figure this much taller: larger type and legend rows take room from the plot
SUBPLOT_TITLE_CHARS = 28  # and a subplot title (half of a full-width figure at 1024 px)


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters at spaces (plotly's ``<br>``); a longer word stays
    whole. Text that already has line breaks is left alone."""
    if len(text) <= width or "<br>" in text:
        return text
    lines = [""]
    for word in text.split(" "):
        lines[-1:] = [lines[-1] + " " + word] if lines[-1] and len(lines[-1]) + 1 + len(word) <= width else \
            ([lines[-1], word] if lines[-1] else [word])
    return "<br>".join(lines)


def _scaled_fonts(node: dict, factor: float) -> None:
    """Multiply every explicit ``font.size`` in a layout part (title, annotation, axis title) by ``factor``."""
    font = node.get("font")
    if isinstance(font, dict) and isinstance(font.get("size"), (int, float)):
        node["font"] = {**font, "size": round(font["size"] * factor)}


def presented(fig: go.Figure) -> FrozenFigure:
    """``fig`` for a projector, made once per figure object: 20 px type everywhere (explicit sizes of titles,
    annotations and subplot titles scaled by as much; 18 px hover labels), visible markers 1.5× larger; the title
    (20 px, not plotly's 1.2×), subplot titles and long y-axis titles wrapped to fit a third of the screen, the title
    above the plot pushing the top margin; every axis pushing its margin to fit its tick labels and title; a
    horizontal legend moved to the bottom of the figure, where plotly reserves its rows (larger type makes it taller:
    above the plot it would run into the title); the figure 1.2× taller, so the plot keeps its room.
    An animated figure keeps its title and legend where they are (its Play button and slider sit below the plot)."""
    done = getattr(fig, "_presented_copy", None)
    if done is None:
        spec = frozen(fig).to_dict()
        layout = spec.setdefault("layout", {})
        factor = PRESENT_FONT / (layout.get("font", {}).get("size") or FONT["size"])
        animated = bool(layout.get("sliders") or layout.get("updatemenus"))  # its controls sit below the plot
        layout["font"] = {**layout.get("font", {}), "size": PRESENT_FONT}
        legend = layout.get("legend", {})
        layout["legend"] = {**legend, "font": {**legend.get("font", {}), "size": PRESENT_FONT},
                            **(LEGEND_BELOW if legend.get("orientation") == "h" and not animated else {})}
        layout["hoverlabel"] = {**layout.get("hoverlabel", {}), "font": {"size": 18}}
        for a in layout.get("annotations", []):
            _scaled_fonts(a, factor)
            if a.get("yref") == "paper" and a.get("yanchor") == "bottom" and isinstance(a.get("text"), str):
                a["text"] = wrap(a["text"], SUBPLOT_TITLE_CHARS)  # a subplot title, above its panel
        title = layout.get("title")
        if isinstance(title, dict) and title.get("text"):
            _scaled_fonts(title, factor)
            title["font"] = {"size": PRESENT_FONT, **title.get("font", {})}  # not plotly's 1.2× the type
            if not animated:
                pad = TITLE_ABOVE["pad"]["b"] + above_plot(layout)
                layout["title"] = {**title, "text": wrap(title["text"], TITLE_CHARS), **TITLE_ABOVE,
                                   "pad": dict(b=pad)}
        if not animated and isinstance(layout.get("height"), (int, float)):
            layout["height"] = round(layout["height"] * PRESENT_HEIGHT)
        layout.setdefault("xaxis", {}), layout.setdefault("yaxis", {})
        for name, axis in layout.items():
            if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
                axis["automargin"] = True
                if isinstance(axis.get("title"), dict):
                    _scaled_fonts(axis["title"], factor)
                    if name.startswith("yaxis") and isinstance(axis["title"].get("text"), str) and not animated:
                        axis["title"]["text"] = wrap(axis["title"]["text"], AXIS_TITLE_CHARS)
        for t in spec.get("data", []):
            m = t.get("marker")
            if t.get("mode") == "markers" and isinstance(m, dict) and isinstance(m.get("size"), (int, float)) \
                    and (m.get("opacity") or 1) > 0.05:
                m["size"] = m["size"] * 1.5
        done = FrozenFigure(spec)
        done._spec = fig  # what export reads as objects: the original's traces
        fig._presented_copy = done
    return done


def as_figure(fig: go.Figure) -> go.Figure:
    """A ``go.Figure`` whose traces can be read as objects (a frozen spec is validated now)."""
    return fig.figure if isinstance(fig, FrozenFigure) else fig


# ---------------------------------------------------------------------------- line charts (EWMA, decay, mini-batch)

PALETTE = ["#d62728", "#2ca02c", "#e6a100", "#1f77b4", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]
MAX_POINTS = 2000  # per line trace: enough to show noise, small enough for a fast rerun
LINE_AXIS = dict(showgrid=True, gridcolor="#eee", zeroline=False, linecolor="#999", automargin=True)
# A legend at the bottom of the figure, not of the plot area: plotly reserves its rows below the x-axis title, however
# many rows larger type or a narrow column makes, so it can cover neither the title nor an axis title or tick label.
LEGEND_BELOW = dict(orientation="h", xref="paper", x=0, xanchor="left", yref="container", y=0, yanchor="bottom")


TITLE_ABOVE = dict(yref="paper", y=1, yanchor="bottom", automargin=True, pad=dict(b=12))


def above_plot(layout: dict) -> float:
    """Pixels of annotations stacked on the top edge of the plot area (subplot titles, layer labels): a title placed
    just above the plot is padded by as much."""
    size = layout.get("font", {}).get("size") or FONT["size"]
    return max([(str(a.get("text", "")).count("<br>") + 1) * ((a.get("font") or {}).get("size") or size) * 1.3
                for a in layout.get("annotations", [])
                if a.get("yref") == "paper" and (a.get("y") or 0) >= 0.999 and a.get("yanchor") == "bottom"], default=0)


def _pad_title(layout: dict) -> None:
    """A title placed just above the plot (``TITLE_ABOVE``) padded over the labels on the plot's top edge (subplot
    titles, added by a builder after the layout was made)."""
    title = layout.get("title")
    if isinstance(title, dict) and title.get("yref") == "paper" and title.get("yanchor") == "bottom":
        pad = title.get("pad", {}).get("b", 0)
        title["pad"] = {**title.get("pad", {}), "b": max(pad, TITLE_ABOVE["pad"]["b"] + above_plot(layout))}


def top_title(text: str, **kw) -> dict:
    """A title at the top left, just above the plot area, that pushes the top margin to fit however many lines it
    wraps to (anchored to the container's top instead, plotly 3 draws a wrapped title's first line above the
    figure)."""
    return {**dict(text=text, x=0.01, xanchor="left"), **TITLE_ABOVE, **kw}


def line_layout(title: str, xtitle: str | None, ytitle: str | None, height: int = 420, axes: int = 1, **kw) -> dict:
    """The pages' common layout: title on its own line at the top, the legend at the bottom (so neither can cover
    the other or an axis title), light grids; ``axes`` x/y pairs (subplots add their domains)."""
    style = dict(title=top_title(title), height=height, font=FONT, plot_bgcolor="white",
                 margin=dict(l=70, r=20, t=40, b=20), hovermode="x unified", legend=LEGEND_BELOW)
    layout = {**style, **kw}
    for i in range(1, axes + 1):
        n = "" if i == 1 else str(i)
        layout["xaxis" + n] = {**LINE_AXIS, **({"title": dict(text=xtitle)} if xtitle else {})}
        layout["yaxis" + n] = {**LINE_AXIS, **({"title": dict(text=ytitle)} if ytitle else {})}
    return layout


def thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices 0..n−1 at a constant stride so at most ~max_points remain (the last one kept)."""
    stride = max(1, int(np.ceil(n / max_points)))
    idx = np.arange(0, n, stride)
    return idx if idx.size == 0 or idx[-1] == n - 1 else np.append(idx, n - 1)


def floats(a) -> np.ndarray:
    return np.asarray(a, dtype=float)


# --------------------------------------------------------- white subplots (normalization, initialization, gradients)

SERIES = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]


@functools.lru_cache(maxsize=16)
def _subplot_grid(rows: int, cols: int, n_titles: int, **kw) -> dict:
    """Axis domains and subplot-title annotations of ``make_subplots`` (computed once per shape)."""
    layout = make_subplots(rows, cols, subplot_titles=["t"] * n_titles, **kw).to_dict()["layout"]
    layout.pop("template", None)
    return layout


def subplot_layout(rows: int, cols: int, titles=(), **kw) -> dict:
    """A fresh copy of ``make_subplots``'s layout with ``titles`` filled in."""
    layout = copy.deepcopy(_subplot_grid(rows, cols, len(titles), **kw))
    for a, text in zip(layout.get("annotations", []), titles):
        a["text"] = text
    return layout


def set_axis(layout: dict, name: str, **props) -> None:
    """Merge ``props`` into ``layout[name]`` (``title_text`` as plotly's magic underscore does)."""
    ax = layout.setdefault(name, {})
    if "title_text" in props:
        ax["title"] = {**ax.get("title", {}), "text": props.pop("title_text")}
    ax.update(props)


def white_figure(data: list, layout: dict, height: int, **kw) -> FrozenFigure:
    """The page's common layout (white template, 14 px type, legend at the bottom) over ``layout``; ``kw`` wins."""
    base = dict(height=height, template=template(), font=PLAIN_FONT, margin=dict(l=60, r=20, t=60, b=20),
                legend=LEGEND_BELOW)
    return FrozenFigure({"data": data, "layout": {**layout, **base, **kw}})


def log_ticks(*series) -> dict:
    """``tickvals``/``ticktext`` for a log axis over the positive, finite values of ``series``: 1-2-5 steps (1 per
    decade beyond four decades) written in full, "0.05" where plotly's own log labels write a bare "5" below 0.1.
    Empty (plotly's own ticks) when fewer than two such steps fall inside the values' range."""
    v = np.concatenate([np.ravel(np.asarray(x, float)) for x in series]) if series else np.array([])
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return {}
    lo, hi = float(v.min()), float(v.max())
    e0, e1 = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    steps = (1,) if e1 - e0 > 4 else (1, 2, 5)
    ticks = [m * 10.0 ** e for e in range(e0, e1 + 1) for m in steps if lo <= m * 10.0 ** e <= hi]
    if len(ticks) < 2:
        return {}
    return dict(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])


def log_thin(n: int, dense: int = 150, total: int = 400) -> np.ndarray:
    """Indices 0..n−1: every one of the first ``dense``, then log-spaced (long runs stay light)."""
    if n <= total:
        return np.arange(n)
    tail = np.unique(np.geomspace(dense, n - 1, total - dense).astype(int))
    return np.unique(np.r_[np.arange(dense), tail, n - 1])


# ------------------------------------------------------------ legend below the plot (tuning, softmax, batch norm)

WHITE_AXIS = dict(gridcolor="#EBF0F8", linecolor="#EBF0F8", zerolinecolor="#EBF0F8", zerolinewidth=2, automargin=True)
# plotly_white's look in a small template: assigning "plotly_white" itself copies and validates the whole template
# (~25 ms a figure), and make_subplots costs as much again; both would dominate a moved control's rerun.
WHITE = go.layout.Template(layout=dict(
    paper_bgcolor="white", plot_bgcolor="white", font=dict(color="#2a3f5f"), xaxis=WHITE_AXIS, yaxis=WHITE_AXIS,
    colorway=["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880"]))
PLAIN_FONT = dict(size=14)
WHITE_LAYOUT = dict(template=WHITE, font=PLAIN_FONT)


def frame(height: int, top: int = 60) -> dict:
    """Layout for a figure of this height with its legend at the bottom of the figure, below the x-axis title
    (plotly reserves its rows, however many larger type makes) and axes that push the margins to fit their labels."""
    return dict(WHITE_LAYOUT, height=height, margin=dict(l=60, r=20, t=top, b=20), legend=LEGEND_BELOW)


def two_panels(titles: tuple[str, str], share_y: bool = True, gap: float = 0.04) -> go.Figure:
    """An empty figure with two side-by-side panels (axes x/y and x2/y2), titled like make_subplots's."""
    half = (1 - gap) / 2
    layout = dict(xaxis=dict(domain=[0, half], anchor="y"), xaxis2=dict(domain=[1 - half, 1], anchor="y2"),
                  yaxis=dict(anchor="x"), yaxis2=dict(anchor="x2", matches="y", showticklabels=False) if share_y
                  else dict(anchor="x2"),
                  annotations=[dict(text=t, x=x, y=1.0, xref="paper", yref="paper", xanchor="center",
                                    yanchor="bottom", showarrow=False, font=dict(size=16))
                               for t, x in zip(titles, (half / 2, 1 - half / 2))])
    return go.Figure(layout=layout)


def on_panel(fig: go.Figure, trace, col: int) -> None:
    """Add a trace to panel ``col`` (1 or 2) of a ``two_panels`` figure."""
    if col == 2:
        trace.update(xaxis="x2", yaxis="y2")
    fig.add_trace(trace)
