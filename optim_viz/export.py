"""Exports for slides and sharing: offline HTML, CSV, PNG and an animated GIF of a race.

Pure functions returning bytes or text (a page hands them to a download button); no Streamlit.
"""
from __future__ import annotations

import csv
import functools
import io
import os
import shutil
from collections.abc import Callable, Mapping

import numpy as np
import plotly.colors
import plotly.io as pio
from PIL import Image, ImageColor, ImageDraw, ImageFont

from .figures.arena import SCAFFOLD
from .figures.style import FrozenFigure, as_figure
from .simulate import Path
from .surface import Surface

PNG_MISSING = "PNG export needs kaleido and Chromium: pip install kaleido; apt-get install chromium"
_CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Hard GIF limits. Width ≥ 320 > 300 frames also makes consecutive frames differ by at least the
# progress bar's pixel, so a GIF encoder never merges them and the frame count is what was asked.
MAX_FRAMES = 300
MIN_SIZE, MAX_SIZE = (320, 240), (1280, 960)
MAX_PIXELS = 64_000_000  # frames × width × height: the GIF's frames are held in memory (1 byte/pixel)
_FALLBACK_COLOURS = plotly.colors.qualitative.Plotly


# ---------------------------------------------------------------- HTML, PNG

def figure_html(fig) -> bytes:
    """A standalone HTML page of ``fig`` that works offline (plotly.js inlined, ~5 MB).

    Animations wait for the Play button: ``write_html``'s default would start them on load.
    """
    html = pio.to_html(fig, include_plotlyjs=True, full_html=True, auto_play=False,
                       config={"displaylogo": False, "responsive": True})
    return html.encode("utf-8")


def png_unavailable() -> str | None:
    """Why PNG export cannot work here (a message for the button), or None if it can."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return PNG_MISSING
    if not _chromium_found(os.environ.get("PATH")):
        return PNG_MISSING
    return None


@functools.lru_cache(maxsize=4)
def _chromium_found(path: str | None) -> bool:
    """Whether a Chromium is on ``path``: searched once per PATH (every page asks on every rerun, for its export
    buttons; a Chromium installed while the server runs is found after a restart)."""
    return any(shutil.which(name, path=path) for name in _CHROMIUM)


def figure_png(fig, width: int = 1200, height: int = 800, scale: float = 1.0) -> bytes:
    """``fig`` as PNG bytes via kaleido (which finds the system Chromium by itself), as a still (``still``).

    Raises ``RuntimeError`` saying what to install when kaleido or Chromium is missing.
    """
    reason = png_unavailable()
    if reason:
        raise RuntimeError(reason)
    try:
        return pio.to_image(FrozenFigure(still(fig)), format="png", width=width, height=height, scale=scale)
    except Exception as err:  # kaleido/Chromium failures come in many types; the page needs one
        raise RuntimeError(f"PNG export failed: {err}") from err


def still(fig) -> dict:
    """``fig`` as a still picture (a plain spec): no frames, no Play/Pause and no step slider, which do nothing in
    an image; each animated trace as in the last frame (a race shows where everyone ended); the bottom margin
    the controls needed given back."""
    spec = fig.to_dict() if hasattr(fig, "to_dict") else dict(fig)
    frames = spec.pop("frames", None) or []
    layout = spec.setdefault("layout", {})
    controls = [layout.pop(k, None) for k in ("updatemenus", "sliders")]
    if frames:
        last = frames[-1]
        data = spec.get("data", [])
        for i, d in zip(last.get("traces", range(len(last.get("data", [])))), last.get("data", [])):
            if i < len(data):
                data[i] = {**data[i], **{k: v for k, v in d.items() if k != "type"}}
    if any(controls) and isinstance(layout.get("margin"), dict) and "b" in layout["margin"]:
        layout["margin"] = {**layout["margin"], "b": min(layout["margin"]["b"], 60)}
    return spec


# ---------------------------------------------------------------- CSV

def _cell(v) -> str:
    """Shortest text that reads back as the same number; NaN (a diverged step) is left empty."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else repr(float(v))
    return str(v)


