"""Mini-batch gradient descent: batch, mini-batch and stochastic GD on a real logistic regression."""
import pandas as pd
import streamlit as st

import optim_viz_ui as ui
from optim_viz import ewma as E
from optim_viz import minibatch as MB
from optim_viz import plots_averages as P

M = MB.M_DEFAULT
SIZES = MB.batch_sizes(M)
SMOOTH = 0.98  # the EWMA drawn over the noisy per-iteration cost
OPTS = {"sgd": ("Gradient descent", 0.3), "momentum": ("Momentum (β = 0.9)", 0.3), "adam": ("Adam", 0.05)}


@ui.data_cache
def data():
    X, Y = MB.make_data(m=M, seed=0)
    return X, Y, MB.optimum(X, Y)


@ui.data_cache
def train(batch_size: int, epochs: int, opt: str, lr: float, seed: int) -> MB.Run:
    X, Y, _ = data()
    return MB.train(X, Y, batch_size, epochs, opt, lr=lr, seed=seed)


@ui.figure_cache
def build(sizes: tuple, epochs: int, opt: str, lr: float, seed: int):
    """Runs for each batch size, their three figures and the summary table (read-only)."""
    X, Y, p_star = data()
    runs = [train(b, epochs, opt, lr, seed) for b in sizes]
    w1, w2 = MB.view_axes([r.path for r in runs], p_star, MB.START)
    J = MB.cost_grid(X, Y, w1, w2, p_star[2])
    smoothed = [E.ewma(r.cost_iter, SMOOTH) for r in runs]
    figs = (P.cost_per_iteration_figure(runs, M, smoothed, SMOOTH), P.cost_per_epoch_figure(runs, M),
            P.paths_figure(w1, w2, J, runs, M, p_star, MB.START))
    rows = [MB.summary(r) for r in runs]
    table = pd.DataFrame({
        "mini-batch size": [P.batch_label(r.batch_size, M) for r in rows],
        "updates per epoch": [r.updates_per_epoch for r in rows],
        "time per epoch (ms)": [r.ms_per_epoch for r in rows],
        "time per update (µs)": [r.us_per_update for r in rows],
        "final cost J": [r.final_cost for r in rows],
        "accuracy": [r.accuracy for r in rows],
    })
    return figs, table, float(MB.cost(p_star, X, Y)), MB.accuracy(p_star, X, Y)


ui.page_header(
    "Mini-batch gradient descent",
    f"Logistic regression (ŷ = σ(w₁x₁ + w₂x₂ + b)) on {M} seeded points, trained by splitting the training set "
    "into mini-batches X{t}, Y{t}. Size m is **batch** gradient descent (one update per epoch), size 1 is "
    "**stochastic** gradient descent (m updates per epoch), and sizes in between, usually powers of two from 64 "
    "to 512, are **mini-batch** gradient descent. The examples are reshuffled every epoch.",
)

PRESETS = {
    "Stochastic vs mini-batch vs batch": ("The course's comparison: size 1 wanders and loses vectorization, "
                                          "size m is smooth but makes one update per epoch, size 64 gets both.",
                                          {"sizes": [1, 64, M], "epochs": 5, "opt": "sgd", "_mb_opt": "sgd",
                                           "lr": 0.3}),
    "Batch GD needs many epochs": ("With size m one epoch is one step: 20 epochs are 20 small steps, while size "
                                   "128 has made 480.",
                                   {"sizes": [128, M], "epochs": 20, "opt": "sgd", "_mb_opt": "sgd", "lr": 1.0}),
    "Momentum smooths the noise": ("Momentum averages the noisy mini-batch gradients (an EWMA with β = 0.9): the "
                                   "paths of sizes 1 and 16 wander less.",
                                   {"sizes": [1, 16, M], "epochs": 5, "opt": "momentum", "_mb_opt": "momentum",
                                    "lr": 0.3}),
}

with st.sidebar:
    st.header("Training")
    ui.presets(PRESETS)
    sizes = ui.multiselect("Mini-batch sizes", SIZES, [1, 64, M], key="sizes",
                           format_func=lambda b: P.batch_label(b, M))
    epochs = ui.slider("Epochs", 1, 20, 5, key="epochs")
    opt = ui.select("Optimizer", list(OPTS), "sgd", key="opt", format_func=lambda n: OPTS[n][0])
    if st.session_state.get("_mb_opt", opt) != opt:
        ui.reset("lr")  # another optimizer needs another α: take its default
        st.query_params.pop("lr", None)
    st.session_state["_mb_opt"] = opt
    lr = ui.log_slider("Learning rate α", 0.001, 3.0, OPTS[opt][1], key="lr")
    seed = ui.number("Shuffle seed", 0, 9999, 0, key="seed", step=1)

st.latex(r"J\{t\} = -\frac{1}{|t|}\sum_{i \in \text{batch } t}\Big[y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\Big],"
         r"\qquad w \mathrel{-}= \alpha\, dW\{t\},\quad b \mathrel{-}= \alpha\, db\{t\}")

if not sizes:
    st.warning("Pick at least one mini-batch size in the sidebar; showing size 64.")
    sizes = [64]
sizes = sorted(sizes)

with st.spinner("Training (stochastic GD makes thousands of updates per epoch; cached afterwards)…"):
    (iter_fig, epoch_fig, path_fig), table, J_star, acc_star = build(tuple(sizes), int(epochs), opt, float(lr), int(seed))

ui.chart(iter_fig, key="iter")
ui.explain("The cost on the current mini-batch at every update. Batch GD goes down smoothly (one point per epoch); "
           "with small mini-batches it is noisy, because each batch is a different sample of the data; with size 1 "
           "it jumps between examples that are easy and hard. Noise is not divergence: the black line, an EWMA with "
           f"β = {SMOOTH} (see the EWMA page), shows the trend.")

left, right = st.columns([3, 2])
with left:
    ui.chart(path_fig, key="paths")
    ui.explain("The paths of (w₁, w₂) over the contours of the full-batch cost (with b at its optimum). Batch GD "
               "walks smoothly but takes only one step per epoch; stochastic GD wanders and never quite stops at ★; "
               "a mini-batch gets close quickly with little wandering.")
with right:
    ui.chart(epoch_fig, key="epoch")
    ui.explain("The cost on the whole training set after each epoch: per pass over the data, smaller batches make "
               "more progress, because they make more updates.")

st.subheader("The vectorization trade-off")
st.table(table.style.hide(axis="index").format({"time per epoch (ms)": "{:.1f}", "time per update (µs)": "{:.0f}",
                             "final cost J": "{:.4f}", "accuracy": "{:.1%}"}))
ui.explain(f"One epoch with size 1 makes {M} updates of one example each: the per-update overhead dominates and "
           "vectorization is lost, so the epoch is slow. Size m makes one fully vectorized update per epoch but "
           "learns slowly. A mini-batch gets both. Times were measured on this server when the run was computed. "
           f"Best possible: J* = {J_star:.4f}, accuracy {acc_star:.1%} (the classes overlap).")
if opt != "sgd":
    st.caption("Momentum and Adam average the noisy mini-batch gradients (EWMAs), so their paths wander less.")

ui.page_footer()
