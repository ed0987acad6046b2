"""Plotly figure builders for loss surfaces and optimizer races.

Animation-safe background (GUIDE.md, platform facts): plotly.js drops contour/heatmap traces while
frames play, so the colour field is a PNG in ``layout.images`` and the contour lines are one
``go.Scatter``. Frames are plain dicts that carry only the moving head markers.
"""
from __future__ import annotations

import base64
import functools
import io
from typing import NamedTuple

import contourpy
import numpy as np
import orjson
import plotly.colors
import plotly.graph_objects as go
import plotly.io as pio
from PIL import Image

from . import simulate, surfaces
from .arena import COLOURS, f_star
from .optimizers import SPECS

FONT = dict(family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=14)
MAX_FRAMES = 301


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
        self._spec = spec
        # frames and layout hold no arrays worth encoding; traces' arrays go base64, as plotly sends them
        plain = spec.to_dict() if isinstance(spec, go.Figure) else {
            **spec, "data": _encoded(spec.get("data", [])),
            "layout": {"template": _default_template(), **spec.get("layout", {})}}  # as go.Figure would add it
        title = plain.get("layout", {}).get("title") or ""
        self._title = title.get("text", "") if isinstance(title, dict) else str(title)
        self._json = orjson.dumps(plain, option=orjson.OPT_SERIALIZE_NUMPY)

    @property
    def title(self) -> str:
        """The layout's title text ("" if none)."""
        return self._title

    def to_dict(self):
        return orjson.loads(self._json)

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
    return _template_json(pio.templates.default)


@functools.lru_cache(maxsize=4)
def _template_json(name: str) -> dict:
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


def frozen(fig: go.Figure) -> FrozenFigure:
    """``FrozenFigure(fig)``, made once per figure object (a cached figure is shown on every rerun)."""
    if isinstance(fig, FrozenFigure):
        return fig
    done = getattr(fig, "_frozen_copy", None)
    if done is None:
        done = FrozenFigure(fig)
        fig._frozen_copy = done
    return done


def presented(fig: go.Figure) -> FrozenFigure:
    """``fig`` for a projector: 20 px type (18 px hover labels) and visible markers 1.5× larger; made once per
    figure object."""
    done = getattr(fig, "_presented_copy", None)
    if done is None:
        spec = frozen(fig).to_dict()
        layout = spec.setdefault("layout", {})
        layout["font"] = {**layout.get("font", {}), "size": 20}
        legend = layout.get("legend", {})
        layout["legend"] = {**legend, "font": {**legend.get("font", {}), "size": 20}}
        layout["hoverlabel"] = {**layout.get("hoverlabel", {}), "font": {"size": 18}}
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


def grid(surface: surfaces.Surface, res: int = 200):
    """``(x, y, z)`` with z = f on a res × res grid over the surface's bounds, for colouring:
    log(1 + f − f_min) where f spans decades, f − f_min otherwise."""
    (x0, x1), (y0, y1) = surface.bounds
    x, y = np.linspace(x0, x1, res), np.linspace(y0, y1, res)
    with np.errstate(all="ignore"):
        z = surface.f(*np.meshgrid(x, y))
        z = np.nan_to_num(np.asarray(z, float) * np.ones((res, res)), nan=np.nan, posinf=np.nan, neginf=np.nan)
        finite = np.isfinite(z)
        z = z - (z[finite].min() if finite.any() else 0.0)
        z = np.log1p(z) if surface.log_colour else z
    return x, y, np.where(finite, z, np.nanmax(z) if finite.any() else 0.0)


@functools.lru_cache(maxsize=8)
def _colour_table(colorscale: str) -> np.ndarray:
    """The plotly colour scale as a 256 × 3 uint8 lookup table."""
    scale = plotly.colors.get_colorscale(colorscale)
    stops = np.array([s for s, _ in scale])
    rgb = np.array([plotly.colors.hex_to_rgb(c) if c.startswith("#") else plotly.colors.unlabel_rgb(c)
                    for _, c in scale], float)
    return np.stack([np.interp(np.linspace(0, 1, 256), stops, rgb[:, k]) for k in range(3)], axis=-1).astype(np.uint8)


