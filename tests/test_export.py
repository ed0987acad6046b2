"""Exports: offline HTML without autoplay, CSV that reads back to the run's numbers, PNG's missing-kaleido
message, and the race GIF (frame count, size, motion, colours, limits, progress)."""
from __future__ import annotations

import csv
import io
import re
import sys
import types

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from PIL import Image, ImageColor

from optim_viz import export, optimizers, simulate, surfaces


def _animated_figure():
    fig = go.Figure(go.Scatter(x=[0, 1, 2], y=[3, 1, 2], name="trace-for-export"),
                    frames=[go.Frame(data=[go.Scatter(x=[0, 1], y=[3, 1])], name="f1")])
    fig.update_layout(updatemenus=[dict(type="buttons", buttons=[dict(label="Play", method="animate", args=[None])])])
    return fig


@pytest.fixture(scope="module")
def html():
    return export.figure_html(_animated_figure())


def test_html_is_standalone_offline(html):
    assert isinstance(html, bytes)
    text = html.decode("utf-8")
    assert re.search(r"plotly\.js v\d", text)  # the library itself is inlined
    assert len(html) > 1_000_000
    assert not re.search(r"<script[^>]*\bsrc\s*=\s*[\"']?(https?:)?//", text, re.I)
    assert "trace-for-export" in text and text.lstrip().lower().startswith(("<!doctype html>", "<html"))


def test_html_does_not_autoplay(html):
    autoplaying = pio.to_html(_animated_figure(), include_plotlyjs=False, auto_play=True)
    assert "Plotly.animate(" in autoplaying  # the check below can fail
    assert "Plotly.animate(" not in html.decode("utf-8")
    assert "addFrames" in html.decode("utf-8")  # the frames are still there for the Play button


@pytest.fixture(scope="module")
def run():
    """A small race on the elongated bowl: SGD with α = 0.15 (α κ = 3 > 2) diverges, Adam does not."""
    s = surfaces.get("elongated_bowl")
    start = np.array([[-3.5, 1.2], [2.0, -1.0]])
    return s, {
        "sgd": simulate.run(optimizers.make("sgd", lr=0.15), s, start, 40),
        "adam": simulate.run(optimizers.make("adam", lr=0.1), s, start, 40),
    }


def _float_or_nan(cell: str) -> float:
    return float(cell) if cell != "" else np.nan


def test_paths_csv_round_trips_the_run(run):
    _, paths = run
    assert (paths["sgd"].diverged_at >= 0).all() and (paths["adam"].diverged_at == -1).all()
    rows = list(csv.DictReader(io.StringIO(export.paths_csv(paths))))
    assert list(rows[0]) == ["optimizer", "start", "step", "x", "y", "loss"]
    assert len(rows) == sum(p.xy.shape[0] * p.xy.shape[1] for p in paths.values())
    for name, p in paths.items():
        mine = [r for r in rows if r["optimizer"] == name]
        for i in range(p.xy.shape[1]):
            col = [r for r in mine if int(r["start"]) == i]
            assert [int(r["step"]) for r in col] == list(range(p.xy.shape[0]))
            got = np.array([[_float_or_nan(r[k]) for k in ("x", "y", "loss")] for r in col])
            want = np.column_stack([p.xy[:, i], p.loss[:, i]])
            np.testing.assert_array_equal(got, want)  # exact: shortest round-trip text, NaN left empty
    diverged = [r for r in rows if r["optimizer"] == "sgd" and int(r["step"]) >= paths["sgd"].diverged_at.max()]
    assert diverged and all(r["x"] == r["y"] == r["loss"] == "" for r in diverged)


def test_series_csv_round_trips_and_pads():
    t = np.arange(1, 6)
    v = np.array([0.1, np.nan, 1 / 3, -2.5e-300, np.inf])
    text = export.series_csv({"t": t, "v": v, "short": [1.5, 2.5]})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["t", "v", "short"] and len(rows) == 6
    assert [int(r[0]) for r in rows[1:]] == t.tolist()
    np.testing.assert_array_equal([_float_or_nan(r[1]) for r in rows[1:]], v)
    assert [r[2] for r in rows[1:]] == ["1.5", "2.5", "", "", ""]
    with pytest.raises(ValueError, match="1-D"):
        export.series_csv({"grid": np.zeros((2, 2))})


