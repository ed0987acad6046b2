"""The batch-norm page's figures: cost with and without batch norm, the drift of one unit's inputs, the running
statistics against the batch statistics, and the spread of batch μ and σ² with batch size.

Each is a plain spec (``FrozenFigure``): plotly validates nothing on a moved control (a validated ``go.Figure`` and its
serialization were ~190 ms of the page's 640 ms retraining rerun); the tests validate every builder's output.
"""
from __future__ import annotations

import numpy as np

from optim_viz.figures.style import FrozenFigure, log_ticks

COLOURS = {"plain": "#d62728", "bn": "#1f77b4"}
BANDS = {"plain": "rgba(214,39,40,0.22)", "bn": "rgba(31,119,180,0.22)"}
NAMES = {"plain": "without batch norm", "bn": "with batch norm"}
SATURATED = 2.0  # |z| beyond which tanh'(z) < 0.071: the flat ends where gradients vanish
_AXIS = dict(gridcolor="#e5e5e5", zerolinecolor="#bdbdbd", linecolor="#bdbdbd", showline=True)
LAYOUT = dict(paper_bgcolor="white", plot_bgcolor="white", font=dict(size=14), colorway=list(COLOURS.values()),
              margin=dict(l=60, r=20, t=60, b=50), hovermode="closest")
# At the bottom of the figure, not of the plot area, so larger fonts (presentation mode) cannot push the legend
# onto the x-axis title; each figure's bottom margin leaves room for its legend's rows.
_LEGEND = dict(orientation="h", yref="container", yanchor="bottom", y=0.01, x=0, xanchor="left")


def _finite(v) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    return np.where(np.isfinite(v), v, np.nan)


def _title(text: str, x: float, y: float = 1.0) -> dict:
    return dict(text=text, x=x, y=y, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                showarrow=False)


def cost_curves(iterations: dict, costs: dict) -> FrozenFigure:
    """J of each mini-batch against the iteration, one line per run ("plain", "bn"); log y, overflow as gaps."""
    data = [dict(type="scatter", x=iterations[k], y=_finite(costs[k]), mode="lines", name=NAMES[k],
                 line=dict(color=COLOURS[k], width=2)) for k in ("plain", "bn")]
    return FrozenFigure({"data": data, "layout": dict(
        LAYOUT, title=dict(text="Cost J of each mini-batch during training"), height=400,
        margin=dict(LAYOUT["margin"], b=110), xaxis=dict(_AXIS, title=dict(text="iteration (one mini-batch each)")),
        yaxis=dict(_AXIS, title=dict(text="cost J"), type="log", **log_ticks(*costs.values())), legend=_LEGEND)})


def _lines(x, ys) -> tuple[np.ndarray, np.ndarray]:
    """Several lines over the same x as one trace: segments joined by NaN gaps."""
    if not len(ys):
        return np.array([]), np.array([])
    xs = np.concatenate([np.r_[x, np.nan] for _ in ys])
    return xs, np.concatenate([np.r_[_finite(y), np.nan] for y in ys])


def preact_drift(iterations: np.ndarray, plain: np.ndarray, bn: np.ndarray, bn_raw: np.ndarray, unit: int,
                 layer: int, hidden: str) -> FrozenFigure:
    """Two panels, one per network: the 15th/50th/85th percentiles over each mini-batch of unit ``unit``'s
    activation input (a band and a bold median), the other units' medians as thin grey lines, and, with batch
    norm, the median of the raw z before normalization (dotted). Arrays (records, n, 3) from ``nn.train``."""
    data = []
    for i, (key, p) in enumerate((("plain", plain), ("bn", bn)), start=1):
        ax = dict(xaxis="x" if i == 1 else "x2", yaxis="y" if i == 1 else "y2")
        gx, gy = _lines(iterations, [p[:, j, 1] for j in range(p.shape[1]) if j != unit])
        data += [
            dict(type="scatter", x=gx, y=gy, mode="lines", line=dict(color="rgba(120,120,120,0.35)", width=1),
                 name="other units (median)", showlegend=i == 1, hoverinfo="skip", **ax),
            dict(type="scatter", x=iterations, y=_finite(p[:, unit, 2]), mode="lines", line=dict(width=0),
                 name=f"unit {unit + 1}: 85th percentile", showlegend=False, hoverinfo="skip", **ax),
            dict(type="scatter", x=iterations, y=_finite(p[:, unit, 0]), mode="lines", line=dict(width=0),
                 fill="tonexty", fillcolor=BANDS[key], name=f"unit {unit + 1}: 15–85th pct ({NAMES[key]})", **ax),
            dict(type="scatter", x=iterations, y=_finite(p[:, unit, 1]), mode="lines",
                 line=dict(color=COLOURS[key], width=3), name=f"unit {unit + 1}: median ({NAMES[key]})", **ax),
        ]
    data.append(dict(type="scatter", x=iterations, y=_finite(bn_raw[:, unit, 1]), mode="lines", xaxis="x2",
                     yaxis="y2", name=f"unit {unit + 1}: raw z before BN (median)",
                     line=dict(color="#555555", dash="dot", width=2)))
    both = np.concatenate([_finite(plain[:, unit]).ravel(), _finite(bn[:, unit]).ravel()])
    top = float(np.nanmax(np.abs(both))) if np.any(np.isfinite(both)) else 3.0
    r = float(np.clip(top * 1.1, 3.0, 20.0))
    shapes = [dict(type="rect", xref=f"{x} domain", yref=y, x0=0, x1=1, y0=s * SATURATED, y1=s * r,
                   fillcolor="#999999", opacity=0.12, line=dict(width=0), layer="below")
              for x, y in (("x", "y"), ("x2", "y2")) for s in (-1, 1)] if hidden == "tanh" else []
    layout = dict(
        LAYOUT, height=560, legend=_LEGEND, margin=dict(l=60, r=20, t=70, b=170),
        **({"shapes": shapes} if shapes else {}),  # as plotly sends it: no empty list
        xaxis=dict(_AXIS, domain=[0, 0.48], title=dict(text="iteration")),
        xaxis2=dict(_AXIS, domain=[0.52, 1], title=dict(text="iteration"), anchor="y2"),
        yaxis=dict(_AXIS, range=[-r, r], title=dict(text="input of g")),
        yaxis2=dict(_AXIS, range=[-r, r], anchor="x2", matches="y", showticklabels=False),
        annotations=[_title(f"Without batch norm: z[{layer}] = W a + b", 0.24),
                     _title(f"With batch norm: z̃[{layer}] = γ z_norm + β", 0.76)])
    return FrozenFigure({"data": data, "layout": layout})


