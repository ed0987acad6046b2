"""Hyperparameter search: a real tuning landscape, grid against random search, coarse to fine, sampling on the
right scale, pandas against caviar, and learning-rate sweeps per optimizer."""
import numpy as np
import streamlit as st

import optim_viz_ui as ui
from optim_viz import presets, tuning
from optim_viz.figures import hyperparameter_search as draw

OPTIMIZERS = list(tuning.SWEEP_OPTIMIZERS)


@ui.figure_cache
def tuning_problem():
    """The data and run length every setting trains with (the optimum J* by Newton's method)."""
    return tuning.problem()


@ui.figure_cache
def tuning_landscape():
    """Every (α, ε) of the map trained in one vectorized run."""
    return tuning.landscape(tuning_problem())


@ui.figure_cache
def searches(k: int, seed: int, fine: bool):
    p, ls = tuning_problem(), tuning_landscape()
    cmp = tuning.compare_searches(p, k, seed)
    return (draw.search_figure(ls, cmp, k, fine), draw.coverage_figure(ls, cmp),
            tuning.search_text(cmp, k), cmp)


@ui.figure_cache
def sampling(n: int, seed: int):
    rng = np.random.default_rng(seed)
    a_uni, a_log = tuning.uniform(*tuning.ALPHA_RANGE, n, rng), tuning.log_uniform(*tuning.ALPHA_RANGE, n, rng)
    b_uni, b_log = tuning.uniform(*tuning.BETA_RANGE, n, rng), tuning.one_minus_log_uniform(*tuning.BETA_RANGE, n, rng)
    edges, cu = tuning.decade_counts(a_uni, *tuning.ALPHA_RANGE)
    _, cl = tuning.decade_counts(a_log, *tuning.ALPHA_RANGE)
    b_range = (1 - tuning.BETA_RANGE[1], 1 - tuning.BETA_RANGE[0])
    b_edges, bu = tuning.decade_counts(1 - b_uni, *b_range)
    _, bl = tuning.decade_counts(1 - b_log, *b_range)
    fig = draw.sampling_figure(edges, cu, cl, b_edges, bu, bl)
    return fig, tuning.sampling_text(a_uni, a_log, b_uni, b_log)


@ui.figure_cache
def windows():
    low, high = tuning.window_step(0.9), tuning.window_step(0.999)
    return draw.window_figure([low, high]), tuning.window_text(low, high)


@ui.figure_cache
def pandas(rates: tuple, epochs_per_stage: int, seed: int):
    pc = tuning.panda_vs_caviar(tuning_problem(), list(rates), epochs_per_stage, seed)
    return draw.panda_caviar_figure(pc), tuning.panda_text(pc), pc


@ui.figure_cache
def sweep(optimizer: str):
    return tuning.lr_sweep(tuning_problem(), optimizer)


@ui.figure_cache
def sweeps(chosen: tuple):
    runs = [sweep(o) for o in chosen]
    return draw.sweep_figure(runs), tuning.sweep_text(runs)


p = tuning_problem()
ui.page_header(
    "Hyperparameter search",
    "Which hyperparameters to try, and how to sample them. Every point below is a real training run: Adam on a "
    f"mini-batch logistic regression ({p.Y.size} examples, mini-batches of {p.batch_size}, {p.epochs} epochs, "
    "seeded), with many settings trained at once in one vectorized run. Which hyperparameter matters is measured "
    "below, from the runs.")

ui.presets(presets.HYPERPARAMETER_SEARCH)

with st.spinner("Training the tuning landscape (hundreds of runs in one vectorized run; cached afterwards)…"):
    ls = tuning_landscape()

st.subheader("1 · Grid against random search")
c1, c2, c3 = ui.control_columns(3)
with c1:
    k = ui.slider("Grid size k (k × k grid, k² random points)", 2, 10, 5, key="k")
with c2:
    seed = ui.number("Seed (random search, samplers, caviar)", 0, 9999, 0, key="seed")
