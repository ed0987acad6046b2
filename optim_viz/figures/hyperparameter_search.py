"""The hyperparameter-search page's figures: the α × ε landscape with grid and random samples, coverage, sampling
on the right scale, the window 1/(1−β), pandas against caviar, and learning-rate sweeps.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .. import tuning
from .style import frame, on_panel, two_panels

GRID_COLOUR, RANDOM_COLOUR, FINE_COLOUR = "#1f77b4", "#d62728", "#ff7f0e"
OPT_COLOURS = {"sgd": "#1f77b4", "momentum": "#d62728", "rmsprop": "#9467bd", "adam": "#2ca02c"}
FLOOR = 1e-8  # excess cost drawn no lower than this on log axes


def _log_ticks(lo: float, hi: float) -> dict:
    k = np.arange(np.floor(np.log10(lo) + 1e-9), np.ceil(np.log10(hi) - 1e-9) + 1)
    return dict(tickvals=k.tolist(), ticktext=[f"1e{int(v)}" if v else "1" for v in k])


def _log10(v) -> np.ndarray:
    return np.log10(np.maximum(np.asarray(v, dtype=float), FLOOR))


def _box(box) -> tuple[list, list]:
    (a0, a1), (e0, e1) = box
    xs, ys = np.log10([a0, a1, a1, a0, a0]), np.log10([e0, e0, e1, e1, e0])
    return xs.tolist(), ys.tolist()


def _points(search: tuning.Search, name: str, colour: str, symbol: str, legend: bool, size: int = 8):
    pts = search.points
    return [
        go.Scatter(x=np.log10(pts.alpha), y=np.log10(pts.eps), mode="markers", name=name, legendgroup=name,
                   showlegend=legend, marker=dict(color=colour, size=size, symbol=symbol,
                                                  line=dict(color="white", width=1)),
                   customdata=np.c_[pts.alpha, pts.eps, search.cost],
                   hovertemplate="α = %{customdata[0]:.3g}<br>ε = %{customdata[1]:.2g}<br>"
                                 "J − J* = %{customdata[2]:.3g}<extra></extra>"),
        go.Scatter(x=[np.log10(search.best_alpha)], y=[np.log10(search.best_eps)], mode="markers",
                   name=f"best of {name}", legendgroup=name, showlegend=legend,
                   marker=dict(color=colour, size=18, symbol="star", line=dict(color="black", width=1.5)),
                   hovertemplate=f"best: α = {search.best_alpha:.3g}, J − J* = {search.best_cost:.3g}"
                                 "<extra></extra>"),
    ]


def search_figure(ls: tuning.Landscape, cmp: tuning.Comparison, k: int, fine: bool = True) -> go.Figure:
    """Two panels over the landscape log10(J − J*): the k × k grid, and k² random points (with the coarse-to-fine
    box and its k² points when ``fine``)."""
    fig = two_panels((f"Grid search: {k} × {k} = {k * k} runs",
                      f"Random search: {k * k} runs" + (f", then {k * k} in the zoomed box" if fine else "")),
                     gap=0.03)
    z = _log10(ls.cost)
    for col in (1, 2):
        on_panel(fig, go.Heatmap(x=np.log10(ls.alpha), y=np.log10(ls.eps), z=z, colorscale="Viridis",
                             zmin=float(np.nanmin(z)), zmax=float(np.nanmax(z)), showscale=col == 2,
                             colorbar=dict(title=dict(text="log10(J − J*)"), thickness=12),
                             hovertemplate="log10 α = %{x:.2f}<br>log10 ε = %{y:.2f}<br>"
                                           "log10(J − J*) = %{z:.2f}<extra></extra>"), col)
    for tr in _points(cmp.grid, "grid", GRID_COLOUR, "square", True):
        on_panel(fig, tr, 1)
    for tr in _points(cmp.random, "random", RANDOM_COLOUR, "circle", True):
        on_panel(fig, tr, 2)
    if fine:
        bx, by = _box(cmp.fine_box)
        on_panel(fig, go.Scatter(x=bx, y=by, mode="lines", name="zoomed box", hoverinfo="skip", showlegend=False,
                             line=dict(color="white", width=2, dash="dash")), 2)
        for tr in _points(cmp.fine, "coarse to fine", FINE_COLOUR, "diamond", True, size=7):
            on_panel(fig, tr, 2)
    x = dict(title="learning rate α", range=list(np.log10(tuning.ALPHA_RANGE) + [-0.1, 0.1]),
             **_log_ticks(*tuning.ALPHA_RANGE))
    fig.update_layout(**frame(560, top=70), xaxis=x, xaxis2=x,
                      yaxis=dict(title="Adam's ε", range=list(np.log10(tuning.EPS_RANGE) + [-0.2, 0.2]),
                                 **_log_ticks(*tuning.EPS_RANGE)))
    return fig


def coverage_figure(ls: tuning.Landscape, cmp: tuning.Comparison) -> go.Figure:
    """What each search learned about α: the final J − J* of every run against its α (the grid's runs stack in
    k columns), with the landscape's best over ε for reference."""
    fig = go.Figure([
        go.Scatter(x=ls.alpha, y=np.maximum(np.nanmin(ls.cost, axis=0), FLOOR), mode="lines",
                   name="landscape (best ε for each α)", line=dict(color="#bbbbbb", width=3)),
        go.Scatter(x=cmp.grid.points.alpha, y=np.maximum(cmp.grid.cost, FLOOR), mode="markers", name="grid",
                   marker=dict(color=GRID_COLOUR, symbol="square", size=9, opacity=0.8)),
        go.Scatter(x=cmp.random.points.alpha, y=np.maximum(cmp.random.cost, FLOOR), mode="markers", name="random",
                   marker=dict(color=RANDOM_COLOUR, size=8, opacity=0.8)),
    ])
    fig.update_layout(**frame(420), title="What each search learned about α",
                      xaxis=dict(title="learning rate α", type="log"),
                      yaxis=dict(title="J − J* after training", type="log"))
    return fig