def paths_csv(paths: Mapping[str, Path]) -> str:
    """Trajectories in long format: ``optimizer,start,step,x,y,loss``, one row per point and step.

    ``start`` indexes the starting points of a run (``xy[:, start]``); steps after a divergence have
    empty x, y and loss.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["optimizer", "start", "step", "x", "y", "loss"])
    for name, path in paths.items():
        xy, loss = np.asarray(path.xy, float), np.asarray(path.loss, float)
        for i in range(xy.shape[1]):
            w.writerows([name, i, t, _cell(x), _cell(y), _cell(f)]
                        for t, ((x, y), f) in enumerate(zip(xy[:, i].tolist(), loss[:, i].tolist())))
    return buf.getvalue()


def figure_csv(fig) -> str:
    """Every data trace's points in long format: ``trace,panel,point,x,y,z``; ``point`` counts a trace's points
    from 0 (a trajectory's step). A trace without x is plotted against its point number, and so written; a 2-D z
    (a contour or heatmap) is written cell by cell against its x and y. Traces whose ``meta`` is ``SCAFFOLD``
    (drawing, not data) are left out. Points a trace leaves empty stay empty."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["trace", "panel", "point", "x", "y", "z"])
    for i, tr in enumerate(as_figure(fig).data):
        if getattr(tr, "meta", None) == SCAFFOLD:
            continue
        name = tr.name if getattr(tr, "name", None) else f"trace {i}"
        panel = getattr(tr, "xaxis", None) or getattr(tr, "scene", None) or ""
        x, y, z = (getattr(tr, k, None) for k in ("x", "y", "z"))
        z = None if z is None else np.asarray(z, dtype=object)
        if z is not None and z.ndim == 2:
            xs = np.arange(z.shape[1]) if x is None else np.asarray(x, dtype=object)
            ys = np.arange(z.shape[0]) if y is None else np.asarray(y, dtype=object)
            w.writerows([name, panel, r * z.shape[1] + c, _cell(xs[c]), _cell(ys[r]), _cell(z[r, c])]
                        for r in range(z.shape[0]) for c in range(z.shape[1]))
            continue
        cols = [None if v is None else np.asarray(v, dtype=object).ravel() for v in (x, y, z)]
        n = max((len(c) for c in cols if c is not None), default=0)
        if cols[0] is None and cols[1] is not None and getattr(tr, "type", "") in ("scatter", "scattergl"):
            cols[0] = np.arange(n, dtype=object)  # plotly's implicit x: the point number
        w.writerows([name, panel, j, *("" if c is None or j >= len(c) or c[j] is None else _cell(c[j]) for c in cols)]
                    for j in range(n))
    return buf.getvalue()


def series_csv(columns: Mapping[str, np.ndarray]) -> str:
    """Named 1-D series side by side, one row per index; shorter columns are padded with empty cells."""
    arrays = {}
    for name, col in columns.items():
        a = np.asarray(col)
        if a.ndim != 1:
            raise ValueError(f"column {name!r} must be 1-D, got shape {a.shape}")
        arrays[str(name)] = a.tolist()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(arrays))
    n = max((len(a) for a in arrays.values()), default=0)
    for i in range(n):
        w.writerow([_cell(a[i]) if i < len(a) else "" for a in arrays.values()])
    return buf.getvalue()


# ---------------------------------------------------------------- animated GIF

