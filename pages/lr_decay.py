"""Learning-rate decay: the course's schedules side by side, and what decay does to a noisy optimizer."""
import pandas as pd
import streamlit as st

import optim_viz_ui as ui
from optim_viz import minibatch as MB
from optim_viz import presets
from optim_viz import schedules as S
from optim_viz.figures import lr_decay as draw
from optim_viz.figures.style import PALETTE, thin

LABELS = {
    "inverse_time": "α₀ / (1 + decay_rate·epoch)",
    "exponential": "base^epoch · α₀",
    "inverse_sqrt": "k / √epoch · α₀",
    "inverse_sqrt_step": "k / √t · α₀ (per mini-batch)",
    "staircase": "staircase: α₀ · drop^⌊epoch/every⌋",
    "interval": "α₀ / (1 + decay_rate·⌊epoch/interval⌋)",
    "cosine": "cosine annealing (beyond the course)",
    "warmup": "linear warm-up, then 1/(1 + rate·epoch) (beyond the course)",
}
COURSE = S.COURSE
DEMO_OPTS = {"sgd": 1.0, "momentum": 1.0, "adam": 0.05}  # optimizer → a demo α₀ that shows the noise
DEMO_M = 2000


@ui.figure_cache
def schedule_view(names: tuple, lr0: float, hyper: tuple, epochs: int, upe: int, log_y: bool):
    """The schedules figure and the first-epochs table (strings, formatted as the course writes them)."""
    h = dict(hyper)
    chosen = {LABELS[n]: S.by_name(n, lr0, h) for n in names}
    curves = {lab: S.on_epoch_axis(s, epochs, upe) for lab, s in chosen.items()}
    beyond = frozenset(lab for lab, s in chosen.items() if s.beyond_course)
    fig = draw.schedules_figure(curves, log_y=log_y, beyond=beyond)
    tab = S.table(chosen, min(epochs, 10), upe)
    df = pd.DataFrame({k: (v if k == "epoch" else [S.fmt_lr(x) for x in v]) for k, v in tab.items()})
    return fig, df


CURVE_POINTS = 400  # J − J* at ≤ 400 updates per run: each costs a pass over the data, and 400 fill the chart
SUMMARY_POINTS = 100  # an epoch's mean J − J* over ≤ 100 of its updates, evenly spaced
CONST, DECAY = "constant α = α₀", "decay: {}"


@ui.data_cache
def demo_data():
    X, Y = MB.make_data(m=DEMO_M, seed=0)
    p = MB.optimum(X, Y)
    return X, Y, p, float(MB.cost(p, X, Y))


@ui.figure_cache
def demo_view(opt: str, batch_size: int, lr0: float, sched: str, hyper: tuple, epochs: int, seed: int):
    """Train the same optimizer with a constant α₀ and with the chosen decay (one vectorized run: same shuffles,
    same start); two figures, a summary per run, how each run settles (``minibatch.settling``) and the summary as a
    table (a Styler for ``ui.static_table``)."""
    X, Y, p_star, J_star = demo_data()
    labels = [CONST, DECAY.format(LABELS[sched])]
    rates = [lr0, S.by_name(sched, lr0, dict(hyper))]
    runs = dict(zip(labels, MB.train_many(X, Y, batch_size, epochs, opt, rates, seed)))
    curves = {label: MB.cost_on_epoch_axis(r, X, Y, thin(r.path.shape[0], CURVE_POINTS)) for label, r in runs.items()}
    summary = [(label, *MB.epoch_summary(r, X, Y, p_star, J_star, max_points=SUMMARY_POINTS), r.accuracy)
               for label, r in runs.items()]
    settle = [MB.settling(r, X, Y, p_star, J_star, last=row[1], max_points=SUMMARY_POINTS)
              for r, row in zip(runs.values(), summary)]
    cost_fig = draw.decay_demo_figure(curves, J_star)
    # zoom on the last epoch: a box around the minimum that holds both runs' final epoch
    last = [MB.last_epoch(r) for r in runs.values()]
    w1, w2 = draw.zoom_axes([MB.last_epoch_updates(r) for r in runs.values()], p_star)
    J = MB.cost_contour(X, Y, w1, w2, p_star[2])
    path_fig = draw.paths_figure(w1, w2, J, last, Y.size, p_star, last[0].path[0], labels=labels,
                              title="Last epoch, zoomed around ★", colours=[PALETTE[3], PALETTE[0]],
                              start_name="start of the last epoch (constant α)")
    table = pd.DataFrame(summary, columns=["run", "mean J − J* in the last epoch", "RMS distance of (w₁, w₂) to ★",
                                           "accuracy"]).style.hide(axis="index").format(
        {"mean J − J* in the last epoch": "{:.2e}", "RMS distance of (w₁, w₂) to ★": "{:.3f}", "accuracy": "{:.1%}"})
    return cost_fig, path_fig, summary, settle, table