def _colour_png(z: np.ndarray, colorscale: str = "Viridis") -> str:
    """z (rows = increasing y) as a colour-mapped PNG data URI, top row = largest y.
    Default zlib level, not ``optimize=True``: 5 ms instead of 30–80 ms for a PNG ~25% larger (~10 kB)."""
    zn = (z - z.min()) / (np.ptp(z) or 1.0)
    img = _colour_table(colorscale)[np.round(zn * 255).astype(np.uint8)]
    buf = io.BytesIO()
    Image.fromarray(np.flipud(img)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _contour_lines(x, y, z, levels: int = 14):
    """All iso-lines of z as two float32 arrays with NaN separators (compact when base64-encoded)."""
    gen = contourpy.contour_generator(x, y, z, line_type=contourpy.LineType.Separate)
    gap = np.full((1, 2), np.nan)
    lines = [seg for level in np.linspace(z.min(), z.max(), levels + 2)[1:-1]
             for line in gen.lines(level) for seg in (line, gap)]
    xy = np.concatenate(lines).astype(np.float32) if lines else np.empty((0, 2), np.float32)
    return xy[:, 0], xy[:, 1]


class Background(NamedTuple):
    """What every 2-D view of a surface shares and only the surface changes (cache it per surface and bounds):
    the layout with the PNG colour field and fixed axes, and the traces drawn under the paths (contour lines,
    the clickable start grid, the known minima), all as plain spec dicts."""
    layout: dict
    traces: list[dict]


def background(surface: surfaces.Surface, res: int = 200, click_grid: int = 41) -> Background:
    """The PNG colour field (``res`` pixels a side), the contour lines (on a ``res/2`` grid), a ``click_grid``²
    grid of near-invisible points (clicking one returns its coordinates: a new start) and the minima."""
    cx, cy = _contour_lines(*grid(surface, res // 2))
    (x0, x1), (y0, y1) = surface.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, click_grid), np.linspace(y0, y1, click_grid))
    traces = [
        dict(type="scatter", x=cx, y=cy, mode="lines", line=dict(color="rgba(255,255,255,0.55)", width=1),
             hoverinfo="skip", showlegend=False, name="contours"),
        dict(type="scatter", x=gx.ravel().astype(np.float32), y=gy.ravel().astype(np.float32), mode="markers",
             name="click to start here", marker=dict(size=14, color="white", opacity=0.01), showlegend=False,
             hovertemplate="click: start at (%{x:.2f}, %{y:.2f})<extra></extra>"),
    ]
    if len(surface.minima):
        traces.append(dict(type="scatter", x=surface.minima[:, 0], y=surface.minima[:, 1], mode="markers",
                           name="minimum", hovertemplate="minimum (%{x:.3f}, %{y:.3f})<extra></extra>",
                           marker=dict(symbol="star", size=16, color="white", line=dict(color="black", width=1.5))))
    return Background(surface_layout(surface, res), traces)


def surface_layout(surface: surfaces.Surface, res: int = 200) -> dict:
    """Layout pieces shared by every 2-D view of ``surface``: the PNG colour field and fixed axes."""
    x, y, z = grid(surface, res)
    (x0, x1), (y0, y1) = surface.bounds
    return dict(
        images=[dict(source=_colour_png(z), xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
                     sizing="stretch", layer="below", opacity=0.85)],
        xaxis=dict(range=[x0, x1], title=dict(text="x", standoff=4), showgrid=False, zeroline=False,
                   constrain="domain"),
        yaxis=dict(range=[y0, y1], title=dict(text="y", standoff=4), showgrid=False, zeroline=False, scaleanchor="x",
                   constrain="domain"),
        font=FONT, plot_bgcolor="white", margin=dict(l=50, r=20, t=40, b=40),
    )


def _start_trace(start) -> dict:
    return dict(type="scatter", x=[float(start[0])], y=[float(start[1])], mode="markers", name="start",
                marker=dict(symbol="x", size=13, color="black", line=dict(color="white", width=1)),
                hovertemplate="start (%{x:.2f}, %{y:.2f})<extra></extra>")


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Steps shown as animation frames: every ``stride``-th step, always ending on the last one."""
    stride = max(1, int(np.ceil(steps / (max_frames - 1))))
    return np.unique(np.r_[np.arange(0, steps + 1, stride), steps])


def _heads(xy: np.ndarray, shown: np.ndarray) -> list[dict]:
    """The first point of ``xy`` at each step in ``shown`` as frame data (a diverged step, NaN, as a gap)."""
    return [{"type": "scatter", "x": [None if x != x else x], "y": [None if y != y else y]}
            for x, y in xy[shown, 0].tolist()]


def race_height(surface: surfaces.Surface, width: int = 760, max_plot: int = 470) -> int:
    """Figure height that fits the equal-aspect map into a column about ``width`` pixels wide, plus the
    legend above and the Play/step controls below (so a wide surface leaves no empty band)."""
    (x0, x1), (y0, y1) = surface.bounds
    return int(min(max_plot, (width - 70) * (y1 - y0) / (x1 - x0))) + 200


def race_figure(surface: surfaces.Surface, paths: dict[str, simulate.Path], start,
                height: int | None = None, back: Background | None = None) -> FrozenFigure:
    """Contour view of the race: faint full paths, one moving head per optimizer, Play/Pause and a step slider.
    ``back`` is ``background(surface)``, computed here when not given (pass a cached one)."""
    height = height or race_height(surface)
    back = back or background(surface)
    traces = [*back.traces, _start_trace(start)]
    for name, p in paths.items():
        traces.append(dict(type="scatter", x=p.xy[:, 0, 0], y=p.xy[:, 0, 1], mode="lines", name=SPECS[name].label,
                           legendgroup=name, line=dict(color=COLOURS[name], width=2.5), opacity=0.9,
                           hovertemplate=SPECS[name].label
                           + " step %{pointNumber}: (%{x:.3f}, %{y:.3f})<extra></extra>"))
    steps = next(iter(paths.values())).xy.shape[0] - 1 if paths else 0
    shown = frame_steps(steps)
    per_path = [_heads(p.xy, shown) for p in paths.values()]
    first_head = len(traces)
    for name, h in zip(paths, per_path):
        traces.append(dict(**h[0], mode="markers", name=SPECS[name].label, legendgroup=name,
                           showlegend=False, hoverinfo="skip",
                           marker=dict(size=15, color=COLOURS[name], line=dict(color="black", width=1.5))))
    heads = list(range(first_head, len(traces)))
    frames = [{"name": str(k), "traces": heads, "data": [h[i] for h in per_path]} for i, k in enumerate(shown)]
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    layout = {
        **back.layout, "height": height, "hovermode": "closest", "uirevision": surface.name,
        "legend": dict(orientation="h", y=1.02, x=0, yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"),
        "updatemenus": [dict(type="buttons", direction="left", x=0, y=-0.17, xanchor="left", yanchor="top",
                             pad=dict(r=10, t=10), showactive=False, buttons=[
            dict(label="▶ Play", method="animate",
                 args=[None, {"frame": {"duration": 30, "redraw": False}, "fromcurrent": True,
                              "transition": {"duration": 0}, "mode": "immediate"}]),
            dict(label="❚❚ Pause", method="animate", args=[[None], still])])],
        "sliders": [dict(active=0, x=0.36, y=-0.17, len=0.64, xanchor="left", yanchor="top", pad=dict(t=0),
                         currentvalue=dict(prefix="step ", font=dict(size=14)),
                         steps=[dict(method="animate", label=str(k), args=[[str(k)], still]) for k in shown])],
        "margin": dict(l=50, r=20, t=50, b=150),
    }
    return FrozenFigure({"data": traces, "layout": layout, "frames": frames})


def loss_figure(surface: surfaces.Surface, paths: dict[str, simulate.Path], height: int = 360) -> FrozenFigure:
    """Loss against step: f − f* on a log axis where the minimum is known, f itself otherwise."""
    fs = f_star(surface)
    traces = []
    for name, p in paths.items():
        y = p.loss[:, 0] - fs if np.isfinite(fs) else p.loss[:, 0]
        if np.isfinite(fs):
            y = np.maximum(y, 1e-16)  # exact zeros would vanish from a log axis
        traces.append(dict(type="scatter", y=y, mode="lines", name=SPECS[name].label,
                           line=dict(color=COLOURS[name], width=2.5)))
    layout = dict(
        height=height, font=FONT, margin=dict(l=60, r=10, t=40, b=60), plot_bgcolor="white",
        xaxis=dict(title=dict(text="step t", standoff=8), gridcolor="#eee"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom"),
        yaxis=dict(title=dict(text="f − f* (log)" if np.isfinite(fs) else "f", standoff=12), automargin=True,
                   type="log" if np.isfinite(fs) else "linear", gridcolor="#eee", exponentformat="power"))
    return FrozenFigure({"data": traces, "layout": layout})


def surface3d_figure(surface: surfaces.Surface, paths: dict[str, simulate.Path], res: int = 80,
                     height: int = 620) -> FrozenFigure:
    """3-D view: the (log-scaled where needed) surface with every trajectory drawn on it."""
    x, y, z = grid(surface, res)
    (x0, x1), (y0, y1) = surface.bounds
    traces = [dict(type="surface", x=x, y=y, z=z, colorscale=plotly.colors.get_colorscale("Viridis"), opacity=0.9,
                   showscale=False,
                   contours=dict(z=dict(show=True, usecolormap=True, project=dict(z=False))), name="f")]
    with np.errstate(all="ignore"):
        fmin = np.nanmin(np.asarray(surface.f(*np.meshgrid(x, y)), float))
    for name, p in paths.items():
        xy = p.xy[:, 0]
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        with np.errstate(all="ignore"):
            zz = surface.loss(xy) - fmin
            zz = np.log1p(np.maximum(zz, 0)) if surface.log_colour else zz
        zz = zz + 0.015 * np.ptp(z)  # just above the surface, so it is not hidden
        # cut where the path leaves the surface's box: a diverged run must not stretch the z axis
        zz = np.where(inside & (zz <= z.max() + 0.05 * np.ptp(z)), zz, np.nan)
        traces.append(dict(type="scatter3d", x=xy[:, 0], y=xy[:, 1], z=zz, mode="lines", name=SPECS[name].label,
                           line=dict(color=COLOURS[name], width=6)))
    layout = dict(height=height, font=FONT, margin=dict(l=0, r=0, t=30, b=0),
                  legend=dict(orientation="h", y=1.0, yanchor="bottom"),
                  scene=dict(xaxis=dict(title=dict(text="x")), yaxis=dict(title=dict(text="y")),
                             zaxis=dict(title=dict(text="log(1 + f − f_min)" if surface.log_colour else "f − f_min"),
                                        range=[float(z.min()), float(z.max() + 0.05 * np.ptp(z))]),
                             # from high above the start's side, so paths in a valley are not hidden by its walls
                             camera=dict(eye=dict(x=0.9, y=-1.6, z=1.9))))
    return FrozenFigure({"data": traces, "layout": layout})
