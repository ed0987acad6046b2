"""Regularization lab: a small NumPy network with L2 and dropout on 2-D data, its decision boundary,
train/dev/test error, the bias/variance diagnosis and the dropout masks."""
import numpy as np
import streamlit as st

import optim_viz_ui as ui
from optim_viz import datasets, diagnosis, nn, presets
from optim_viz.figures import regularization as draw

OPTIMIZERS = {"sgd": "Gradient descent", "momentum": "Momentum", "rmsprop": "RMSprop", "adam": "Adam"}
ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh"}
MAX_LAYERS = 3
DEFAULT_UNITS = (50, 50, 20)
GRID = 100
MAX_RUNS = 48  # trained runs kept for every session together (~1 MB each at most)
MASK_DRAWS = 100  # masks averaged in the expected-value check
W0, DECAY_STEPS = 0.05, 3  # the weight followed through a few steps of the L2 term alone
SHOWN_RUNS = 4  # networks one setting can show (yours and the comparison's three): the work budget counts them all


@ui.figure_cache
def _store() -> nn.LabRuns:
    """Every session's trained runs, bounded; missing variants of one setting are trained together."""
    return nn.LabRuns(max_runs=MAX_RUNS)


def _setting(data: tuple, net: tuple, train_cfg: tuple) -> dict:
    dataset, m, noise, train_pct, dev_pct, data_seed = data
    units, hidden = net
    iterations, opt, lr, seed = train_cfg
    return dict(dataset=dataset, m=m, noise=noise, proportions=(train_pct, dev_pct, 100 - train_pct - dev_pct),
                data_seed=data_seed, hidden_units=tuple(units), hidden=hidden, iterations=iterations, optimizer=opt,
                lr=lr, seed=seed, record_every=nn.record_every(iterations), record_masks=iterations)


def runs(data: tuple, net: tuple, train_cfg: tuple, variants: list, progress=None) -> list[nn.LabRun]:
    """The lab runs of these (λ, keep_probs) variants (each trained once per setting, then shared)."""
    return _store().get(variants, progress=progress, **_setting(data, net, train_cfg))


def lab(data: tuple, net: tuple, lambd: float, kps: tuple, train_cfg: tuple) -> nn.LabRun:
    return runs(data, net, train_cfg, [(lambd, kps)])[0]


def _grid(run: nn.LabRun, hidden: str, bounds) -> tuple:
    """ŷ on the GRID × GRID plane of a run, computed once per run and bounds."""
    key = ("grid", bounds)
    if key not in run.views:
        run.views[key] = draw.grid_probabilities(run.params, hidden, bounds, GRID)
    return run.views[key]


def comparison_variants(n_hidden: int, lambd_cmp: float, kp_cmp: float) -> dict[str, tuple]:
    return {"No regularization": (0.0, (1.0,) * n_hidden), "L2": (lambd_cmp, (1.0,) * n_hidden),
            "Dropout": (0.0, (kp_cmp,) * n_hidden)}


@ui.figure_cache
def main_figures(data, net, lambd, kps, train_cfg):
    run = lab(data, net, lambd, kps, train_cfg)
    s, h = run.split, run.history
    bounds = draw.bounds_of(s.X_train, s.X_dev, s.X_test)
    e = run.errors
    boundary = draw.decision_boundary(
        *_grid(run, net[1], bounds), s.X_train, s.Y_train, s.X_dev, s.Y_dev,
        title=f"Decision boundary: train error {e['train']:.1%}, dev error {e['dev']:.1%}")
    cost = draw.cost_curves({"this run": (h["iteration"], h["cost"])})
    norms = draw.weight_norms_over_time(h["iteration"], h["weight_norms"])
    return boundary, cost, norms