def test_png_without_kaleido_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "kaleido", None)  # import kaleido -> ImportError
    assert export.png_unavailable() == export.PNG_MISSING
    with pytest.raises(RuntimeError, match=r"PNG export needs kaleido and Chromium: pip install kaleido; "
                                           r"apt-get install chromium"):
        export.figure_png(_animated_figure())


def test_png_without_chromium_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "kaleido", types.ModuleType("kaleido"))
    monkeypatch.setenv("PATH", str(tmp_path))  # no Chromium on this PATH
    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        export.figure_png(_animated_figure())


def test_png_with_kaleido():
    pytest.importorskip("kaleido", reason="kaleido is optional: pip install kaleido")
    if export.png_unavailable():
        pytest.skip(export.png_unavailable())
    png = export.figure_png(_animated_figure(), width=400, height=300)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size == (400, 300)


def _frames(gif: bytes) -> list[np.ndarray]:
    im = Image.open(io.BytesIO(gif))
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(np.asarray(im.convert("RGB")))
    return out


def _pixel(surface, point, size):
    (x0, x1), (y0, y1) = surface.bounds
    W, H = size
    return round((point[1] - y1) / (y0 - y1) * (H - 1)), round((point[0] - x0) / (x1 - x0) * (W - 1))


def test_gif_frames_size_and_motion(run):
    s, paths = run
    colours = {"sgd": "#E69F00", "adam": "rgb(0, 114, 178)"}
    calls = []
    gif = export.race_gif(s, paths, colours, frames=12, size=(400, 300), progress=lambda i, n: calls.append((i, n)))
    assert gif[:6] == b"GIF89a"
    im = Image.open(io.BytesIO(gif))
    assert im.n_frames == 12 and im.size == (400, 300)
    assert calls == [(i, 12) for i in range(1, 13)]
    frames = _frames(gif)
    end = paths["adam"].xy[-1, 0]  # Adam's first trajectory ends near the minimum, far from its start
    r, c = _pixel(s, end, (400, 300))
    adam_rgb = np.array(ImageColor.getrgb(colours["adam"]))
    np.testing.assert_array_equal(frames[-1][r, c], adam_rgb)  # the head dot, in the exact colour
    assert not np.array_equal(frames[0][r, c], adam_rgb)
    assert (frames[0] != frames[-1]).any(axis=2).sum() > 500
    r0, c0 = _pixel(s, paths["adam"].xy[0, 0], (400, 300))  # the start: a head dot in the first frame
    assert (np.abs(frames[0][r0 - 2:r0 + 3, c0 - 2:c0 + 3].astype(int) - adam_rgb).sum(axis=2) == 0).any()


def test_gif_draws_growing_paths(run):
    s, paths = run
    frames = _frames(export.race_gif(s, {"adam": paths["adam"]}, {"adam": "#D55E00"}, frames=5, size=(320, 240)))
    orange = [np.all(f == ImageColor.getrgb("#D55E00"), axis=2).sum() for f in frames]
    assert orange == sorted(orange) and orange[-1] > 3 * orange[0]  # more of the path each frame


def test_gif_single_frame_default_colours_and_far_divergence():
    s = surfaces.get("saddle")
    far = simulate.run(optimizers.make("sgd", lr=0.9), s, np.array([[-1.8, 1e-3]]), 200)  # |y| grows to 1e6
    assert far.diverged_at[0] > 0
    gif = export.race_gif(s, {"sgd": far}, {}, frames=1, size=(320, 240))
    assert Image.open(io.BytesIO(gif)).n_frames == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(frames=0), "frames must be"),
    (dict(frames=201), "from 1 to 200"),
    (dict(frames=50, max_frames=40), "from 1 to 40"),
    (dict(frames=301, max_frames=1000), "from 1 to 300"),
    (dict(frames=2.5), "whole number"),
    (dict(size=(100, 100)), "size must be between"),
    (dict(size=(5000, 480)), "size must be between"),
    (dict(frames=200, size=(1280, 960)), "too much for one GIF"),
])
def test_gif_limits_raise(run, kwargs, message):
    s, paths = run
    with pytest.raises(ValueError, match=message):
        export.race_gif(s, paths, {}, **kwargs)


def test_gif_needs_paths(run):
    s, _ = run
    with pytest.raises(ValueError, match="no trajectories"):
        export.race_gif(s, {}, {})


