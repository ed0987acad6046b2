"""Softmax: logits to probabilities (temperature, hardmax, numerical stability), a softmax classifier's decision
regions and its gradient dz = ŷ − y, and C = 2 softmax as logistic regression."""
import numpy as np
import streamlit as st

import optim_viz_ui as ui
from optim_viz import presets, softmax
from optim_viz.figures import softmax as draw

M = 300
GRID = 120
TWO_CLASS_LR, TWO_CLASS_STEPS = 0.5, 200


def _num(v: float) -> str:
    return "NaN" if v != v else ("inf" if v == np.inf else f"{v:.4g}")


@ui.figure_cache
def probabilities(z: tuple, shift: float, temp: float):
    z = np.asarray(z)
    p = softmax.softmax(z + shift, temperature=temp)
    shift_change = float(np.max(np.abs(p - softmax.softmax(z, temperature=temp))))
    w = softmax.why_stable((z + shift) / temp)
    fig = draw.probability_bars(softmax.CLASSES, p, softmax.hardmax(z + shift), temp)
    table = [{"class": c, "z / T": _num(w.z[j]), "z/T − max": _num(w.shifted[j]), "e^(z/T − max)": _num(w.t[j]),
              "ŷ (stable)": f"{w.y_hat[j]:.4f}", "e^(z/T) as written": _num(w.t_naive[j]),
              "ŷ as written": _num(w.y_hat_naive[j])} for j, c in enumerate(softmax.CLASSES)]
    return fig, table, softmax.probabilities_text(p, shift_change, shift), softmax.why_text(w), p


@ui.figure_cache
def data(ds: str, C: int, seed: int):
    return softmax.make_data(ds, C, M, 0.2, seed)


@ui.figure_cache
def classifier(ds: str, C: int, seed: int, units: int, lr: float, iterations: int):
    X, Y = data(ds, C, seed)
    return softmax.train_classifier(X, Y, units, "relu", lr, iterations, seed)


@ui.figure_cache
def regions_view(ds: str, C: int, seed: int, units: int, lr: float, iterations: int):
    """Both classifiers' region grids, what they show, and their cost curves (the example is drawn separately)."""
    X, _ = data(ds, C, seed)
    lin, deep = (classifier(ds, C, seed, u, lr, iterations) for u in (0, units))
    bounds = (X[0].min() - 0.3, X[0].max() + 0.3, X[1].min() - 0.3, X[1].max() + 0.3)
    panels = [(f"No hidden layer: training error {lin.error:.1%}", *softmax.region_grid(lin, bounds, GRID)),
              (f"One hidden layer of {units} ReLU units: training error {deep.error:.1%}",
               *softmax.region_grid(deep, bounds, GRID))]
    words = softmax.regions_text(softmax.convexity_violations(lin, X), softmax.convexity_violations(deep, X), units,
                                 lin.error, deep.error)
    cost = draw.cost_figure({"no hidden layer": (lin.history["iteration"], lin.history["cost"]),
                                      f"hidden layer of {units}": (deep.history["iteration"], deep.history["cost"])})
    return panels, words, cost


@ui.figure_cache
def example_view(ds: str, C: int, seed: int, units: int, lr: float, iterations: int, i: int):
    """The regions with example i ringed, and its numbers through the classifier without a hidden layer."""
    X, Y = data(ds, C, seed)
    panels, _, _ = regions_view(ds, C, seed, units, lr, iterations)
    regions = draw.regions_figure(panels, X, Y.argmax(axis=0), C, highlight=i)
    ex = softmax.example(classifier(ds, C, seed, 0, lr, iterations), X, Y, i)
    classes = [f"class {c}" for c in range(C)]
    ex_fig = draw.example_figure(classes, ex.y_hat, ex.y, ex.dz)
    ex_table = [{"class": classes[j], "z = W x + b": f"{ex.z[j]:.4f}", "ŷ = softmax(z)": f"{ex.y_hat[j]:.4f}",
                 "y": f"{ex.y[j]:g}", "dz = ŷ − y": f"{ex.dz[j]:+.6f}",
                 "central difference of L": f"{ex.dz_numeric[j]:+.6f}"} for j in range(C)]
    return regions, ex_fig, ex_table, softmax.example_text(ex), X[:, i]


@ui.figure_cache
def two_class():
    X, Y = softmax.make_data("blobs", 2, M, 0.2, 0)
    tc = softmax.two_class(X, Y.argmax(axis=0), TWO_CLASS_LR, TWO_CLASS_STEPS)
    w, b = softmax.logistic_from_softmax(tc.W, tc.b)
    z = tc.W @ X[:, :5] + tc.b
    rows = [{"example": i + 1, "x": f"({X[0, i]:.3f}, {X[1, i]:.3f})", "softmax z₀": f"{z[0, i]:.4f}",
             "softmax z₁": f"{z[1, i]:.4f}", "softmax ŷ₁": f"{tc.p_softmax[i]:.10f}",
             "logistic w·x + b": f"{tc.w_logistic @ X[:, i] + tc.b_logistic:.4f}",
             "logistic σ(w·x + b)": f"{tc.p_logistic[i]:.10f}"} for i in range(5)]
    return rows, softmax.two_class_text(tc, TWO_CLASS_LR, TWO_CLASS_STEPS), tc