def sampling_figure(alpha_edges, alpha_uniform, alpha_log, beta_edges, beta_uniform, beta_log) -> go.Figure:
    """Samples per decade: α in [1e-4, 1] and 1 − β for β in [0.9, 0.999], sampled uniformly against on a log
    scale (counts per decade)."""
    def labels(edges, fmt):
        return [fmt(lo, hi) for lo, hi in zip(edges[:-1], edges[1:])]

    a_lab = labels(alpha_edges, lambda lo, hi: f"[{lo:g}, {hi:g}]")
    b_lab = labels(beta_edges, lambda lo, hi: f"1−β in [{lo:g}, {hi:g}]<br>β in [{1 - hi:g}, {1 - lo:g}]")
    fig = two_panels(("α in [1e-4, 1]: samples per decade", "β in [0.9, 0.999]: samples per decade of 1 − β"),
                     share_y=False, gap=0.08)
    for col, lab, uni, log in ((1, a_lab, alpha_uniform, alpha_log), (2, b_lab, beta_uniform, beta_log)):
        on_panel(fig, go.Bar(x=lab, y=uni, name="uniform", marker_color="#7f7f7f", showlegend=col == 1,
                         legendgroup="uniform", text=uni, textposition="outside", cliponaxis=False), col)
        on_panel(fig, go.Bar(x=lab, y=log, name="log scale", marker_color="#2ca02c", showlegend=col == 1,
                         legendgroup="log", text=log, textposition="outside", cliponaxis=False), col)
    top = 1.25 * max(np.max(alpha_uniform), np.max(alpha_log), np.max(beta_uniform), np.max(beta_log), 1)
    fig.update_layout(**frame(470, top=70), barmode="group", yaxis=dict(title="samples", range=[0, top]),
                      yaxis2=dict(range=[0, top]))
    return fig


