"""Figure builders for the "setting up the problem" pages: normalization, initialization, gradient checking.

Each takes arrays or results from ``normalization``, ``depth`` and ``gradcheck`` and returns a ``go.Figure``.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

COLOURS = {"sgd": "#1f77b4", "momentum": "#d62728", "adam": "#2ca02c"}
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
FONT = dict(size=14)


def _layout(fig: go.Figure, height: int, **kw) -> go.Figure:
    base = dict(height=height, template="plotly_white", font=FONT, margin=dict(l=60, r=20, t=60, b=50),
                legend=dict(orientation="h", yanchor="bottom", y=1.06, x=0))
    fig.update_layout(**{**base, **kw})
    return fig


def _thin(n: int, dense: int = 150, total: int = 400) -> np.ndarray:
    """Indices 0..n−1: every one of the first ``dense``, then log-spaced (long runs stay light)."""
    if n <= total:
        return np.arange(n)
    tail = np.unique(np.geomspace(dense, n - 1, total - dense).astype(int))
    return np.unique(np.r_[np.arange(dense), tail, n - 1])


def _square(center, half) -> tuple[list, list]:
    return [center[0] - half, center[0] + half], [center[1] - half, center[1] + half]


# ---------------------------------------------------------------------------------------------
# Input normalization

def normalization_stages(cmp) -> go.Figure:
    """Raw, centred and normalized training points (circles) and test points (crosses, transformed with the
    TRAINING μ and σ), each panel with equal scales on both axes."""
    d = cmp.data
    stages = [("Raw x", d.X_train, d.X_test), ("Centred: x − μ", cmp.X_centred, d.X_test - cmp.mu),
              ("Normalized: (x − μ) / σ", cmp.X_train_n, cmp.X_test_n)]
    fig = make_subplots(1, 3, subplot_titles=[s[0] for s in stages], horizontal_spacing=0.07)
    for j, (_, tr, te) in enumerate(stages, start=1):
        fig.add_scatter(x=tr[0], y=tr[1], mode="markers", name="training set", legendgroup="train",
                        showlegend=j == 1, marker=dict(size=5, color="#1f77b4", opacity=0.6), row=1, col=j)
        fig.add_scatter(x=te[0], y=te[1], mode="markers", name="test set (training μ, σ)", legendgroup="test",
                        showlegend=j == 1, marker=dict(size=7, color="#ff7f0e", symbol="x"), row=1, col=j)
        pts = np.hstack([tr, te, np.zeros((2, 1))])
        lo, hi = pts.min(axis=1), pts.max(axis=1)
        half = 0.55 * max(hi - lo) + 1e-9
        xr, yr = _square((lo + hi) / 2, half)
        axis = "" if j == 1 else str(j)
        fig.update_xaxes(range=xr, title_text="x₁", zeroline=True, zerolinecolor="#999", row=1, col=j)
        fig.update_yaxes(range=yr, title_text="x₂", zeroline=True, zerolinecolor="#999", row=1, col=j,
                         scaleanchor=f"x{axis}", scaleratio=1)
    return _layout(fig, 420)


def cost_contours(cmp, methods=("sgd", "momentum", "adam"), grid: int = 120) -> go.Figure:
    """J(w₁, w₂) for the raw and the normalized inputs on equal-scale axes, contours at relative gaps
    10⁻⁴ … 1, with each optimizer's path from w = 0."""
    fig = make_subplots(1, 2, horizontal_spacing=0.1, subplot_titles=[
        f"Raw inputs: κ = {cmp.raw.condition:,.3g}", f"Normalized inputs: κ = {cmp.norm.condition:,.3g}"])
    for j, (kind, q) in enumerate((("raw", cmp.raw), ("norm", cmp.norm)), start=1):
        w = q.w_star
        half = 0.65 * max(np.hypot(*w), 1e-9)
        xr, yr = _square(w / 2, half)
        w1, w2 = np.linspace(*xr, grid), np.linspace(*yr, grid)
        J0, Js = float(q.cost(0.0, 0.0)), q.J_star
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log10(np.maximum((q.cost(w1[None, :], w2[:, None]) - Js) / max(J0 - Js, 1e-300), 1e-12))
        fig.add_trace(go.Contour(x=w1, y=w2, z=z, contours=dict(start=-4, end=1, size=0.5), colorscale="Blues",
                                 reversescale=True, showscale=j == 2, opacity=0.55, line=dict(width=0.8),
                                 colorbar=dict(title="log₁₀ gap", len=0.8), hoverinfo="skip", name="cost"),
                      row=1, col=j)
        for name in methods:
            run = cmp.runs.get((kind, name))
            if run is None:
                continue
            xy = run.path.xy[:, 0]
            xy = xy[_thin(len(xy))]
            fig.add_scatter(x=xy[:, 0], y=xy[:, 1], mode="lines+markers", name=run.label, legendgroup=name,
                            showlegend=j == 1, line=dict(color=COLOURS[name], width=2), marker=dict(size=3),
                            row=1, col=j)
        fig.add_scatter(x=[w[0]], y=[w[1]], mode="markers", name="minimum w*", legendgroup="min", showlegend=j == 1,
                        marker=dict(symbol="star", size=14, color="black"), row=1, col=j)
        axis = "" if j == 1 else str(j)
        fig.update_xaxes(range=xr, title_text="w₁", row=1, col=j)
        fig.update_yaxes(range=yr, title_text="w₂", scaleanchor=f"x{axis}", scaleratio=1, row=1, col=j)
    return _layout(fig, 500)


