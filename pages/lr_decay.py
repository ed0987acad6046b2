"""Learning-rate decay: the course's schedules side by side, and what decay does to a noisy optimizer."""
import pandas as pd
import streamlit as st

import optim_viz_ui as ui
from optim_viz import minibatch as MB
from optim_viz import plots_averages as P
from optim_viz import schedules as S

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
COURSE = ["inverse_time", "exponential", "inverse_sqrt", "inverse_sqrt_step", "staircase", "interval"]
DEMO_OPTS = {"sgd": 1.0, "momentum": 1.0, "adam": 0.05}  # optimizer → a demo α₀ that shows the noise
DEMO_M = 2000


def make(name: str, lr0: float, h: dict) -> S.Schedule:
    """The schedule ``name`` with the page's hyperparameters ``h``."""
    return {
        "inverse_time": lambda: S.inverse_time(lr0, h["rate"]),
        "exponential": lambda: S.exponential(lr0, h["base"]),
        "inverse_sqrt": lambda: S.inverse_sqrt(lr0, h["k"]),
        "inverse_sqrt_step": lambda: S.inverse_sqrt_step(lr0, h["k"]),
        "staircase": lambda: S.staircase(lr0, h["drop"], h["every"]),
        "interval": lambda: S.interval_inverse_time(lr0, h["rate"], h["interval"]),
        "cosine": lambda: S.cosine(lr0, h["epochs"]),
        "warmup": lambda: S.linear_warmup(lr0, h["warm"], S.inverse_time(lr0, h["rate"])),
    }[name]()


@ui.figure_cache
def schedule_view(names: tuple, lr0: float, hyper: tuple, epochs: int, upe: int, log_y: bool):
    """The schedules figure and the first-epochs table (strings, formatted as the course writes them)."""
    h = dict(hyper)
    chosen = {LABELS[n]: make(n, lr0, h) for n in names}
    curves = {lab: S.on_epoch_axis(s, epochs, upe) for lab, s in chosen.items()}
    beyond = frozenset(lab for lab, s in chosen.items() if s.beyond_course)
    fig = P.schedules_figure(curves, log_y=log_y, beyond=beyond)
    tab = S.table(chosen, min(epochs, 10), upe)
    df = pd.DataFrame({k: (v if k == "epoch" else [fmt_lr(x) for x in v]) for k, v in tab.items()})
    return fig, df


def fmt_lr(v: float) -> str:
    """Three decimals as in the course's table (0.1, 0.067, 0.05, 0.04); small rates in scientific form."""
    return f"{v:.3f}".rstrip("0").rstrip(".") if v >= 0.001 else f"{v:.2g}"


@ui.data_cache
def demo_data():
    X, Y = MB.make_data(m=DEMO_M, seed=0)
    p = MB.optimum(X, Y)
    return X, Y, p, float(MB.cost(p, X, Y))


@ui.figure_cache
def demo_view(opt: str, batch_size: int, lr0: float, sched: str, hyper: tuple, epochs: int, seed: int):
    """Train the same optimizer with a constant α₀ and with the chosen decay; two figures and a summary."""
    X, Y, p_star, J_star = demo_data()
    runs = {"constant α = α₀": MB.train(X, Y, batch_size, epochs, opt, lr=lr0, seed=seed),
            f"decay: {LABELS[sched]}": MB.train(X, Y, batch_size, epochs, opt, lr=lr0, seed=seed,
                                                  schedule=make(sched, lr0, dict(hyper)))}
    curves = {label: MB.cost_on_epoch_axis(r, X, Y, P.thin(r.path.shape[0], 1500)) for label, r in runs.items()}
    summary = [(label, *MB.last_epoch_summary(r, X, Y, p_star, J_star), r.accuracy) for label, r in runs.items()]
    cost_fig = P.decay_demo_figure(curves, J_star)
    # zoom on the last epoch: a box around the minimum that holds both runs' final epoch
    last = [MB.last_epoch(r) for r in runs.values()]
    w1, w2 = MB.zoom_axes([MB.last_epoch_updates(r) for r in runs.values()], p_star)
    J = MB.cost_grid(X, Y, w1, w2, p_star[2])
    path_fig = P.paths_figure(w1, w2, J, last, Y.size, p_star, last[0].path[0], labels=list(runs),
                              title="Last epoch, zoomed around ★", colours=[P.PALETTE[3], P.PALETTE[0]])
    path_fig.data[-2].name = "start of the last epoch (constant α)"
    return cost_fig, path_fig, summary


