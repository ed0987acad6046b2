"""Initialization and vanishing / exploding gradients in deep networks."""
import numpy as np
import streamlit as st

import optim_viz_ui as ui
from optim_viz import depth, presets
from optim_viz.figures import initialization as draw

INITS = list(depth.INITS)
HIDDEN = ["relu", "tanh", "linear"]


@ui.figure_cache
def _draws() -> depth.NormalDraws:
    """The standard-normal draws of the networks shown lately, shared by every session and initialization."""
    return depth.NormalDraws(max_bytes=32e6)


@ui.figure_cache
def layer_stats(method: str, n_layers: int, width: int, hidden: str, scale: float, nets: int, seed: int,
                m: int = depth.BATCH):
    """One initialization's profile (cached per initialization: moving the scale recomputes only those using it)."""
    return depth.layer_stats(n_layers, width, hidden, method, scale, m=m, seed=seed, nets=nets, draws=_draws())


@ui.figure_cache
def stats_figure(methods: tuple, n_layers: int, width: int, hidden: str, scale: float, nets: int, seed: int,
                 m: int = depth.BATCH):
    stats = {k: layer_stats(k, n_layers, width, hidden, scale if k in depth.USES_SCALE else 0.0, nets, seed, m)
             for k in methods}
    summary = {k: depth.first_and_last(s) for k, s in stats.items()}
    return draw.layer_stats(stats, depth.INITS), summary, {k: depth.trend(s) for k, s in stats.items()}


@ui.figure_cache
def linear_figure(n_layers: int):
    return draw.linear_example(n_layers, depth.linear_examples(n_layers))


SYMMETRY = ("zeros", "constant", "he")


@ui.figure_cache
def symmetry_group(methods: tuple, hidden: str, scale: float, seed: int):
    return depth.symmetry_runs(methods, hidden, scale=scale, seed=seed)


@ui.figure_cache
def symmetry_figure(hidden: str, scale: float, seed: int):
    # as section 4: a scale move retrains only the constant start
    runs = {**symmetry_group(tuple(k for k in SYMMETRY if k not in depth.USES_SCALE), hidden, 0.0, seed),
            **symmetry_group(tuple(k for k in SYMMETRY if k in depth.USES_SCALE), hidden, scale, seed)}
    runs = {k: runs[k] for k in SYMMETRY}
    moved = {k: float(np.ptp(r.W1_column, axis=0).max()) for k, r in runs.items()}  # how far W1[:, 0] travelled
    return draw.symmetry(runs, depth.INITS), {k: float(r.unit_spread[-1]) for k, r in runs.items()}, moved


@ui.figure_cache
def _trained() -> depth.TrainingMemo:
    """Every session's latest training state per setting: more iterations continue from it."""
    return depth.TrainingMemo(max_entries=16)


@ui.figure_cache
def training_group(methods: tuple, n_layers: int, width: int, hidden: str, iterations: int, lr: float,
                   scale: float, seed: int):
    """The runs of some initializations, side by side (each network's arithmetic is its own, so a group gives the
    numbers the whole set would); a longer run continues a shorter one of the same setting."""
    return _trained().get(methods, n_layers, width, hidden, iterations, lr, scale, seed)


@ui.figure_cache
def training_figure(methods: tuple, n_layers: int, width: int, hidden: str, iterations: int, lr: float,
                    scale: float, seed: int):
    # cached in two groups: moving the scale retrains only the initializations that read it
    runs = {}
    for group in (tuple(k for k in methods if k not in depth.USES_SCALE), tuple(k for k in methods
                                                                                 if k in depth.USES_SCALE)):
        if group:
            runs.update(training_group(group, n_layers, width, hidden, iterations, lr,
                                       scale if group[0] in depth.USES_SCALE else 0.0, seed))
    runs = {k: runs[k] for k in methods}
    return draw.training(runs, depth.INITS), depth.stuck_at_log2(runs)


def with_status(seconds: float, label: str, run):
    """``run()``; inside a collapsed ``st.status`` when the estimate says a cache miss can take more than about
    half a second on a quiet server, a second or more on a busy one (a cached result returns at once, so the box
    then closes immediately)."""
    if seconds < 0.5:
        return run()
    with st.status(label, expanded=False) as box:
        out = run()
        box.update(label=label.rstrip("…") + ": done", state="complete")
    return out