def convergence(cmp, tol: float, methods=("sgd", "momentum", "adam")) -> go.Figure:
    """Relative gap (J − J*)/(J(0) − J*) per step on a log axis: solid raw, dashed normalized."""
    fig = go.Figure()
    for kind, dash, tag in (("raw", "solid", "raw"), ("norm", "dash", "normalized")):
        for name in methods:
            run = cmp.runs.get((kind, name))
            if run is None:
                continue
            idx = _thin(len(run.gap))
            gap = run.gap[idx]
            gap = np.where(gap > 1e-16, gap, np.nan)  # round-off floor and diverged steps are left out
            fig.add_scatter(x=idx, y=gap, mode="lines", name=f"{run.label}, {tag}",
                            line=dict(color=COLOURS[name], dash=dash, width=2))
    fig.add_hline(y=tol, line=dict(color="black", dash="dot"), annotation_text=f"tolerance {tol:g}",
                  annotation_position="bottom right")
    fig.update_xaxes(title_text="step t")
    fig.update_yaxes(title_text="(J − J*) / (J(0) − J*)", type="log", exponentformat="power")
    return _layout(fig, 420)


# ---------------------------------------------------------------------------------------------
# Initialization and vanishing / exploding gradients

def _positive(v) -> np.ndarray:
    """Values for a log axis: zeros and non-finite values (overflow) become gaps."""
    v = np.asarray(v, dtype=float)
    return np.where(np.isfinite(v) & (v > 0), v, np.nan)


def layer_stats(stats: dict, labels: dict) -> go.Figure:
    """Activation spread std(A[l]) and gradient norm ‖dW[l]‖_F per layer, log y: vanishing lines fall,
    exploding lines rise. An initialization whose values are all zero has no line (log axis)."""
    fig = make_subplots(1, 2, horizontal_spacing=0.1, subplot_titles=(
        "Activation spread std(A[l]) (forward)", "Gradient norm ‖dW[l]‖_F (backward)"))
    for i, (k, s) in enumerate(stats.items()):
        colour = PALETTE[i % len(PALETTE)]
        flat = not np.isfinite(_positive(s.spread)).any()
        name = labels.get(k, k) + (" (all zero)" if flat else "") + (" (overflow)" if s.overflow else "")
        fig.add_scatter(x=np.arange(1, len(s.spread) + 1), y=_positive(s.spread), mode="lines+markers", name=name,
                        legendgroup=k, line=dict(color=colour, width=2), marker=dict(size=4), row=1, col=1)
        fig.add_scatter(x=np.arange(1, len(s.grad_norm) + 1), y=_positive(s.grad_norm), mode="lines+markers",
                        name=name, legendgroup=k, showlegend=False, line=dict(color=colour, width=2),
                        marker=dict(size=4), row=1, col=2)
    fig.update_xaxes(title_text="layer l")
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text="std(A[l])", row=1, col=1)
    fig.update_yaxes(title_text="‖dW[l]‖_F", row=1, col=2)
    return _layout(fig, 460)


def linear_example(depth: int, curves: dict) -> go.Figure:
    """‖a[l]‖ in the deep linear network ``W[l] = w·I`` (markers: the network's forward pass) against the
    closed form ``w^l ‖x‖`` (dotted), for each w in ``curves`` = {w: (norms, ŷ)}."""
    fig = go.Figure()
    l = np.arange(1, depth + 1)
    x_norm = np.sqrt(2.0)
    for i, (w, (norms, y_hat)) in enumerate(curves.items()):
        colour = PALETTE[i % len(PALETTE)]
        fig.add_scatter(x=l, y=_positive(norms), mode="markers", name=f"w = {w:g}: ŷ = {y_hat:.3g}",
                        marker=dict(size=7, color=colour))
        with np.errstate(over="ignore"):
            fig.add_scatter(x=l, y=_positive(float(w) ** l * x_norm), mode="lines", name=f"{w:g}^l ‖x‖",
                            line=dict(color=colour, dash="dot"))
    fig.update_xaxes(title_text="layer l")
    fig.update_yaxes(title_text="‖a[l]‖", type="log", exponentformat="power")
    return _layout(fig, 400)


def symmetry(runs: dict, labels: dict) -> go.Figure:
    """W[1][i, 0] for every hidden unit i during training: with a symmetric start all lines stay on top of
    each other (the units never differ); a random start spreads them."""
    fig = make_subplots(1, len(runs), shared_yaxes=False, horizontal_spacing=0.06, subplot_titles=[
        f"{labels.get(k, k)}<br>max unit difference {r.unit_spread[-1]:.2g}" for k, r in runs.items()])
    for j, (k, r) in enumerate(runs.items(), start=1):
        for i in range(r.W1_column.shape[1]):
            fig.add_scatter(x=r.iteration, y=r.W1_column[:, i], mode="lines", name=f"unit {i + 1}", legendgroup=str(i),
                            showlegend=j == 1, line=dict(color=PALETTE[i % len(PALETTE)], width=2), row=1, col=j)
        fig.update_xaxes(title_text="iteration", row=1, col=j)
    fig.update_yaxes(title_text="W[1][i, 0]", row=1, col=1)
    return _layout(fig, 400, margin=dict(l=60, r=20, t=110, b=50))


def training(runs: dict, labels: dict) -> go.Figure:
    """Training cost per iteration from each initialization; the legend gives the final training accuracy."""
    fig = go.Figure()
    for i, (k, r) in enumerate(runs.items()):
        fig.add_scatter(x=r.iteration, y=r.cost, mode="lines", line=dict(color=PALETTE[i % len(PALETTE)], width=2),
                        name=f"{labels.get(k, k)}: {100 * r.train_accuracy:.0f}% train accuracy")
    fig.update_xaxes(title_text="iteration")
    fig.update_yaxes(title_text="cost J (cross-entropy)")
    return _layout(fig, 440, legend=dict(orientation="v", x=1.01, y=1))