@ui.figure_cache
def network_figure(data, net, lambd, kps, train_cfg, t: int):
    run = lab(data, net, lambd, kps, train_cfg)
    masks = [None if m is None else m[t - 1] for m in run.history["masks"]]
    dims = nn.layer_dims(run.params)
    return draw.network_diagram(dims, masks, list(kps), title=f"Iteration {t}: dropout masks of training example 1")


@ui.figure_cache
def expected_value_figure(data, net, lambd, kps, train_cfg):
    run = lab(data, net, lambd, kps, train_cfg)
    values = nn.dropout_expected_values(run.params, run.split.X_train, net[1], kps, seed=train_cfg[3],
                                        draws=MASK_DRAWS)
    rows = [(f"hidden {l} (keep_prob {kp:g})", v) for l, (v, kp) in enumerate(zip(values, kps), start=1)]
    return draw.expected_value_bars(rows), values


@ui.figure_cache
def comparison(data, net, train_cfg, lambd_cmp: float, kp_cmp: float):
    configs = comparison_variants(len(net[0]), lambd_cmp, kp_cmp)
    runs_ = dict(zip(configs, runs(data, net, train_cfg, list(configs.values()))))
    s = runs_["No regularization"].split
    bounds = draw.bounds_of(s.X_train, s.X_dev, s.X_test)
    titles = {"No regularization": "No regularization", "L2": f"L2, λ = {lambd_cmp:g}",
              "Dropout": f"Dropout, keep_prob = {kp_cmp:g}"}
    panels = [(f"{titles[n]}<br>train {r.errors['train']:.1%} · dev {r.errors['dev']:.1%}",
               *_grid(r, net[1], bounds)) for n, r in runs_.items()]
    fig = draw.boundary_panels(panels, s.X_train, s.Y_train, s.X_dev, s.Y_dev)
    cost = draw.cost_curves({n: (r.history["iteration"], r.history["cost"]) for n, r in runs_.items()},
                                title="Cost J of the three runs")
    norms = {n: nn.weight_norms(r.params) for n, r in runs_.items()}
    weights = {n: nn.all_weights(r.params) for n, r in runs_.items()}
    rows = [{"run": titles[n], "train error": f"{r.errors['train']:.1%}", "dev error": f"{r.errors['dev']:.1%}",
             "test error": _pct(r.errors["test"]),
             "dev − train": f"{diagnosis.diagnose(r.errors['train'], r.errors['dev']).variance:+.1%}",
             "Σ‖W‖²_F": f"{nn.sum_squared_weights(r.params):.1f}"} for n, r in runs_.items()]
    facts = dict(errors={n: r.errors for n, r in runs_.items()}, norms=norms,
                 final_cost={n: float(r.history["cost"][-1]) for n, r in runs_.items()},
                 weight_std={n: float(np.std(w)) for n, w in weights.items()}, titles=titles)
    return fig, cost, draw.weight_norm_bars(norms), draw.weight_histograms(weights), rows, facts