def test_figure_csv_writes_every_trace_point_and_grid_cell():
    import csv as _csv
    import io as _io

    import plotly.graph_objects as go

    from optim_viz import export as ex

    fig = go.Figure([go.Scatter(x=[1, 2, 3], y=np.array([4.0, np.nan, 6.0]), name="line"),
                     go.Contour(z=[[1, 2], [3, 4]], x=[0, 1], y=[5, 6], name="field"),
                     go.Bar(x=["u", "v"], y=[7, 8])])
    rows = list(_csv.DictReader(_io.StringIO(ex.figure_csv(fig))))
    assert [(r["trace"], r["point"], r["x"], r["y"], r["z"]) for r in rows] == [
        ("line", "0", "1", "4.0", ""), ("line", "1", "2", "", ""), ("line", "2", "3", "6.0", ""),
        ("field", "0", "0", "5", "1"), ("field", "1", "1", "5", "2"), ("field", "2", "0", "6", "3"),
        ("field", "3", "1", "6", "4"), ("trace 2", "0", "u", "7", ""), ("trace 2", "1", "v", "8", "")]


# ---------------------------------------------------------------- the Arena's race figure as data and as a still

@pytest.fixture(scope="module")
def arena_race():
    from optim_viz import arena
    from optim_viz.figures import arena as draw

    s = surfaces.get("ravine")
    entries = {"sgd": {"lr": 0.025}, "adam": {"lr": 0.1}}  # GD diverges (α > 2/90)
    paths = arena.race(s, entries, s.start, 150)
    return s, paths, draw.race_figure(s, paths, s.start)


def test_race_csv_has_the_trajectories_and_loss_by_step_and_no_drawing_scaffolding(arena_race):
    from optim_viz.figures import arena as draw

    s, paths, fig = arena_race
    rows = list(csv.DictReader(io.StringIO(export.figure_csv(fig))))
    names = {r["trace"] for r in rows}
    assert names == {"minimum", "start", "Gradient descent", "Adam"}  # no contours, click grid, heads or step line
    assert len(rows) == 1 + 1 + 2 * 2 * 151  # the minimum, the start, and per optimizer its path and its loss
    series, _ = draw.loss_series(s, paths)
    for name, label in (("sgd", "Gradient descent"), ("adam", "Adam")):
        path = [r for r in rows if r["trace"] == label and r["panel"] in ("", "x")]
        loss = [r for r in rows if r["trace"] == label and r["panel"] == "x2"]
        assert [int(r["point"]) for r in path] == list(range(151)) == [int(r["x"]) for r in loss]
        np.testing.assert_allclose([_float_or_nan(r["x"]) for r in path], paths[name].xy[:, 0, 0], rtol=1e-6)
        np.testing.assert_allclose([_float_or_nan(r["y"]) for r in loss], series[name], rtol=1e-12)
    k = int(paths["sgd"].diverged_at[0])
    assert 0 < k and all(r["x"] == r["y"] == "" for r in rows if r["trace"] == "Gradient descent"
                         and r["panel"] in ("", "x") and int(r["point"]) >= k)


def test_a_still_has_no_play_button_slider_or_frames_and_shows_the_last_frame(arena_race, monkeypatch):
    _, paths, fig = arena_race
    spec = export.still(fig)
    assert "frames" not in spec and "updatemenus" not in spec["layout"] and "sliders" not in spec["layout"]
    assert spec["layout"]["margin"]["b"] <= 60 < fig.to_dict()["layout"]["margin"]["b"]
    last = fig.to_dict()["frames"][-1]
    for i, d in zip(last["traces"], last["data"]):
        assert all(spec["data"][i][k] == v for k, v in d.items())
    assert spec["data"][last["traces"][1]]["x"][0] == pytest.approx(paths["adam"].xy[-1, 0, 0])
    assert fig.to_dict()["layout"]["updatemenus"]  # the cached figure itself is untouched
    # and the PNG export renders that still
    seen = []
    monkeypatch.setattr(export, "png_unavailable", lambda: None)
    monkeypatch.setattr(export.pio, "to_image", lambda f, **kw: seen.append(f.to_dict()) or b"png")
    assert export.figure_png(fig) == b"png"
    assert "updatemenus" not in seen[0]["layout"] and "sliders" not in seen[0]["layout"] and not seen[0].get("frames")