def _background(surface: Surface, size: tuple[int, int]) -> Image.Image:
    """The surface's colour field, Viridis on log(1 + f − f_min), with darker iso-bands as contours."""
    W, H = size
    (x0, x1), (y0, y1) = surface.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, W), np.linspace(y1, y0, H))  # row 0 = top = y_max
    with np.errstate(all="ignore"):
        z = np.asarray(surface.f(X, Y), float) * np.ones((H, W))
        finite = np.isfinite(z)
        z = np.log1p(z - z[finite].min()) if finite.any() else np.zeros_like(z)
        zn = (z - z[finite].min()) / (np.ptp(z[finite]) or 1.0) if finite.any() else z
    zn = np.where(finite, zn, 0.0)
    scale = plotly.colors.get_colorscale("Viridis")
    stops = np.array([s for s, _ in scale])
    rgb = np.array([plotly.colors.hex_to_rgb(c) if c.startswith("#") else plotly.colors.unlabel_rgb(c)
                    for _, c in scale], float)
    img = np.stack([np.interp(zn, stops, rgb[:, k]) for k in range(3)], axis=-1)
    band = np.floor(zn * 14)
    edge = np.zeros((H, W), bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    img[edge] *= 0.7
    img[~finite] = 200  # grey where f is undefined
    return Image.fromarray(img.astype(np.uint8)).convert("RGBA")


def _clip(p0: np.ndarray, p1: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """Liang–Barsky: segments p0→p1 (k, 2) cut to the box [lo, hi]; returns (q0, q1, visible).

    Keeps Pillow away from far-off coordinates (a diverging path reaches 10⁸ pixels)."""
    d = p1 - p0
    t0, t1 = np.zeros(len(d)), np.ones(len(d))
    with np.errstate(divide="ignore", invalid="ignore"):
        for axis in (0, 1):
            for p, q in ((-d[:, axis], p0[:, axis] - lo[axis]), (d[:, axis], hi[axis] - p0[:, axis])):
                r = q / p
                t0 = np.where(p < 0, np.maximum(t0, r), t0)
                t1 = np.where(p > 0, np.minimum(t1, r), t1)
                outside = (p == 0) & (q < 0)
                t1 = np.where(outside, -1.0, t1)
    visible = (t0 <= t1) & np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1)
    return p0 + t0[:, None] * d, p0 + t1[:, None] * d, visible


def _font(px: int):
    try:
        return ImageFont.load_default(size=px)
    except (TypeError, OSError):  # Pillow without FreeType: fixed bitmap font
        return ImageFont.load_default()


def race_gif(surface: Surface, paths: Mapping[str, Path], colours: Mapping[str, str], frames: int = 60,
             size: tuple[int, int] = (640, 480), max_frames: int = 200,
             progress: Callable[[int, int], None] | None = None, duration_ms: int = 80,
             labels: Mapping[str, str] | None = None) -> bytes:
    """An animated GIF of a race drawn with Pillow: the colour field of ``surface``, each optimizer's
    trajectories growing as polylines with a head dot, a legend (``labels[name]``, else the name) and a
    progress bar.

    ``paths`` are ``simulate.run`` results (xy of shape (steps+1, n, 2), NaN after divergence: not
    drawn). Frame i shows the paths up to step i/(frames−1)·steps (interpolated between steps).
    ``progress(i, frames)`` is called after frame i (1-based) is drawn. ``ValueError`` when ``frames``
    or ``size`` exceed the limits.
    """
    W, H = _check_gif(frames, size, max_frames, paths)
    race = _GifRace(surface, paths, colours, (W, H), labels or {})
    images = []
    for i in range(frames):
        images.append(race.frame(i, frames))
        if progress is not None:
            progress(i + 1, frames)
    buf = io.BytesIO()
    durations = [duration_ms] * (frames - 1) + [max(duration_ms, 1500)]  # hold the finish
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                   optimize=False)
    return buf.getvalue()


def _check_gif(frames, size, max_frames: int, paths) -> tuple[int, int]:
    """(W, H) of a GIF request within the limits, else ``ValueError`` saying which limit."""
    cap = min(int(max_frames), MAX_FRAMES)
    if not isinstance(frames, (int, np.integer)) or not 1 <= frames <= cap:
        raise ValueError(f"frames must be a whole number from 1 to {cap}, got {frames!r}")
    W, H = (int(v) for v in size)
    if not (MIN_SIZE[0] <= W <= MAX_SIZE[0] and MIN_SIZE[1] <= H <= MAX_SIZE[1]):
        raise ValueError(f"size must be between {MIN_SIZE[0]}×{MIN_SIZE[1]} and {MAX_SIZE[0]}×{MAX_SIZE[1]} "
                         f"pixels, got {W}×{H}")
    if frames * W * H > MAX_PIXELS:
        raise ValueError(f"{frames} frames of {W}×{H} is too much for one GIF (at most "
                         f"{MAX_PIXELS // 1_000_000} million pixels in all); use fewer frames or a smaller size")
    if not paths:
        raise ValueError("no trajectories to draw")
    return W, H


