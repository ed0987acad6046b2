"""The Optimizer Arena's figures: the race over the surface's colour field (animated, one frame per shown
step), the loss curves, and the 3-D view. The background image and contour lines are made once per surface
(``background``) and reused by every race on it.
"""
from __future__ import annotations

import base64
import functools
import io
from typing import NamedTuple

import contourpy
import numpy as np
import plotly.colors
from PIL import Image

from .. import simulate, surfaces
from ..arena import COLOURS, f_star
from ..optimizers import SPECS
from .style import FONT, FrozenFigure

# Plotly measures the label of every slider step when it draws the figure: 301 steps cost this Chromium ~0.8 s of
# the race's first draw (1.1 s → 0.3 s at 101) and ~0.2 s of every redraw, so the animation has at most 101 frames.
MAX_FRAMES = 101
# a trace's meta when it is drawing, not data (contour lines, the click grid, animated markers): export.figure_csv
# leaves such traces out
SCAFFOLD = "scaffold"


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
    """z (rows = increasing y) as a colour-mapped PNG data URI, top row = largest y. A palette PNG whose palette
    is the 256-entry lookup table: the same pixels as the RGB image, in ~1 ms and ~18 kB (RGB: ~15 ms, ~47 kB)."""
    zn = (z - z.min()) / (np.ptp(z) or 1.0)
    idx = np.ascontiguousarray(np.flipud(np.round(zn * 255).astype(np.uint8)))
    img = Image.frombytes("P", (idx.shape[1], idx.shape[0]), idx.tobytes())
    img.putpalette(_colour_table(colorscale).ravel().tolist())
    buf = io.BytesIO()
    img.save(buf, format="PNG")
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