ui.page_header(
    "Learning-rate decay",
    "With mini-batches the gradient is noisy, so a constant learning rate keeps the parameters wandering around "
    "the minimum. Decaying α takes big steps early and small ones late, so they settle close to it. "
    "**Decay here runs per epoch** (α is constant during an epoch), as in the course; the one exception is "
    "k/√t · α₀, where t counts mini-batches.",
)


with st.sidebar:
    st.header("Schedules")
    ui.presets(presets.LR_DECAY)
    names = ui.multiselect("Schedules to plot", list(LABELS), ["inverse_time", "exponential", "inverse_sqrt",
                           "staircase", "interval"], key="show", format_func=lambda n: LABELS[n])
    lr0 = ui.log_slider("α₀ (initial learning rate)", 0.001, 1.0, 0.2, key="lr0")
    rate = ui.slider("decay_rate", 0.0, 5.0, 1.0, key="rate", step=0.1)
    base = ui.slider("base (base^epoch · α₀)", 0.5, 0.99, 0.95, key="base", step=0.01)
    k = ui.slider("k (k/√epoch, k/√t)", 0.1, 2.0, 1.0, key="k", step=0.1)
    drop = ui.slider("staircase drop factor", 0.1, 0.9, 0.5, key="drop", step=0.05)
    every = ui.slider("staircase: drop every … epochs", 1, 50, 10, key="every")
    interval = ui.slider("fixed interval (epochs)", 1, 50, 5, key="interval")
    warm = ui.slider("warm-up epochs", 1, 20, 5, key="warm")
    epochs = ui.slider("epochs shown", 4, 100, 30, key="epochs")
    upe = ui.slider("mini-batches per epoch (for k/√t)", 1, 200, 10, key="upe")
    log_y = ui.toggle("Log scale for α", False, key="logy")

hyper = dict(rate=float(rate), base=float(base), k=float(k), drop=float(drop), every=int(every),
             interval=int(interval), warm=int(warm), epochs=int(epochs))
hyper_t = tuple(sorted(hyper.items()))

if not names:
    st.info("Pick at least one schedule in the sidebar.")
else:
    view = ui.guarded(lambda: schedule_view(tuple(names), float(lr0), hyper_t, int(epochs), int(upe), log_y),
                      "These settings give no valid schedule")
    if view:
        fig, table = view
        beyond = {n for n in names if S.by_name(n, 1.0, hyper).beyond_course}
        ui.chart(fig, key="schedules")
        for n in names:
            st.latex(S.by_name(n, 1.0, hyper).formula + (r"\quad\text{(beyond the course)}" if n in beyond else ""))
        per_update = "inverse_sqrt_step" in names
        ui.explain("Each per-epoch schedule holds α for a whole epoch and can only change it between epochs. "
                   + (f"k/√t changes at every mini-batch ({int(upe)} per epoch here). " if per_update else "")
                   + ("Dotted lines are schedules beyond the course." if beyond
                      else ""))
        st.markdown(f"**α in the first {len(table)} epochs** (epochs are numbered from 1, and the formulas are used as "
                    "written, so epoch 1 already has a decayed rate: α₀ = 0.2 with decay_rate = 1 gives "
                    f"{S.course_example()}, as in the course).")
        st.table(table)

st.header("Why decay: the same optimizer with and without it")
st.markdown(f"Logistic regression on {DEMO_M} points (the mini-batch page's model and data generator, with "
            f"m = {DEMO_M}), trained with mini-batches. Both runs use the same α₀, the same shuffles and the same "
            "start; only the schedule differs.")
c1, c2, c3, c4 = ui.control_columns(4)
with c1:
    opt = ui.select("Optimizer", list(DEMO_OPTS), "sgd", key="opt",
                    format_func=lambda n: {"sgd": "Gradient descent", "momentum": "Momentum", "adam": "Adam"}[n])