def dropout_section(data: tuple, net: tuple, lambd: float, kps: tuple, train_cfg: tuple, kp_demo: float) -> None:
    """The dropout masks of your run (or of the comparison's dropout run when you drop nothing), step by step,
    and the expected-value check of inverted dropout."""
    iterations = train_cfg[0]
    st.subheader("2 · Dropout, made visible")
    st.latex(r"d^{[l]} = \big(\texttt{rand}(n^{[l]}, m) < \texttt{keep\_prob}\big),"
             r"\quad a^{[l]} := a^{[l]} \odot d^{[l]},"
             r"\quad a^{[l]} := a^{[l]} / \texttt{keep\_prob}")
    st.caption("Inverted dropout divides by **keep_prob**, the probability of keeping a unit, so E[a] is unchanged and "
               "nothing is rescaled at test time, where there is no dropout at all. Some write-ups divide by "
               "“keep_dims”: that is a typo, it would scale by the wrong quantity. PyTorch's `p` is the DROP "
               "probability.")
    if min(kps) < 1:
        shown = (lambd, kps)
        st.caption("Masks of this run (your λ and keep_prob per layer).")
    else:
        shown = (0.0, tuple([kp_demo] * len(kps)))
        st.info(f"keep_prob is 1 in every layer of your run, so nothing is dropped. Showing the dropout run of the "
                f"comparison below (keep_prob = {shown[1][0]:g} in every hidden layer) instead.")
    if st.session_state.get("step", 1) > iterations:  # fewer iterations than the step shown last time
        st.session_state["step"] = int(iterations)
    step = ui.slider("Training iteration", 1, int(iterations), 1, key="step",
                     help="Each iteration draws a new mask; step through them to see the dropped units change.")
    n1, n2 = st.columns([3, 2])
    with n1:
        ui.chart(network_figure(data, net, shown[0], shown[1], train_cfg, int(step)), key="network")
        ui.explain("Grey units with × are dropped in this iteration for this example: their activation is set to 0 "
                   "and their edges carry nothing, forward or backward. The next iteration draws a new mask, so no "
                   "unit can rely on any one input: the weights spread out, much like L2.")
    with n2:
        ev_fig, values = expected_value_figure(data, net, shown[0], shown[1], train_cfg)
        ui.chart(ev_fig, key="expected")
        drifts = [abs(v.inverted / v.no_dropout - 1) for v in values if v.no_dropout > 0]
        matched = (f"with it, the mean is within {max(drifts):.1%} of the no-dropout value."
                   if drifts and np.all(np.isfinite(drifts)) else "with it, the mean matches in expectation.")
        ui.explain("Mean activation of each hidden layer of the trained network on the training set, averaged over "
                   f"{MASK_DRAWS} masks. Without the 1/keep_prob scaling the next layer sees activations keep_prob "
                   f"times smaller than at test time; {matched}")


def _pct(v: float) -> str:
    return "n/a (empty)" if v != v else f"{v:.1%}"


def _num(v: float) -> str:
    """A number for a sentence; a diverged run's inf/NaN is said in words."""
    return f"{v:.3g}" if np.isfinite(v) else "diverged"


def weight_decay_text(opt: str, lr: float, lambd: float, m_train: int) -> str:
    """What one step does to W with this optimizer, worded from ``nn.l2_only_steps``."""
    lam = lambd if lambd > 0 else 1.0
    at = f"λ = {lam:g}" + ("" if lambd > 0 else " (your λ is 0: no L2 term at all)")
    factor = 1 - lr * lam / m_train
    w = nn.l2_only_steps(opt, lr, lam, m_train, W0, DECAY_STEPS)
    gd = W0 * factor ** np.arange(1, DECAY_STEPS + 1)
    n = {2: "two", 3: "three", 4: "four"}.get(DECAY_STEPS, str(DECAY_STEPS))
    if opt == "sgd":
        return (f"With gradient descent each step first multiplies W by (1 − αλ/m) = {factor:.6f} at {at}, "
                f"α = {ui.fmt(lr)}, m = {m_train} ('weight decay'): {n} steps take a weight {W0:g} to {w[-1]:.5g}.")
    how = ("averages the L2 term into its velocity v, so the decay lags the weights"
           if opt == "momentum" else "divides the L2 term, like every gradient, by √s")
    return (f"With {OPTIMIZERS[opt]} the rule 'each step multiplies W by (1 − αλ/m)' does not hold: "
            f"{OPTIMIZERS[opt]} {how}. At {at}, α = {ui.fmt(lr)}, m = {m_train}, {n} steps on the L2 term alone "
            f"take a weight {W0:g} to {w[-1]:.4g}; plain gradient descent's factor {factor:.6f} would give "
            f"{gd[-1]:.5g}. "
            + ("(AdamW decouples the decay for this reason.) " if opt == "adam" else ""))


# ----------------------------------------------------------------------------------------------- page