ui.page_header(
    "Softmax",
    "Softmax turns C logits into C probabilities: `t = e^z`, `ŷ = t / Σ_j t_j`. Move the logits of the course's "
    "example (cat, dog, tiger, none), change the temperature, push them to ±1000, then train softmax classifiers "
    "on 2-D data with 3 to 5 classes and follow the gradient `dz = ŷ − y` for one example.")

ui.presets(presets.SOFTMAX)

st.subheader("1 · From logits to probabilities")
cols = ui.control_columns(3)
with cols[0]:
    z = tuple(float(ui.slider(f"z for {c}", -10.0, 10.0, softmax.COURSE_LOGITS[j], key=f"z{j}", step=0.1))
              for j, c in enumerate(softmax.CLASSES[:2]))
with cols[1]:
    z += tuple(float(ui.slider(f"z for {c}", -10.0, 10.0, softmax.COURSE_LOGITS[j], key=f"z{j}", step=0.1))
               for j, c in enumerate(softmax.CLASSES[2:], start=2))
with cols[2]:
    shift = ui.slider("Shift added to every logit", -1000.0, 1000.0, 0.0, key="shift", step=10.0,
                      help="Try ±1000: the formula as written overflows or underflows; softmax does not care.")
    temp = ui.log_slider("Temperature T", 0.01, 100.0, 1.0, key="temp",
                         help="softmax(z / T): small T sharpens towards the hardmax, large T flattens towards 1/C.")
bars, why_table, p_words, why_words, _ = probabilities(z, float(shift), float(temp))
ui.chart(bars, key="probabilities")
st.latex(r"t = e^{z},\qquad \hat y_j = \frac{t_j}{\sum_{k=1}^{C} t_k}"
         r" = \frac{e^{z_j - \max z}}{\sum_k e^{z_k - \max z}},\qquad \text{temperature: } \mathrm{softmax}(z / T)")
ui.explain(p_words + " The hardmax puts 1 on the largest logit and 0 elsewhere; softmax is its smooth version.")
st.markdown("**Why subtract the max?** Each step for the logits shown (after the shift and the temperature):")
ui.table(why_table)
ui.explain(why_words)

st.subheader("2 · A softmax classifier")
cols = ui.control_columns(4)
with cols[0]:
    ds = ui.select("Data set", list(softmax.DATASETS), "blobs", key="ds", format_func=softmax.DATASETS.get)
    C = ui.slider("Classes C", 3, 5, 4, key="C")
with cols[1]:
    units = ui.slider("Hidden units (second classifier)", 2, 50, 20, key="units")
    data_seed = ui.number("Seed (data and initialization)", 0, 9999, 0, key="dseed")
with cols[2]:
    lr = ui.log_slider("Adam learning rate α", 0.001, 0.3, 0.05, key="lr")
    iterations = ui.slider("Iterations", 50, 1000, 300, key="it", step=50)
with cols[3]:
    i = ui.slider("Example to follow", 1, M, 1, key="ex", help="Its numbers are shown below the regions.") - 1

with st.spinner("Training both classifiers (cached afterwards)…"):
    settings = (ds, int(C), int(data_seed), int(units), float(lr), int(iterations))
    _, regions_words, cost = regions_view(*settings)
    regions, ex_fig, ex_table, ex_words, x_i = example_view(*settings, int(i))
ui.chart(regions, key="regions")
ui.explain(regions_words)
ui.chart(cost, key="cost")
ui.explain("Both minimize the cross-entropy, the softmax's loss L = −Σ_j y_j log ŷ_j averaged over the examples "
           "(with a one-hot y only the true class's −log ŷ counts).")
st.markdown(f"**Example {i + 1}**, x = ({x_i[0]:.3f}, {x_i[1]:.3f}), through the classifier without a hidden layer:")
st.latex(r"z = W x + b,\quad \hat y = \mathrm{softmax}(z),\quad \mathcal L = -\sum_j y_j \log \hat y_j,"
         r"\quad dz = \frac{\partial \mathcal L}{\partial z} = \hat y - y")
ui.table(ex_table)
ui.chart(ex_fig, key="example")
ui.explain(ex_words)

st.subheader("3 · C = 2 is logistic regression")
st.latex(r"\hat y_1 = \frac{e^{z_1}}{e^{z_0} + e^{z_1}} = \frac{1}{1 + e^{-(z_1 - z_0)}} = \sigma(z_1 - z_0),"
         r"\qquad z_1 - z_0 = (W_1 - W_0)\, x + (b_1 - b_0)")
rows, tc_words, _ = two_class()
ui.table(rows)
ui.explain(tc_words + " Starting from zero, the two rows of W move in opposite directions, so W[1] − W[0] takes "
           "steps twice as large as one row: a softmax with α is logistic regression with 2α.")

ui.page_footer()