def window_figure(steps: list[tuning.WindowStep]) -> go.Figure:
    """The averaging window 1/(1 − β) against β on a log axis, with the same step of β marked near 0.9 and
    near 0.999."""
    beta = np.linspace(0.9, 0.9995, 400)
    fig = go.Figure(go.Scatter(x=beta, y=tuning.window(beta), mode="lines", name="1/(1 − β)",
                               line=dict(color="#333333", width=2)))
    for s, colour, where in zip(steps, ("#1f77b4", "#d62728"), ("top right", "middle left")):
        fig.add_trace(go.Scatter(x=[s.beta, s.beta_next], y=[s.window, s.window_next], mode="markers+text",
                                 name=f"β {s.beta:g} → {s.beta_next:g}: "
                                      f"window {s.window:.4g} → {s.window_next:.4g}",
                                 text=["", f"{s.window:.4g} → {s.window_next:.4g}"], textposition=where,
                                 marker=dict(color=colour, size=10)))
    fig.update_layout(**frame(420), title="Averaging window 1/(1 − β)",
                      xaxis=dict(title="β"), yaxis=dict(title="window 1/(1 − β)", type="log"))
    return fig


def panda_caviar_figure(pc: tuning.PandaCaviar) -> go.Figure:
    """Left: the babysat run's J − J* per epoch with its α per epoch; right: the parallel runs (best bold)."""
    epochs = np.arange(pc.curves.shape[0])
    n = len(pc.rates)
    fig = two_panels(("Panda: one model, α changed by hand", f"Caviar: {n} models in parallel, one α each"))
    y = np.maximum(pc.curves, FLOOR)
    on_panel(fig, go.Scatter(x=epochs, y=y[:, 0], mode="lines+markers+text", name="babysat run",
                         line=dict(color="#8c564b", width=3), text=[""] + [f"α={a:g}" for a in pc.epoch_rates],
                         textposition="top center", textfont=dict(size=11)), 1)
    for i, a in enumerate(pc.caviar_alpha):
        best = i == pc.caviar_best
        name = f"α = {a:.2g}" + (" (best)" if best else "")
        on_panel(fig, go.Scatter(x=epochs, y=y[:, 1 + i], mode="lines", name=name,
                                 line=dict(width=3.5 if best else 1.2, color="#2ca02c" if best else None),
                                 opacity=1 if best else 0.6), 2)
    fig.update_layout(**frame(480, top=70), xaxis=dict(title="epoch"), xaxis2=dict(title="epoch"),
                      yaxis=dict(title="J − J*", type="log"), yaxis2=dict(type="log"))
    return fig


def sweep_figure(sweeps: list[tuning.Sweep]) -> go.Figure:
    """Final J − J* against α (log–log), one line per optimizer, its best α starred."""
    fig = go.Figure()
    for sw in sweeps:
        c = OPT_COLOURS.get(sw.optimizer)
        label = tuning.LABELS.get(sw.optimizer, sw.optimizer)
        fig.add_trace(go.Scatter(x=sw.alpha, y=np.maximum(sw.cost, FLOOR), mode="lines", name=label,
                                 legendgroup=sw.optimizer, line=dict(color=c, width=2.5)))
        fig.add_trace(go.Scatter(x=[sw.best_alpha], y=[max(sw.best_cost, FLOOR)], mode="markers",
                                 name=f"{label}: best α = {sw.best_alpha:.2g}", legendgroup=sw.optimizer,
                                 showlegend=False, marker=dict(color=c, size=14, symbol="star",
                                                               line=dict(color="black", width=1))))
    fig.update_layout(**frame(460), title="Learning-rate sweep: final cost against α",
                      xaxis=dict(title="learning rate α", type="log"),
                      yaxis=dict(title="J − J* after training", type="log"))
    return fig