ui.page_header(
    "Learning-rate decay",
    "With mini-batches the gradient is noisy, so a constant learning rate keeps the parameters wandering around "
    "the minimum. Decaying α takes big steps early and small ones late, so they settle close to it. "
    "**Decay here runs per epoch** (α is constant during an epoch), as in the course; the one exception is "
    "k/√t · α₀, where t counts mini-batches.",
)

PRESETS = {
    "The course's example": ("α₀ = 0.2, decay_rate = 1: 0.1, 0.067, 0.05, 0.04 in epochs 1–4.",
                             {"show": ["inverse_time"], "lr0": 0.2, "rate": 1.0, "epochs": 10}),
    "All course schedules": ("Every schedule from the lecture on one chart, log scale.",
                             {"show": COURSE, "logy": True, "epochs": 50}),
    "Decay too fast": ("0.5^epoch · α₀ halves α every epoch: the steps add up to a finite distance, so the decayed "
                       "run freezes before it reaches the minimum while the constant-α run gets there. Decay needs "
                       "tuning too.", {"dsched": "exponential", "base": 0.5, "bs": 64}),
    "Adam with and without decay": ("Adam's steps are about α in size whatever the gradient, so a constant α keeps "
                                    "it jittering; decay lets it settle.",
                                    {"opt": "adam", "_demo_opt": "adam", "dlr": 0.05, "bs": 8}),
}

with st.sidebar:
    st.header("Schedules")
    ui.presets(PRESETS)
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
        for n in names:
            st.latex(make(n, 1.0, hyper).formula + (r"\quad\text{(beyond the course)}" if n in ("cosine", "warmup") else ""))
        ui.chart(fig, key="schedules")
        ui.explain("Each schedule holds α for a whole epoch and changes it between epochs (steps). "
                   "k/√t changes at every mini-batch, so it is a smooth curve. Dotted lines are schedules beyond the course.")
        st.markdown(f"**α in the first {len(table)} epochs** (epochs are numbered from 1, and the formulas are used as "
                    "written, so epoch 1 already has a decayed rate: α₀ = 0.2 with decay_rate = 1 gives 0.1, 0.067, "
                    "0.05, 0.04, as in the course).")
        st.table(table)

st.header("Why decay: the same optimizer with and without it")
st.markdown(f"Logistic regression on {DEMO_M} points (the mini-batch page's problem), trained with small mini-batches. "
            "Both runs use the same α₀, the same shuffles and the same start; only the schedule differs.")
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

demo = ui.guarded(lambda: demo_view(opt, int(batch_size), float(demo_lr), sched, hyper_t, int(demo_epochs), 0),
                  "These settings cannot be trained")
if demo:
    cost_fig, path_fig, summary = demo
    left, right = st.columns([4, 3])
    with left:
        ui.chart(cost_fig, key="demo_cost")
        ui.explain("J − J* is how far the full-batch cost is above its minimum (log scale). With a constant α the "
                   "noisy mini-batch steps keep it bouncing at a floor; with decay the steps shrink and it keeps going down.")
    with right:
        ui.chart(path_fig, key="demo_path")
        ui.explain("The last epoch's updates around the minimum (★): the constant-α run wanders in a cloud, the "
                   "decayed run sits in a much smaller one.")
    st.table(pd.DataFrame(summary, columns=["run", "mean J − J* in the last epoch", "RMS distance of (w₁, w₂) to ★",
                                            "accuracy"]).style.hide(axis="index").format(
        {"mean J − J* in the last epoch": "{:.2e}", "RMS distance of (w₁, w₂) to ★": "{:.3f}", "accuracy": "{:.1%}"}))
    st.caption("Decay runs per epoch: update t of an epoch uses α(epoch) with epoch = ⌊(t−1)/updates per epoch⌋ + 1 "
               "(schedules.per_update). A decay that is too fast freezes the run before it reaches the minimum: "
               "base^epoch · α₀ with a small base sums to a finite total step, while α₀/(1 + decay_rate·epoch) "
               "shrinks like 1/epoch, whose sum keeps growing (try the preset \"Decay too fast\").")

ui.page_footer()