ui.page_header(
    "Regularization lab",
    "Train a small fully-connected network (NumPy, backprop by hand) on 2-D data, then regularize it with "
    "**L2** and **inverted dropout**. Watch the decision boundary, the train/dev/test error and the course's "
    "bias/variance diagnosis, and see which units each dropout mask switches off.")

ui.presets(presets.REGULARIZATION)

top = st.container()  # the picture first; the controls below it
c1, c2, c3, c4 = ui.control_columns(4)
with c1:
    st.markdown("**Data**")
    ds = ui.select("Data set", list(datasets.DATASETS), "moons", key="ds",
                   format_func=lambda k: datasets.DATASETS[k][0])
    noise = ui.slider("Noise (std of the Gaussian added to each coordinate)", 0.0, 0.6, 0.3, key="noise", step=0.05)
    m = ui.slider("Number of points m", 50, 1000, 300, key="m", step=50)
    train_pct = ui.slider("Train %", 20, 90, 60, key="tr", step=5)
    dev_pct = ui.slider("Dev %", 5, 50, 20, key="dv", step=5, help="Test gets the rest; dev and test come "
                        "from the same shuffled pool, so the same distribution.")
    data_seed = ui.number("Data seed", 0, 9999, 0, key="dseed")
with c2:
    st.markdown("**Network**")
    n_hidden = ui.slider("Hidden layers", 1, MAX_LAYERS, 2, key="layers")
    hidden = ui.select("Hidden activation", list(ACTIVATIONS), "relu", key="act", format_func=ACTIVATIONS.get,
                       help="He initialization for ReLU, Xavier for tanh; the output is a sigmoid unit.")
    units = tuple(ui.slider(f"Units in hidden layer {l}", 1, 50, DEFAULT_UNITS[l - 1], key=f"u{l}")
                  for l in range(1, n_hidden + 1))
with c3:
    st.markdown("**Regularization**")
    lambd = ui.slider("L2 strength λ", 0.0, 5.0, 0.0, key="lambd", step=0.05)
    kps = tuple(ui.slider(f"keep_prob, hidden layer {l}", 0.1, 1.0, 1.0, key=f"kp{l}", step=0.05,
                          help="Probability of KEEPING a unit (PyTorch's p is the drop probability: "
                               "p = 1 − keep_prob).")
                for l in range(1, n_hidden + 1))
with c4:
    st.markdown("**Training** (full batch)")
    iterations = ui.slider("Iterations", 100, 5000, 500, key="it", step=100)
    opt = ui.select("Optimizer", list(OPTIMIZERS), "adam", key="opt", format_func=OPTIMIZERS.get)
    lr = ui.log_slider("Learning rate α", 1e-4, 1.0, 0.01, key="lr")
    seed = ui.number("Initialization / dropout seed", 0, 9999, 0, key="seed")


if train_pct + dev_pct > 95:
    st.warning(f"Train {train_pct}% + dev {dev_pct}% leaves less than 5% for the test set; using dev = "
               f"{95 - train_pct}%.")
    dev_pct = 95 - train_pct

m_train = datasets.split_sizes(int(m), (train_pct, dev_pct, 100 - train_pct - dev_pct))[0]
affordable = nn.affordable_iterations(int(iterations), m_train, units, hidden, SHOWN_RUNS)
if affordable < iterations:
    over = nn.lab_work(int(iterations), m_train, units, hidden, SHOWN_RUNS) / nn.LAB_BUDGET
    top.info(f"{int(iterations):,} iterations would be about {over:.1f}× the work one page may do (roughly 1.5 s of "
             f"computing) for this page's up to {SHOWN_RUNS} networks (yours and the comparison's three) of "
             f"{'-'.join(str(u) for u in units)} {ACTIVATIONS[hidden]} units on {m_train} training examples, so "
             f"they are trained for **{affordable:,} iterations** instead. Fewer points, units or layers leave room "
             "for more iterations.")
    iterations = affordable