def running_stats(iterations: np.ndarray, batch_mu, run_mu, batch_var, run_var, beta: float) -> FrozenFigure:
    """Batch μ and σ² of one unit at every mini-batch (dots) and their running EWMA (line), in two rows."""
    data = []
    for row, (b, r, what) in enumerate(((batch_mu, run_mu, "μ"), (batch_var, run_var, "σ²")), start=1):
        ax = dict(xaxis="x" if row == 1 else "x2", yaxis="y" if row == 1 else "y2")
        data += [dict(type="scatter", x=iterations, y=_finite(b), mode="markers", name=f"batch {what}",
                      marker=dict(size=5, color="#ff7f0e", opacity=0.7), **ax),
                 dict(type="scatter", x=iterations, y=_finite(r), mode="lines",
                      name=f"running {what} (EWMA, β = {beta:g})", line=dict(color="#1f77b4", width=3), **ax)]
    layout = dict(
        LAYOUT, height=540, legend=_LEGEND, margin=dict(l=60, r=20, t=70, b=120),
        xaxis=dict(_AXIS, anchor="y", matches="x2", showticklabels=False),
        xaxis2=dict(_AXIS, anchor="y2", title=dict(text="iteration (mini-batch t)")),
        yaxis=dict(_AXIS, domain=[0.56, 1]), yaxis2=dict(_AXIS, domain=[0, 0.44]),
        annotations=[_title("mean μ of the unit's z", 0.5, 1.0), _title("variance σ² of the unit's z", 0.5, 0.44)])
    return FrozenFigure({"data": data, "layout": layout})


def batch_noise(sizes, mean_spread, mean_theory, var_spread, example_noise) -> FrozenFigure:
    """Against the mini-batch size B (log–log): the spread of the batch μ (measured and σ/√B·√((m−B)/(m−1))),
    of the batch σ², and of one example's z_norm."""
    sizes = np.asarray(sizes)
    data = [
        dict(type="scatter", x=sizes, y=mean_spread, mode="lines+markers", name="batch μ (spread / σ)",
             line=dict(color="#1f77b4", width=2)),
        dict(type="scatter", x=sizes, y=mean_theory, mode="lines", name="closed form √((m−B)/(m−1)) / √B",
             line=dict(color="#1f77b4", dash="dash")),
        dict(type="scatter", x=sizes, y=var_spread, mode="lines+markers", name="batch σ² (spread / σ²)",
             line=dict(color="#ff7f0e", width=2)),
        dict(type="scatter", x=sizes, y=example_noise, mode="lines+markers", name="one example's z_norm (spread)",
             line=dict(color="#2ca02c", width=2)),
    ]
    return FrozenFigure({"data": data, "layout": dict(
        LAYOUT, title=dict(text="How much the batch statistics depend on the draw of the mini-batch"), height=460,
        margin=dict(LAYOUT["margin"], b=140),
        xaxis=dict(_AXIS, title=dict(text="mini-batch size B"), type="log", tickvals=[int(s) for s in sizes]),
        yaxis=dict(_AXIS, title=dict(text="std over random mini-batches"), type="log",
                   **log_ticks(mean_spread, mean_theory, var_spread, example_noise)),
        legend=_LEGEND)})