ui.page_header(
    "Initialization and vanishing gradients",
    "A deep network multiplies the signal by one weight matrix per layer: a bit more than 1 per layer explodes it, "
    "a bit less vanishes it, exponentially in the depth. The initial weights' variance decides which; zeros never "
    "let the hidden units differ.")

ui.presets(presets.INITIALIZATION)

c1, c2, c3 = ui.control_columns(3)
with c1:
    n_layers = ui.slider("Depth (hidden layers)", 1, 50, 20, key="depth")
    width = ui.slider("Width (units per layer)", 10, 300, 100, key="width", step=10)
with c2:
    hidden = ui.select("Hidden activation", HIDDEN, "relu", key="act")
    scale = ui.log_slider("Scale for “random” and “constant”", 1e-3, 10.0, 0.01, key="scale",
                          help="random: W = randn · scale;  constant: every W = scale")
with c3:
    methods = ui.multiselect("Initializations", INITS, INITS, key="inits", format_func=depth.INITS.get)
    nets = ui.slider("Networks averaged", 1, 8, 4, key="nets",
                     help="One finite-width network fluctuates around the expected scale; pooling a few shows the "
                          "trend.")
    seed = ui.number("Seed", 0, 9999, 0, key="seed")

if not methods:
    st.warning("Pick at least one initialization; showing He.")
    methods = ["he"]
methods = tuple(k for k in INITS if k in methods)

st.subheader("1 · Activations and gradients layer by layer")
asked = int(nets)
nets, batch = depth.affordable_stats(len(methods), n_layers, width, asked)
if (nets, batch) != (asked, depth.BATCH):
    over = depth.stats_work(len(methods), n_layers, width, asked) / depth.STATS_BUDGET
    st.info(f"Averaging {asked} networks of {n_layers} layers × {width} units for {len(methods)} initialization"
            f"{'s' if len(methods) > 1 else ''} would be about {over:.1f}× the work one chart may do (roughly half a "
            f"second of computing), so this chart averages **{nets} network{'s' if nets > 1 else ''}**"
            + (f" on a batch of **{batch} examples** instead of {depth.BATCH}" if batch < depth.BATCH else "")
            + ". One network fluctuates more around the trend than an average of several; fewer layers, units or "
              "initializations leave room for more.")
out = with_status(depth.stats_work(len(methods), n_layers, width, nets, batch) / depth.STATS_BUDGET * 0.5,
                  f"Passing a batch through {len(methods) * nets} networks of depth {n_layers}…",
                  lambda: ui.guarded(lambda: stats_figure(methods, n_layers, width, hidden, float(scale), nets,
                                                          int(seed), batch), "Could not build the network"))
if out is not None:
    fig, summary, trends = out
    ui.chart(fig, key="stats")
    # two lines: as one, the formula is wider than the page at 1400 px
    st.latex(r"Z^{[l]} = W^{[l]}A^{[l-1]} + b^{[l]},\qquad W^{[l]} = \texttt{randn}(n^{[l]}, n^{[l-1]})"
             r"\cdot\sqrt{\tfrac{2}{n^{[l-1]}}}\ \text{(He)}")
    st.latex(r"\mathrm{Var}(w) = \tfrac{1}{n^{[l-1]}}\ \text{(Xavier, tanh)},\quad \tfrac{2}{n^{[l-1]}}\ "
             r"\text{(He, ReLU)},\quad \tfrac{2}{n^{[l-1]}+n^{[l]}}\ \text{(Glorot)}")
    ui.explain(
        "Log scale: a straight falling line is a signal that shrinks by the same factor in every layer (vanishing), a "
        "rising one grows (exploding). With ReLU, He keeps the spread flat because each layer halves the variance "
        "(half the units are off) and Var(w) = 2/n doubles it back; Xavier (1/n) loses a factor √2 per layer; "
        "randn · 0.01 vanishes at once and randn · 1 explodes by about √(n/2) per layer. With tanh, Xavier is the "
        "one that keeps the scale. Zeros give all-zero activations and gradients (no line on a log axis). In this "
        f"view ({hidden}, {n_layers} layers of {width}): "
        + "; ".join(f"{depth.INITS[k].split(':')[0]} {word}" + (f" (×{g:.2g} from layer 1 to {n_layers})"
                                                                if np.isfinite(g) else "")
                    for k, (word, g) in trends.items()) + ".")
    lines = [f"{depth.INITS[k]}: spread {depth.fmt(a)} → {depth.fmt(b)}, ‖dW‖ {depth.fmt(c)} → {depth.fmt(d)}"
             for k, (a, b, c, d) in summary.items()]
    with st.expander("First and last layer, in numbers"):
        st.markdown("\n".join(f"- {t}" for t in lines))