data = (ds, int(m), float(noise), int(train_pct), int(dev_pct), int(data_seed))
net = (units, hidden)
train_cfg = (int(iterations), opt, float(lr), int(seed))
kps = tuple(float(k) for k in kps)
lambd = float(lambd)

section1 = st.container()
section2 = st.container()

# ------------------------------------------------------------------------------------ comparison
st.subheader("3 · Side by side: no regularization, L2, dropout")
k1, k2 = st.columns(2)
with k1:
    lambd_cmp = float(ui.slider("λ of the L2 run", 0.05, 5.0, 1.0, key="lc", step=0.05))
with k2:
    kp_cmp = float(ui.slider("keep_prob of the dropout run (every hidden layer)", 0.1, 0.95, 0.7, key="kpc",
                             step=0.05))

# every run this page shows, the missing ones trained together (one batch), with a progress bar
wanted = [(lambd, kps), *comparison_variants(n_hidden, lambd_cmp, kp_cmp).values()]
todo = _store().missing(wanted, **_setting(data, net, train_cfg))
bar = top.empty()
if todo:
    bar.progress(0.0, text=f"Training {len(todo)} network{'s' if len(todo) > 1 else ''} "
                           f"({iterations} iterations each)…")
done = ui.guarded(lambda: runs(data, net, train_cfg, wanted,
                               progress=(lambda f: bar.progress(f, text=f"Training… {f:.0%}")) if todo else None),
                  "Could not train this network")
bar.empty()
if done is None:
    st.stop()
run = done[0]
errors = run.errors

st.caption("Same data, same architecture, same optimizer and the same initial weights (same seed); only the "
           "regularization differs.")
cmp_fig, cmp_cost, cmp_norms, cmp_hist, cmp_rows, facts = comparison(data, net, train_cfg, lambd_cmp, kp_cmp)
ui.chart(cmp_fig, key="compare")
base = facts["errors"]["No regularization"]
base_d = diagnosis.diagnose(base["train"], base["dev"])
lines = [f"Without regularization: train {base['train']:.1%}, dev {base['dev']:.1%} ({base_d.label})."]
for name in ("L2", "Dropout"):
    c = diagnosis.gap_change(base, facts["errors"][name])
    verb = ("closes" if c.closed else "narrows") if c.narrower else "does not narrow"
    lines.append(f"{facts['titles'][name]}: the train/dev gap {verb} ({c.gap_before:+.1%} → {c.gap_after:+.1%}); "
                 f"train error {c.train_before:.1%} → {c.train_after:.1%}, dev error "
                 f"{'falls' if c.dev_better else 'does not fall'}.")
ui.explain(" ".join(lines))
ui.table(cmp_rows)
g1, g2, g3 = st.columns(3)
with g1:
    ui.chart(cmp_cost, key="cmp_cost")
    fc = facts["final_cost"]
    ui.explain("The L2 run's cost includes (λ/2m)Σ‖W‖²; the dropout run's is measured on a thinned network each "
               "iteration. Final J: " + ", ".join(f"{n.lower() if n == 'No regularization' else n} {_num(fc[n])}"
                                                 for n in fc) + ".")
with g2:
    ui.chart(cmp_norms, key="cmp_norms")
    nrm = facts["norms"]
    finite = {n: np.where(np.isfinite(v), v, np.inf) for n, v in nrm.items()}  # a diverged run's NaN: not smallest
    smallest = sum(int(np.argmin([finite[n][l] for n in finite]) == 1) for l in range(len(nrm["L2"])))
    ui.explain(f"L2 ends with the smallest ‖W[l]‖_F in {smallest} of {len(nrm['L2'])} layers.")
with g3:
    ui.chart(cmp_hist, key="cmp_hist")
    sd = facts["weight_std"]
    ui.explain("Standard deviation of the weights: " + ", ".join(f"{n.lower() if n == 'No regularization' else n} "
                                                                  f"{_num(sd[n])}" for n in sd) + ".")