with c3:
    fine = ui.toggle("Coarse to fine: zoom in and sample again", True, key="fine",
                     help="A box a quarter as wide (in decades) around the random search's best, k² more points.")

search_fig, coverage_fig, search_words, cmp = searches(int(k), int(seed), bool(fine))
TRIED, BEST = "How many distinct learning rates the search tried.", "The lowest final cost above the optimum, J − J*."
metrics = [("α tried: grid", tuning.distinct(cmp.grid.points.alpha), TRIED),
           ("α tried: random", tuning.distinct(cmp.random.points.alpha), TRIED),
           ("Best: grid", f"{cmp.grid.best_cost:.2g}", BEST), ("Best: random", f"{cmp.random.best_cost:.2g}", BEST)]
if fine:
    metrics.append(("Best: fine", f"{cmp.fine.best_cost:.2g}", BEST + " After the coarse-to-fine zoom."))
ui.chart(search_fig, key="search")
ui.explain(tuning.sensitivity_text(tuning.sensitivity(ls)) + " Colour: log10 of the final cost above the optimum "
           f"J* = {p.J_star:.4f}, after {tuning.updates(p)} Adam updates.")
for col, (label, value, help_text) in zip(st.columns(len(metrics)), metrics):
    col.metric(label, value, help=help_text)
st.markdown(search_words if fine else search_words.split(" Coarse to fine:")[0])
ui.chart(coverage_fig, key="coverage")
ui.explain("Each point is one run, at its learning rate. The grid's runs stack in k columns: k² runs, but only k "
           "different learning rates, because ε (which barely matters) takes the other factor of k. Random search "
           "tries a new α with every run, so it maps the curve that matters.")

st.subheader("2 · Sampling on the right scale")
n = ui.slider("Samples", 100, 10000, 1000, key="n", step=100)
st.latex(r"\alpha = 10^{r},\ r \sim \mathcal{U}[-4, 0] \qquad\qquad 1-\beta = 10^{r},\ r \sim \mathcal{U}[-3, -1]")
sampling_fig, sampling_words = sampling(int(n), int(seed))
ui.chart(sampling_fig, key="sampling")
ui.explain(sampling_words)
window_fig, window_words = windows()
ui.chart(window_fig, key="window")
ui.explain(window_words)

st.subheader("3 · Pandas against caviar")
st.markdown("A **panda** babysits one model, watching its cost and changing α by hand as it trains (here a "
            "replayable sequence, one α per stage). **Caviar** trains many models in parallel, each with its own "
            "α, and keeps the best.")
c1, c2 = ui.control_columns([3, 1])
with c1:
    seq_text = ui.text("Babysitter's learning rates, one per stage (comma-separated)", tuning.PANDA_DEFAULT,
                       key="seq", max_chars=120)
with c2:
    per_stage = ui.slider("Epochs per stage", 1, 3, 1, key="stage")
rates = ui.guarded(lambda: tuning.parse_sequence(seq_text), "Could not read the learning rates")
if rates is None:
    rates = tuning.parse_sequence(tuning.PANDA_DEFAULT)
    st.info(f"Using the default sequence {tuning.PANDA_DEFAULT}.")
panda_fig, panda_words, _ = pandas(tuple(rates), int(per_stage), int(seed))
ui.chart(panda_fig, key="panda")
ui.explain(panda_words + " With little compute, babysit; with plenty, train in parallel.")

st.subheader("4 · Learning-rate sweeps")
chosen = ui.multiselect("Optimizers", OPTIMIZERS, OPTIMIZERS, key="opts", format_func=tuning.LABELS.get)
sweep_fig, sweep_words = sweeps(tuple(o for o in OPTIMIZERS if o in chosen))
ui.chart(sweep_fig, key="sweep")
ui.explain(f"Each curve is one vectorized run of {tuning.SWEEP_N} learning rates from {tuning.SWEEP_RANGE[0]:g} to "
           f"{tuning.SWEEP_RANGE[1]:g} ({tuning.updates(p)} updates each). {sweep_words}")

ui.page_footer()
