"""Mini-batch gradient descent: batch, mini-batch and stochastic GD on a real logistic regression."""
import pandas as pd
import streamlit as st

import optim_viz_ui as ui
from optim_viz import ewma as E
from optim_viz import minibatch as MB
from optim_viz import presets
from optim_viz.figures import mini_batch as draw

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
    w1, w2 = draw.view_axes([r.path for r in runs], p_star, MB.START)
    J = MB.cost_contour(X, Y, w1, w2, p_star[2])
    smoothed = [E.ewma(r.cost_iter, SMOOTH) for r in runs]
    figs = (draw.cost_per_iteration_figure(runs, M, smoothed, SMOOTH), draw.cost_per_epoch_figure(runs, M),
            draw.paths_figure(w1, w2, J, runs, M, p_star, MB.START))
    rows = [MB.summary(r) for r in runs]
    facts = dict(rows=rows, smooth={r.batch_size: MB.smooth_descent(r) for r in runs},
                 noise={r.batch_size: E.roughness(r.cost_iter) for r in runs},
                 trend={r.batch_size: (float(s[0]), float(s[-1])) for r, s in zip(runs, smoothed)},
                 distance={r.batch_size: MB.distance_to(r, p_star) for r in runs})
    table = pd.DataFrame({
        "mini-batch size": [draw.batch_label(r.batch_size, M) for r in rows],
        "updates per epoch": [r.updates_per_epoch for r in rows],
        "time per epoch (ms)": [r.ms_per_epoch for r in rows],
        "time per update (µs)": [r.us_per_update for r in rows],
        "final cost J": [r.final_cost for r in rows],
        "accuracy": [r.accuracy for r in rows],
    }).style.hide(axis="index").format({"time per epoch (ms)": "{:.1f}", "time per update (µs)": "{:.0f}",
                                        "final cost J": "{:.4f}", "accuracy": "{:.1%}"})
    return figs, table, float(MB.cost(p_star, X, Y)), MB.accuracy(p_star, X, Y), facts


ui.page_header(
    "Mini-batch gradient descent",
    f"Logistic regression (ŷ = σ(w₁x₁ + w₂x₂ + b)) on {M} seeded points, trained by splitting the training set "
    "into mini-batches X{t}, Y{t}. Size m is **batch** gradient descent (one update per epoch), size 1 is "
    "**stochastic** gradient descent (m updates per epoch), and sizes in between, usually powers of two from 64 "
    "to 512, are **mini-batch** gradient descent. The examples are reshuffled every epoch.",
)


with st.sidebar:
    st.header("Training")
    ui.presets(presets.MINI_BATCH)
    sizes = ui.multiselect("Mini-batch sizes", SIZES, [1, 64, M], key="sizes",
                           format_func=lambda b: draw.batch_label(b, M))
    epochs = ui.slider("Epochs", 1, 20, 5, key="epochs")
    opt = ui.select("Optimizer", list(OPTS), "sgd", key="opt", format_func=lambda n: OPTS[n][0])
    if st.session_state.get("_mb_opt", opt) != opt:
        ui.reset("lr")  # another optimizer needs another α: take its default
        st.query_params.pop("lr", None)
    st.session_state["_mb_opt"] = opt
    lr = ui.log_slider("Learning rate α", 0.001, 3.0, OPTS[opt][1], key="lr")
    seed = ui.number("Shuffle seed", 0, 9999, 0, key="seed", step=1)

st.latex(r"J\{t\} = -\frac{1}{|t|}\sum_{i \in \text{batch } t}"
         r"\Big[y^{(i)}\log a^{(i)} + (1-y^{(i)})\log(1-a^{(i)})\Big],"
         r"\qquad w \mathrel{-}= \alpha\, dW\{t\},\quad b \mathrel{-}= \alpha\, db\{t\}")

if not sizes:
    st.warning("Pick at least one mini-batch size in the sidebar; showing size 64.")
    sizes = [64]
sizes = sorted(sizes)

fit = MB.affordable_epochs(M, sizes, int(epochs), opt, MB.PAGE_BUDGET)
if fit < epochs:
    over = sum(MB.train_work(M, b, int(epochs), opt) for b in sizes) / MB.PAGE_BUDGET
    st.info(f"Training {len(sizes)} batch sizes for {int(epochs)} epochs would be about {over:.1f}× the work one page "
            f"may do (roughly a second of computing), so they are trained for **{fit} epoch{'s' if fit > 1 else ''}** "
            "instead. The smallest sizes cost the most (one update per example); fewer of them leave room for more "
            "epochs.")
    epochs = fit
