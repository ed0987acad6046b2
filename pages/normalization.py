"""Input normalization: elongated vs round cost contours, and what it does to gradient descent."""
import pandas as pd
import streamlit as st

import optim_viz_ui as ui
from optim_viz import normalization, presets
from optim_viz.figures import normalization as draw

METHODS = ["sgd", "momentum", "adam"]
LABELS = {"sgd": "Gradient descent", "momentum": "Momentum (β = 0.9, best α)", "adam": "Adam (best α)"}


@ui.figure_cache
def problems(ratio: float, offset: float, seed: int):
    """The data, both costs and the first chart: they depend on the data set only."""
    pb = normalization.problems(ratio, offset, seed)
    return pb, draw.normalization_stages(pb), normalization.conditioning(pb.data.X_train)


@ui.figure_cache
def sweeps(ratio: float, offset: float, seed: int, steps: int):
    """Momentum and Adam over their learning-rate grids on both costs (independent of α for GD and of tol)."""
    pb = problems(ratio, offset, seed)[0]
    return normalization.grid_sweeps({"raw": pb.raw, "norm": pb.norm}, steps)


@ui.figure_cache
def build(ratio: float, offset: float, seed: int, fraction: float, steps: int, tol: float, methods: tuple):
    pb, stages, stage_kappa = problems(ratio, offset, seed)
    grid = sweeps(ratio, offset, seed, steps) if set(methods) & set(normalization.GRID_METHODS) else None
    cmp = normalization.assemble(pb, grid, fraction, steps, tol, methods)
    rows = []
    for kind, q, tag in (("raw", cmp.raw, "raw x"), ("norm", cmp.norm, "normalized x")):
        row = {"inputs": tag, "condition number κ": draw.fmt_kappa(q.condition), "λ_max": f"{q.L_max:.4g}"}
        for name in methods:
            run = cmp.runs[(kind, name)]
            row[f"{LABELS[name]}: α"] = f"{run.lr:.3g}"
            row[f"{LABELS[name]}: steps"] = f"{run.steps:,}" if run.steps >= 0 else f"> {steps:,}"
        exact = normalization.gd_steps_at_fraction(q, fraction, tol)
        row["GD steps, closed form"] = f"{exact:,}" if exact >= 0 else f"> {normalization.CLOSED_FORM_LIMIT:,}"
        rows.append(row)
    story = normalization.story(cmp, fraction, tol, methods, steps)
    # one column per input scaling, one row per quantity: read whole at any width (ten columns side by side were not);
    # st.table reads cells as Markdown, where a leading ">" (more steps than simulated) would start a quote. Built
    # here, once per setting: pandas takes ~7 ms to make it.
    table = pd.DataFrame(rows).set_index("inputs").T.map(lambda v: "\\" + v if str(v).startswith(">") else v)
    return (stages, draw.cost_contours(cmp, methods), draw.convergence(cmp, tol, methods), table,
            cmp.mu.ravel().tolist(), cmp.sigma.ravel().tolist(), stage_kappa, story)


ui.page_header(
    "Input normalization",
    "Two input features on very different scales make the cost of a linear regression a long, narrow valley. "
    "Subtracting the mean and dividing by the standard deviation makes it round, and gradient descent fast.")

ui.presets(presets.NORMALIZATION)

c1, c2, c3, c4 = ui.control_columns(4)
with c1:
    ratio = ui.log_slider("Scale ratio of x₁ to x₂", 1.0, 1000.0, 20.0, key="ratio",
                          help="x₁ = ratio · (z₁ + offset), x₂ = z₂ + offset, with z ~ N(0, 1)")
    offset = ui.slider("Offset (feature mean, in standard deviations)", 0.0, 10.0, 2.0, key="offset", step=0.5)
with c2:
    fraction = ui.slider("GD learning rate as a fraction of 2/λ_max", 0.1, 0.99, 0.95, key="frac", step=0.01,
                         help="Gradient descent diverges for α > 2/λ_max, the largest stable rate. Momentum and "
                              "Adam use the best α of a fixed grid (fewest steps to the tolerance).")
    steps = ui.slider("Steps", 100, 5000, 2000, key="steps", step=100)
with c3:
    tol = ui.log_slider("Tolerance on (J − J*)/(J(0) − J*)", 1e-10, 1e-2, 1e-6, key="tol")
    seed = ui.number("Seed", 0, 9999, 0, key="seed")
with c4:
    methods = ui.multiselect("Optimizers", METHODS, METHODS, key="opts", format_func=LABELS.get)

if not methods:
    st.warning("Pick at least one optimizer; showing gradient descent.")
    methods = ["sgd"]
methods = tuple(m for m in METHODS if m in methods)

out = ui.guarded(lambda: build(float(ratio), float(offset), int(seed), float(fraction), int(steps), float(tol),
                               methods), "Could not build the problem")
if out is not None:
    stages, contours, curves, table, mu, sigma, kappa, story = out
    k = draw.fmt_kappa

    st.subheader("1 · The data at each stage")
    ui.chart(stages, key="stages")
    st.latex(r"\mu = \frac{1}{m}\sum_{i=1}^{m} x^{(i)},\quad x := x - \mu,\quad "
             r"\sigma^2 = \frac{1}{m}\sum_{i=1}^{m} \big(x^{(i)}\big)^2 \ \text{(after centering)},"
             r"\quad x := x / \sigma")
    ui.explain(
        f"Both axes of each panel use the same scale. Training statistics: μ = ({mu[0]:.3g}, {mu[1]:.3g}), "
        f"σ = ({sigma[0]:.3g}, {sigma[1]:.3g}). The test points (crosses) are transformed with the TRAINING μ and σ, "
        "never with their own: the network must see the same transformation at training and at test time, so the "
        "normalized test cloud is close to, but not exactly, mean 0 and variance 1.")
    ui.explain(
        f"κ of XXᵀ/m: raw {k(kappa.raw)}, centred only {k(kappa.centred)}, divided by σ only {k(kappa.scaled)}, "
        f"normalized {k(kappa.normalized)}. The correlation of x₁ and x₂ is {kappa.correlation:.2f} at every stage: "
        "an elongated cost comes from different scales and from a large shared mean (the uncentred XXᵀ/m is then "
        "nearly singular), not only from correlated features.")

    st.subheader("2 · The cost over the two weights")
    st.latex(r"J(w_1, w_2) = \frac{1}{2m}\sum_{i=1}^{m}\big(w_1 x_1^{(i)} + w_2 x_2^{(i)} - y^{(i)}\big)^2,\qquad "
             r"\kappa = \frac{\lambda_{\max}(XX^\top/m)}{\lambda_{\min}(XX^\top/m)},\qquad "
             r"\text{GD is stable for } \alpha < \frac{2}{\lambda_{\max}}")
    ui.chart(contours, key="contours")
    ui.explain(story.contours)

    st.subheader("3 · Steps to the tolerance")
    ui.chart(curves, key="curves")
    ui.explain("Solid: raw inputs; dashed: normalized; a curve stops when it reaches round-off (1e-13). "
               + story.steps_text)
    st.table(table)
    ui.explain("“> N” means not within the simulated steps; the closed-form count uses the eigen-decomposition of "
               "the Hessian, J_t − J* = ½ Σ λᵢ eᵢ² (1 − αλᵢ)^{2t}, so it also answers for very long runs.")

ui.page_footer()