def background(surface: surfaces.Surface, res: int = 200, click_grid: int = 29) -> Background:
    """The PNG colour field (``res`` pixels a side), the contour lines (on a ``res/2`` grid), a ``click_grid``²
    grid of near-invisible points (clicking one returns its coordinates: a new start) and the minima.

    The browser draws each of those points as an SVG node, which made most of the map's redraw: 29² of them
    (about 17 px apart on the map, within plotly's 20 px click reach) instead of 41² halve that, and the start
    can still be typed exactly. (An invisible heatmap would be one image, but Streamlit reports no click on one.)"""
    cx, cy = _contour_lines(*grid(surface, res // 2))
    (x0, x1), (y0, y1) = surface.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, click_grid), np.linspace(y0, y1, click_grid))
    traces = [
        dict(type="scatter", x=cx, y=cy, mode="lines", line=dict(color="rgba(255,255,255,0.55)", width=1),
             hoverinfo="skip", showlegend=False, name="contours", meta=SCAFFOLD),
        dict(type="scatter", x=gx.ravel().astype(np.float32), y=gy.ravel().astype(np.float32), mode="markers",
             name="click to start here", marker=dict(size=14, color="white", opacity=0.01), showlegend=False,
             meta=SCAFFOLD, hovertemplate="click: start at (%{x:.2f}, %{y:.2f})<extra></extra>"),
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
    """Steps shown as animation frames: every ``stride``-th step, always ending on the last one. The stride is
    odd, so that a zigzag (a sign flip every step, gradient descent across a ravine) still zigzags on screen."""
    stride = max(1, int(np.ceil(steps / (max_frames - 1))))
    stride += stride % 2 == 0
    return np.unique(np.r_[np.arange(0, steps + 1, stride), steps])


def _heads(xy: np.ndarray, shown: np.ndarray) -> list[dict]:
    """The first point of ``xy`` at each step in ``shown`` as frame data (a diverged step, NaN, as a gap)."""
    return [{"type": "scatter", "x": [None if x != x else x], "y": [None if y != y else y]}
            for x, y in xy[shown, 0].tolist()]


MAP_DOMAIN, LOSS_DOMAIN = (0.0, 0.56), (0.67, 1.0)  # the map and the loss panel side by side in one figure


def race_height(surface: surfaces.Surface, width: int = 1150, min_plot: int = 300, max_plot: int = 470) -> int:
    """Figure height that fits the equal-aspect map into its share of a main column about ``width`` pixels wide
    (the loss panel beside it takes the same height), plus the legend above and the Play/step controls below."""
    (x0, x1), (y0, y1) = surface.bounds
    map_width = (width - 70) * (MAP_DOMAIN[1] - MAP_DOMAIN[0])
    return int(np.clip(map_width * (y1 - y0) / (x1 - x0), min_plot, max_plot)) + 200


LEGEND_ROW = 40  # px: one more row of the horizontal legend at presentation size (20 px type; measured ~39)


def legend_rows(labels, width: int = 880, font_px: int = 20) -> int:
    """Rows a horizontal legend of ``labels`` takes in ``width`` pixels at ``font_px`` type (an estimate: a symbol
    and gaps of ~40 px per entry, ~0.55 em per character). The default is the narrowest case, a 1024-px screen in
    presentation mode: the race figure grows by the extra rows, so its panels keep their height."""
    rows, used = 1, 0.0
    for text in labels:
        w = 40 + 0.55 * font_px * len(text)
        if used and used + w > width:
            rows, used = rows + 1, 0.0
        used += w
    return rows


def loss_series(surface: surfaces.Surface, paths: dict[str, simulate.Path]) -> tuple[dict[str, np.ndarray], bool]:
    """What the loss panel plots per optimizer, and whether on a log axis: f − f* (floored at 1e-16: an exact
    zero would vanish from a log axis) where the minimum is known, f itself otherwise. NaN after a divergence."""
    fs = f_star(surface)
    if not np.isfinite(fs):
        return {n: p.loss[:, 0] for n, p in paths.items()}, False
    with np.errstate(invalid="ignore"):
        return {n: np.maximum(p.loss[:, 0] - fs, 1e-16) for n, p in paths.items()}, True


def _loss_range(series: dict[str, np.ndarray], log: bool) -> list[float]:
    """A fixed y range for the loss panel (in log10 units on a log axis), so the animation never rescales it."""
    finite = np.concatenate([y[np.isfinite(y)] for y in series.values()] or [np.zeros(0)])
    if log:
        finite = finite[finite > 0]
        lo, hi = (np.log10(finite.min()), np.log10(finite.max())) if finite.size else (-16.0, 0.0)
        pad = max(0.05 * (hi - lo), 0.1)
    else:
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        pad = max(0.05 * (hi - lo), 1e-9 * max(1.0, abs(hi)), 1e-12)
    return [float(lo - pad), float(hi + pad)]


def _points(x: list, y: list) -> dict:
    """Frame data of one trace: its points, NaN (a diverged step) as a gap."""
    return {"type": "scatter", "x": x, "y": [None if v != v else v for v in y]}


def race_figure(surface: surfaces.Surface, paths: dict[str, simulate.Path], start,
                height: int | None = None, back: Background | None = None) -> FrozenFigure:
    """The race in one animated figure: on the map, faint full paths and one moving head per optimizer; beside
    it the loss panel (``loss_series``) with a marker per optimizer and a line at the shown step, so the current
    step is marked in both while the animation plays; Play/Pause and a step slider below. ``back`` is
    ``background(surface)``, computed here when not given (pass a cached one)."""
    back = back or background(surface)
    traces = [*back.traces, _start_trace(start)]
    shown_in_legend = [t["name"] for t in back.traces if t.get("showlegend", True)] + ["start"] + \
        [SPECS[n].label for n in paths]
    height = (height or race_height(surface)) + LEGEND_ROW * (legend_rows(shown_in_legend) - 1)
    for name, p in paths.items():
        traces.append(dict(type="scatter", x=p.xy[:, 0, 0], y=p.xy[:, 0, 1], mode="lines", name=SPECS[name].label,
                           legendgroup=name, line=dict(color=COLOURS[name], width=2.5), opacity=0.9,
                           hovertemplate=SPECS[name].label
                           + " step %{pointNumber}: (%{x:.3f}, %{y:.3f})<extra></extra>"))
    series, log = loss_series(surface, paths)
    for name, y in series.items():
        traces.append(dict(type="scatter", y=y, mode="lines", name=SPECS[name].label, legendgroup=name,
                           showlegend=False, xaxis="x2", yaxis="y2", line=dict(color=COLOURS[name], width=2.5),
                           hovertemplate=SPECS[name].label + " step %{x}: %{y:.3g}<extra></extra>"))
    steps = next(iter(paths.values())).xy.shape[0] - 1 if paths else 0
    shown = frame_steps(steps)
    y_range = _loss_range(series, log)
    ends = [10 ** v for v in y_range] if log else y_range
    heads = [_heads(p.xy, shown) for p in paths.values()]
    marks = [[_points([int(k)], [v]) for k, v in zip(shown, y[shown].tolist())] for y in series.values()]
    rule = [{"type": "scatter", "x": [int(k), int(k)]} for k in shown]  # its y (the panel's range) never changes
    first = len(traces)
    for name, h in zip(paths, heads):
        traces.append(dict(**h[0], mode="markers", name=SPECS[name].label, legendgroup=name,
                           showlegend=False, hoverinfo="skip", meta=SCAFFOLD,
                           marker=dict(size=15, color=COLOURS[name], line=dict(color="black", width=1.5))))
    for name, m in zip(paths, marks):
        traces.append(dict(**m[0], mode="markers", name=SPECS[name].label, legendgroup=name,
                           showlegend=False, hoverinfo="skip", xaxis="x2", yaxis="y2", meta=SCAFFOLD,
                           marker=dict(size=10, color=COLOURS[name], line=dict(color="black", width=1))))
    traces.append(dict(**rule[0], y=ends, mode="lines", name="shown step", showlegend=False,
                       hoverinfo="skip", xaxis="x2", yaxis="y2", meta=SCAFFOLD,
                       line=dict(color="#444", width=1, dash="dot")))
    moving = list(range(first, len(traces)))
    frames = [{"name": str(k), "traces": moving, "data": [h[i] for h in heads] + [m[i] for m in marks] + [rule[i]]}
              for i, k in enumerate(shown)]
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    layout = {
        **back.layout, "height": height, "hovermode": "closest", "uirevision": surface.name,
        "xaxis": {**back.layout["xaxis"], "domain": list(MAP_DOMAIN)},
        "xaxis2": dict(domain=list(LOSS_DOMAIN), anchor="y2", range=[0, max(steps, 1)], gridcolor="#eee",
                       zeroline=False, title=dict(text="step t", standoff=4)),
        "yaxis2": dict(anchor="x2", type="log" if log else "linear", range=y_range, gridcolor="#eee",
                       exponentformat="power", zeroline=False, automargin=True,
                       title=dict(text="f − f* (log)" if log else "f", standoff=6)),
        # clear of the loss panel's top tick label (half a line of 20 px type above the plot)
        "legend": dict(orientation="h", y=1.06, x=0, yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"),
        "updatemenus": [dict(type="buttons", direction="left", x=0, y=-0.17, xanchor="left", yanchor="top",
                             pad=dict(r=10, t=10), showactive=False, buttons=[
            dict(label="▶ Play", method="animate",
                 args=[None, {"frame": {"duration": 30, "redraw": False}, "fromcurrent": True,
                              "transition": {"duration": 0}, "mode": "immediate"}]),
            dict(label="❚❚ Pause", method="animate", args=[[None], still])])],
        "sliders": [dict(active=0, x=0.27, y=-0.17, len=0.73, xanchor="left", yanchor="top", pad=dict(t=0),
                         currentvalue=dict(prefix="step ", font=dict(size=14)),
                         steps=[dict(method="animate", label=str(k), args=[[str(k)], still]) for k in shown])],
        "margin": dict(l=50, r=20, t=50, b=150),
    }
    fig = FrozenFigure({"data": traces, "layout": layout, "frames": frames})
    fig._loss_curves = frozenset(i for i, t in enumerate(traces) if t.get("xaxis") == "x2")
    return fig


def map_figure(surface: surfaces.Surface, start, back: Background | None = None) -> FrozenFigure:
    """The map alone (colour field, contour lines, minima, the start): what the Arena shows before any optimizer
    is chosen. Clicking it returns a new start, as on the race figure."""
    back = back or background(surface)
    layout = {**back.layout, "height": race_height(surface), "hovermode": "closest", "uirevision": surface.name,
              "legend": dict(orientation="h", y=1.06, x=0, yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"),
              "margin": dict(l=50, r=20, t=50, b=50)}
    return FrozenFigure({"data": [*back.traces, _start_trace(start)], "layout": layout})


def on_map(fig: FrozenFigure, curve: int) -> bool:
    """Whether trace number ``curve`` of a ``race_figure`` is drawn on the map (a click there is a new start),
    not on the loss panel."""
    return curve not in getattr(fig, "_loss_curves", ())


def loss_figure(surface: surfaces.Surface, paths: dict[str, simulate.Path], height: int = 360) -> FrozenFigure:
    """Loss against step on its own (``loss_series``): f − f* on a log axis where the minimum is known, f itself
    otherwise. The Arena shows the same curves beside the map (``race_figure``); this one is for notebooks."""
    series, log = loss_series(surface, paths)
    traces = [dict(type="scatter", y=y, mode="lines", name=SPECS[n].label, line=dict(color=COLOURS[n], width=2.5))
              for n, y in series.items()]
    layout = dict(
        height=height, font=FONT, margin=dict(l=60, r=10, t=40, b=60), plot_bgcolor="white",
        xaxis=dict(title=dict(text="step t", standoff=8), gridcolor="#eee"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom"),
        yaxis=dict(title=dict(text="f − f* (log)" if log else "f", standoff=12), automargin=True,
                   type="log" if log else "linear", gridcolor="#eee", exponentformat="power"))
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
        fgrid = np.asarray(surface.f(*np.meshgrid(x, y)), float)
        fmin = fgrid[np.isfinite(fgrid)].min() if np.isfinite(fgrid).any() else 0.0  # no "All-NaN slice" warning
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