st.subheader("2 · The deep linear network")
st.latex(r"W^{[l]} = w\,I\ (l < L),\quad \hat y = W^{[L]}\, w^{L-1} x:\qquad "
         r"w = 1.5 \Rightarrow \hat y \approx 1.5^{L-1}x \ \text{explodes},\quad w = 0.5 \Rightarrow 0.5^{L-1}x"
         r"\ \text{vanishes}")
ui.chart(linear_figure(n_layers), key="linear")
ui.explain(f"Here L = {n_layers + 1} and x = (1, 1). The markers are the network's own forward pass, the dotted lines "
           "the closed form w^l‖x‖: with weights only slightly above or below the identity, depth alone makes the "
           "output explode or vanish.")

st.subheader("3 · Zeros never break the symmetry")
sym_fig, spread, moved = symmetry_figure(hidden, float(scale), int(seed))
ui.chart(sym_fig, key="symmetry")
ui.explain(
    "Two hidden layers of 6 units trained by gradient descent; each line is the weight from input 1 to one unit of "
    "layer 1. Started from zeros or a constant, every unit computes the same function, receives the same gradient "
    "and so stays identical: the lines lie on top of each other, and the “max unit difference” after 300 iterations "
    f"is {depth.fmt(spread['zeros'], 2)} (zeros) and {depth.fmt(spread['constant'], 2)} (constant), against "
    f"{depth.fmt(spread['he'], 2)} for He, "
    "so the layer is no better than a single unit."
    + (" With zeros nothing moves at all here (a(0) = 0 and W = 0 block every gradient)." if moved["zeros"] == 0
       else "")
    + " A random start gives the units different gradients from the first step.")

st.subheader("4 · Which initializations learn?")
t1, t2, t3 = ui.control_columns(3)
with t1:
    train_depth = ui.slider("Training depth (hidden layers)", 1, 20, 5, key="tdepth")
with t2:
    iterations = ui.slider("Iterations", 100, 2000, 300, key="iters", step=100)
with t3:
    lr = ui.log_slider("Learning rate α (gradient descent)", 1e-3, 1.0, 0.1, key="lr")
fit = depth.affordable_iterations(len(methods), train_depth, iterations, hidden)
if fit < iterations:
    over = depth.training_work(len(methods), train_depth, iterations, hidden) / depth.TRAIN_BUDGET
    st.info(f"Training {len(methods)} networks of {train_depth} {hidden} layers for {iterations:,} iterations would be "
            f"about {over:.1f}× the work one chart may do (roughly a second of computing), so they are trained for "
            f"**{fit:,} iterations** instead. Fewer layers or initializations leave room for more.")
    iterations = fit
out = with_status(depth.training_work(len(methods), train_depth, iterations, hidden) / depth.TRAIN_BUDGET * 0.9,
                  f"Training {len(methods)} networks for {iterations:,} iterations…",
                  lambda: ui.guarded(lambda: training_figure(methods, train_depth, 10, hidden, iterations, float(lr),
                                                             float(scale), int(seed)), "Could not train"))
if out is not None:
    fig, stuck = out
    ui.chart(fig, key="training")
    ui.explain(
        f"Full-batch gradient descent on the seeded “circles” data with {train_depth} hidden layers of 10 units. "
        "A flat line at log 2 ≈ 0.693 is a network that predicts 0.5 everywhere: zeros and constants cannot break "
        "the symmetry, and tiny random weights vanish before the signal reaches the output. Within 0.01 of log 2 "
        f"after {iterations:,} iterations here: "
        + (", ".join(depth.INITS[k].split(":")[0] for k in stuck) if stuck else "none") + ". "
        "An overflowing run (very large scale) leaves gaps.")

ui.page_footer()