# --------------------------------------------------------------------------------- results & diagnosis
with top:
    st.subheader("1 · Decision boundary, errors and the diagnosis")
    if nn.diverged(run.history):
        st.warning("The cost became infinite or NaN: the learning rate is too large for this optimizer. Lower α.")
    left, right = st.columns([3, 2])
    with left:
        boundary, cost_fig, norms_fig = main_figures(data, net, lambd, kps, train_cfg)
        ui.chart(boundary, key="boundary")
        ui.explain("Filled dots: training set; open diamonds: dev set. The colour is ŷ = P(y = 1 | x); the black "
                   "line is ŷ = 0.5. An overfit network wraps its boundary around individual noisy training points; "
                   "L2 and dropout smooth it.")
    with right:
        s = run.split
        e1, e2, e3 = st.columns(3)
        e1.metric("Train error", _pct(errors["train"]), help=f"{s.X_train.shape[1]} examples")
        e2.metric("Dev error", _pct(errors["dev"]), help=f"{s.X_dev.shape[1]} examples")
        e3.metric("Test error", _pct(errors["test"]), help=f"{s.X_test.shape[1]} examples")
        st.caption(f"Split of m = {m}: {s.X_train.shape[1]} train / {s.X_dev.shape[1]} dev / {s.X_test.shape[1]} "
                   "test. With small data the course suggests 60/20/20; with a million examples 98/1/1 is plenty "
                   "for dev and test.")
        b1, b2 = st.columns(2)
        with b1:
            bayes = ui.slider("Bayes error estimate (%)", 0.0, 30.0, 0.0, key="bayes", step=0.5,
                              help="The best achievable error, e.g. human-level error. ~0% for clean data; "
                                   "noisy, overlapping classes have a real Bayes error above 0.")
        with b2:
            tol = ui.slider("A gap counts as high above (%)", 0.5, 10.0, 2.0, key="tol", step=0.5)
        d = diagnosis.diagnose(errors["train"], errors["dev"], bayes / 100, tol / 100)
        box = st.success if not (d.high_bias or d.high_variance) else st.warning
        box(f"**Diagnosis: {d.label}.**  Avoidable bias (train − Bayes) = {d.avoidable_bias:+.1%}; "
            f"variance (dev − train) = {d.variance:+.1%}.\n\n**Next step (basic recipe):** {d.next_step}")
        ui.explain("The course's table, with Bayes ≈ 0%: train 1% / dev 11% → high variance; 15% / 16% → high "
                   "bias; 15% / 30% → both; 0.5% / 1% → neither. Raise the Bayes estimate for noisy data and see "
                   "the verdict change: 15% train error is fine if even the best classifier gets 15% wrong.")
with section1:
    c_left, c_right = st.columns(2)
    with c_left:
        ui.chart(cost_fig, key="cost")
        ui.explain("The cost includes the L2 term and, with dropout, is measured on the thinned network of each "
                   "iteration, so it is noisier and not strictly decreasing: check for bugs with dropout off first.")
    with c_right:
        ui.chart(norms_fig, key="norms")
        ui.explain("L2 adds (λ/m)W to every dW[l], pulling the weights towards 0. "
                   + weight_decay_text(opt, float(lr), lambd, s.X_train.shape[1])
                   + " Small weights keep z near 0, where tanh is almost linear, so the network draws a simpler "
                     "boundary.")
    st.latex(r"J = \frac{1}{m}\sum_{i=1}^{m}\mathcal{L}(\hat y^{(i)}, y^{(i)}) + \frac{\lambda}{2m}\sum_{l=1}^{L}"
             r"\lVert W^{[l]}\rVert_F^2,\qquad dW^{[l]} = (\text{from backprop}) + \frac{\lambda}{m}W^{[l]}")

with section2:
    dropout_section(data, net, lambd, kps, train_cfg, kp_cmp)

ui.page_footer()