label = "Training (stochastic GD makes thousands of updates per epoch; cached afterwards)…"
# a collapsed status box when a cache miss can take about half a second or more (a second or more when busy)
heavy = sum(MB.train_work(M, b, int(epochs), opt) for b in sizes) > 0.5e6
with st.status(label, expanded=False) if heavy else st.spinner(label) as box:
    (iter_fig, epoch_fig, path_fig), table, J_star, acc_star, facts = build(tuple(sizes), int(epochs), opt, float(lr),
                                                                           int(seed))
    if heavy:
        box.update(label=f"Trained {len(sizes)} batch sizes for {int(epochs)} epochs", state="complete")
label = {b: draw.batch_label(b, M) for b in sizes}
listed = lambda values, fmt: "; ".join(f"{label[b]}: {fmt(v)}" for b, v in values.items())  # noqa: E731

ui.chart(iter_fig, key="iter")
noise = facts["noise"]
quieter = all(noise[a] > noise[b] for a, b in zip(sizes, sizes[1:]))
text = "The cost on the current mini-batch at every update. "
if M in sizes:
    text += ("Batch GD's cost goes down at every update (one point per epoch). " if facts["smooth"][M] else
             "Batch GD's cost does not go down at every update here: α is too large for a smooth descent. ")
if len(sizes) > 1:
    text += (("The smaller the batch, the noisier J{t}, because each batch is a different sample of the data: "
              if quieter else "How much J{t} changes from one update to the next: ")
             + listed(noise, lambda v: f"{v:.3g}") + " (RMS). ")
if 1 in sizes:
    text += "With size 1, J{t} is one example's loss, so it jumps between easy and hard examples. "
smoothed = {b: v for b, v in facts["trend"].items() if b in sizes and facts["rows"][sizes.index(b)].updates_per_epoch
            * int(epochs) > 20}
if smoothed:
    b = min(smoothed)
    first, last = smoothed[b]
    text += (f"Noise is not divergence: the black line, an EWMA with β = {SMOOTH} (see the EWMA page), shows the "
             f"trend; for {label[b]} it goes from {first:.3g} to {last:.3g}.")
ui.explain(text)

left, right = st.columns([3, 2])
with left:
    ui.chart(path_fig, key="paths")
    ui.explain("The paths of (w₁, w₂) over the contours of the full-batch cost (with b at its optimum). "
               + (f"Batch GD takes one step per epoch ({int(epochs)} in all). " if M in sizes else "")
               + f"Distance of the final (w₁, w₂) to ★: {listed(facts['distance'], lambda v: f'{v:.3f}')}.")
with right:
    ui.chart(epoch_fig, key="epoch")
    final = {r.batch_size: r.final_cost for r in facts["rows"]}
    ordered = all(final[a] < final[b] for a, b in zip(sizes, sizes[1:]))
    ui.explain("The cost on the whole training set after each epoch. "
               + ("Per pass over the data, the smaller batches made more progress, because they make more updates: "
                  if ordered and len(sizes) > 1 else "Final cost: ")
               + listed(final, lambda v: f"J = {v:.4f}") + ".")

st.subheader("The vectorization trade-off")
ui.static_table(table)
rows = {r.batch_size: r for r in facts["rows"]}
trade = MB.tradeoff(facts["rows"], M)
text = ""
if 1 in rows:
    text += (f"One epoch with size 1 makes {M} updates of one example each: the per-update overhead dominates and "
             "vectorization is lost" + (", so its epoch is the slowest here" if trade.slowest_epoch == 1 else "")
             + f" ({rows[1].ms_per_epoch:.1f} ms). ")
if M in rows:
    text += (f"Size m makes one fully vectorized update per epoch ({rows[M].ms_per_epoch:.1f} ms)"
             + (" but learns slowly per epoch. " if trade.lowest_cost != M else ". "))
if trade.gets_both and (1 in rows or M in rows):
    won = [w for w, shown in (("a faster epoch than size 1", 1 in rows), ("a lower final cost than size m", M in rows))
           if shown]
    text += ("Here " + ", ".join(f"size {b}" for b in trade.gets_both) + (" gets both: " if len(won) == 2 else " has ")
             + " and ".join(won) + ". ")
text += ("Times were measured on this server when the run was computed. "
         f"Best possible: J* = {J_star:.4f}, accuracy {acc_star:.1%}"
         + (" (the classes overlap)." if acc_star < 1 else "."))
ui.explain(text)
if opt != "sgd":
    st.caption("Momentum and Adam follow an EWMA of the noisy mini-batch gradients (see the EWMA page); switch the "
               "optimizer to gradient descent to compare their paths.")

ui.page_footer()