with c2:
    batch_size = ui.select("Mini-batch size", [1, 2, 4, 8, 16, 32, 64, 128, 256], 8, key="bs")
if st.session_state.get("_demo_opt", opt) != opt:
    # another optimizer needs another α₀: drop the old one (state and link) so its default applies
    ui.reset("dlr")
    st.query_params.pop("dlr", None)
st.session_state["_demo_opt"] = opt
with c3:
    demo_lr = ui.log_slider("α₀ for this demo", 0.001, 3.0, DEMO_OPTS[opt], key="dlr")
with c4:
    sched = ui.select("Decay schedule", COURSE + ["cosine", "warmup"], "inverse_time", key="dsched",
                      format_func=lambda n: LABELS[n])
demo_epochs = ui.slider("Epochs to train", 5, 40, 20, key="depochs")

fit = MB.affordable_epochs(DEMO_M, [int(batch_size)], int(demo_epochs), opt, MB.DECAY_DEMO_BUDGET, runs=2)
if fit < demo_epochs:
    over = MB.train_work(DEMO_M, int(batch_size), int(demo_epochs), opt, runs=2) / MB.DECAY_DEMO_BUDGET
    st.info(f"{int(demo_epochs)} epochs of mini-batches of {int(batch_size)} (two runs) would be about {over:.1f}× "
            f"the work this demo may do (roughly a quarter of a second of computing), so both runs train for "
            f"**{fit} epochs** instead. A larger mini-batch makes fewer updates per epoch and leaves room for more.")
    demo_epochs = fit
demo_hyper = tuple((k, hyper[k]) for k in S.PARAMS[sched])  # only what the chosen schedule uses: the rest cannot
demo = ui.guarded(lambda: demo_view(opt, int(batch_size), float(demo_lr), sched, demo_hyper, int(demo_epochs), 0),
                  "These settings cannot be trained")
if demo:
    cost_fig, path_fig, summary, (const, decay), summary_table = demo
    (_, gap_c, rms_c, _), (_, gap_d, rms_d, _) = summary
    left, right = st.columns([4, 3])
    with left:
        ui.chart(cost_fig, key="demo_cost")
        ui.explain(
            "J − J* is how far the full-batch cost is above its minimum (log scale). From epoch "
            f"{const.mid_epoch} to epoch {int(demo_epochs)} the constant-α run's mean J − J* goes from {const.mid:.2e} "
            f"to {const.last:.2e}: " + ("it levels off at a floor where the noisy mini-batch steps keep it bouncing"
                                       if const.levels_off else "it is still falling")
            + f"; the decayed run's goes from {decay.mid:.2e} to {decay.last:.2e}: "
            + ("it has stopped improving" if decay.levels_off else "its steps shrink and it keeps going down")
            + f". In the last epoch the decayed run is on average {max(gap_c, gap_d) / min(gap_c, gap_d):.3g}× "
            + ("closer to" if gap_d < gap_c else "further from") + " the minimum.")
    with right:
        ui.chart(path_fig, key="demo_path")
        ui.explain(f"The last epoch's updates around the minimum (★): their RMS distance to ★ is {rms_c:.3f} with a "
                   f"constant α and {rms_d:.3f} with decay, so the decayed run's cloud is "
                   f"{max(rms_c, rms_d) / min(rms_c, rms_d):.3g}× " + ("smaller." if rms_d < rms_c else "larger."))
    ui.static_table(summary_table)
    st.caption(("This schedule, k/√t · α₀, decays per update (t counts mini-batches); the others run per epoch: "
                if sched == "inverse_sqrt_step" else "Decay runs per epoch: ")
               + "update t of an epoch uses α(epoch) with epoch = ⌊(t−1)/updates per epoch⌋ + 1 "
               f"(schedules.per_update). The mean J − J* of an epoch is over at most {SUMMARY_POINTS} of its updates, "
               "evenly spaced. A decay that is too fast can freeze the run before it reaches the minimum: "
               "base^epoch · α₀ "
               "adds up to at most base/(1 − base)·α₀ however long it runs, while α₀/(1 + decay_rate·epoch) shrinks "
               "like 1/epoch, whose sum keeps growing (try the preset \"Decay too fast\").")

ui.page_footer()