class _GifRace:
    """The drawing state of one race GIF: paths in pixels, the layers of finished segments (white halo below,
    colour above, each segment drawn once) and what every frame shares (background, legend, palette)."""

    def __init__(self, surface: Surface, paths: Mapping[str, Path], colours: Mapping[str, str],
                 size: tuple[int, int], labels: Mapping[str, str]):
        W, H = self.size = size
        (x0, x1), (y0, y1) = surface.bounds
        to_px = np.array([(W - 1) / (x1 - x0), -(H - 1) / (y1 - y0)])
        origin = np.array([x0, y1])
        self.px = {name: (np.asarray(p.xy, float) - origin) * to_px for name, p in paths.items()}  # (steps+1, n, 2)
        self.rgb = {name: ImageColor.getrgb(colours.get(name) or _FALLBACK_COLOURS[k % len(_FALLBACK_COLOURS)])[:3]
                    for k, name in enumerate(paths)}
        self.steps = max(a.shape[0] - 1 for a in self.px.values())
        self.line_w = max(2, round(W / 250))
        self.halo_w, self.head_r = self.line_w + 2, max(4, round(W / 110))
        self.lo, self.hi = np.array([-20.0, -20.0]), np.array([W + 20.0, H + 20.0])
        self.font = _font(max(11, H // 34))
        self.background = _background(surface, (W, H))
        self.palette = _palette(self.background, self.rgb.values())
        self.halo, self.ink = Image.new("RGBA", (W, H)), Image.new("RGBA", (W, H))
        minima = (np.asarray(surface.minima, float).reshape(-1, 1, 2) - origin) * to_px
        self.legend = _legend((W, H), list(paths), self.rgb, self.font, self.line_w,
                              {**self.px, "": np.repeat(minima, 50, axis=0)}, labels)
        self.halo_draw, self.ink_draw = ImageDraw.Draw(self.halo), ImageDraw.Draw(self.ink)
        self.done = 0  # steps whose segment is already on the halo/ink layers

    def segments(self, draws, a, b) -> None:
        """Segments a→b (k, 2) on the given (draw, width, colour) layers, clipped to the frame's margin."""
        q0, q1, vis = _clip(a, b, self.lo, self.hi)
        for (u, v) in zip(q0[vis].tolist(), q1[vis].tolist(), strict=True):
            for draw, width, colour in draws:
                draw.line([tuple(u), tuple(v)], fill=colour, width=width)
                r = width / 2
                draw.ellipse([v[0] - r, v[1] - r, v[0] + r, v[1] + r], fill=colour)

    def frame(self, i: int, frames: int) -> Image.Image:
        """Frame i of ``frames``: the paths up to step s = i/(frames − 1)·steps, heads, legend, step, progress."""
        W, H = self.size
        s = self.steps * (i / (frames - 1) if frames > 1 else 1.0)
        t = int(np.floor(s))
        frac = s - t
        for name, a in self.px.items():  # new finished segments, drawn once
            k = min(t, a.shape[0] - 1)
            if k > self.done:
                seg0, seg1 = a[self.done:k].reshape(-1, 2), a[self.done + 1:k + 1].reshape(-1, 2)
                self.segments([(self.halo_draw, self.halo_w, (255, 255, 255, 200))], seg0, seg1)
                self.segments([(self.ink_draw, self.line_w, self.rgb[name] + (255,))], seg0, seg1)
        self.done = max(self.done, t)
        frame = self.background.copy()
        frame.alpha_composite(self.halo)
        frame.alpha_composite(self.ink)
        draw = ImageDraw.Draw(frame)
        for name, a in self.px.items():
            self._head(draw, name, a, t, frac)
        frame.alpha_composite(self.legend)
        draw.text((W - 8, H - 10), f"step {min(self.steps, round(s))} / {self.steps}", fill=(255, 255, 255),
                  font=self.font, anchor="rb", stroke_width=2, stroke_fill=(0, 0, 0))
        draw.rectangle([0, H - 4, round((W - 1) * (i + 1) / frames), H - 1], fill=(255, 255, 255))
        return frame.convert("RGB").quantize(palette=self.palette, dither=Image.Dither.NONE)

    def _head(self, draw, name: str, a: np.ndarray, t: int, frac: float) -> None:
        """The part of the current step already travelled, and a dot at each trajectory's head."""
        k = min(t, a.shape[0] - 1)
        head = a[k]
        if frac > 0 and k + 1 < a.shape[0]:
            nxt = a[k] + frac * (a[k + 1] - a[k])
            self.segments([(draw, self.halo_w, (255, 255, 255)), (draw, self.line_w, self.rgb[name])], a[k], nxt)
            head = np.where(np.isfinite(nxt), nxt, head)
        r = self.head_r
        for (hx, hy) in head.tolist():
            if not np.isfinite([hx, hy]).all():
                continue  # diverged: nothing left to mark
            if self.lo[0] <= hx <= self.hi[0] and self.lo[1] <= hy <= self.hi[1]:
                draw.ellipse([hx - r, hy - r, hx + r, hy + r], fill=self.rgb[name], outline=(0, 0, 0),
                             width=max(1, self.line_w // 2))


def _palette(background: Image.Image, colours) -> Image.Image:
    """One GIF palette for every frame, so colours never flicker: the path colours and the UI greys
    exactly (an adaptive palette merges a few-pixel orange line into a yellow one), the rest from the
    background's colour field."""
    fixed = list(dict.fromkeys([(255, 255, 255), (0, 0, 0), (20, 20, 20), (80, 80, 80), (200, 200, 200),
                                *colours]))[:64]
    n_bg = 256 - len(fixed)
    field = background.convert("RGB").quantize(colors=n_bg, method=Image.Quantize.MEDIANCUT)
    entries = [c for rgb in fixed for c in rgb] + field.getpalette()[: 3 * n_bg]
    pal = Image.new("P", (1, 1))
    pal.putpalette(entries + [0] * (768 - len(entries)))
    return pal


def _legend(size, names, rgb, font, line_w, px, labels) -> Image.Image:
    """A small legend box, on its own transparent layer, in the corner that hides the fewest path points."""
    W, H = size
    layer = Image.new("RGBA", size)
    draw = ImageDraw.Draw(layer)
    row = int(font.size * 1.4) if hasattr(font, "size") else 16
    swatch = 2 * row
    bw = 12 + swatch + 6 + max(draw.textlength(labels.get(n, n), font=font) for n in names) + 8
    bh = 8 + row * len(names)
    pts = np.concatenate([a.reshape(-1, 2) for a in px.values()])
    pts = pts[np.isfinite(pts).all(axis=1)]
    corners = [(6, 6), (W - 6 - bw, 6), (6, H - 14 - bh), (W - 6 - bw, H - 14 - bh - row)]

    def hidden(c):
        inside = (pts[:, 0] >= c[0]) & (pts[:, 0] <= c[0] + bw) & (pts[:, 1] >= c[1]) & (pts[:, 1] <= c[1] + bh)
        return int(inside.sum())

    left, top = min(corners, key=hidden)  # ties keep the first: top-left
    draw.rounded_rectangle([left, top, left + bw, top + bh], radius=6, fill=(255, 255, 255, 215),
                           outline=(80, 80, 80, 255))
    for k, name in enumerate(names):
        y = top + 4 + row * k + row / 2
        draw.line([(left + 12, y), (left + 12 + swatch, y)], fill=rgb[name] + (255,), width=line_w + 1)
        draw.text((left + 12 + swatch + 6, y), labels.get(name, name), fill=(20, 20, 20, 255), font=font,
                  anchor="lm")
    return layer
