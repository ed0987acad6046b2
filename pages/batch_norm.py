"""Batch normalization: the same deep network with and without BN, one BN step with numbers, train vs test mode."""
import numpy as np
import pandas as pd
import streamlit as st

import optim_viz_ui as ui
from optim_viz import batchnorm as bn
from optim_viz import presets
from optim_viz.figures import batch_norm as draw

HIDDEN = ["tanh", "relu"]
BATCHES = [8, 16, 32, 64, 128, 256]
SHOWN = (8, 256)  # the two batch sizes the noise sentence compares


@ui.figure_cache
def trained(lr: float, hidden: str, batch: int, iterations: int, seed: int):
    """Both runs and everything that depends only on the training settings (read-only)."""
    lab = bn.compare(lr, hidden, batch, iterations, seed)
    runs = {"plain": lab.plain.history, "bn": lab.bn.history}
    cost_fig = draw.cost_curves({k: h["iteration"] for k, h in runs.items()}, {k: h["cost"] for k, h in runs.items()})
    return lab, cost_fig, bn.outcome(lab), bn.dev_errors_one_at_a_time(lab)


@ui.figure_cache
def layer_view(lr: float, hidden: str, batch: int, iterations: int, seed: int, layer: int, unit: int):
    lab = trained(lr, hidden, batch, iterations, seed)[0]
    hp, hb = lab.plain.history, lab.bn.history
    drift_fig = draw.preact_drift(hp["iteration"], hp["preact"][layer], hb["preact"][layer], hb["preact_z"][layer],
                               unit, layer, hidden)
    drifts = bn.drift(hp["preact"][layer]), bn.drift(hb["preact"][layer]), bn.drift(hb["preact_z"][layer])
    saturated = (bn.saturated_units(hp["preact"][layer], draw.SATURATED),
                 bn.saturated_units(hb["preact"][layer], draw.SATURATED))
    mu0, var0 = bn.init_running(1)
    b_mu, b_var = hb["batch_mu"][layer], hb["batch_var"][layer]
    r_mu = bn.running_series(b_mu, mu0[0, 0], bn.EWMA_BETA)
    r_var = bn.running_series(b_var, var0[0, 0], bn.EWMA_BETA)
    steps = np.arange(1, len(b_mu) + 1)
    ewma_fig = draw.running_stats(steps, b_mu[:, unit], r_mu[:, unit], b_var[:, unit], r_var[:, unit], bn.EWMA_BETA)
    ewma = dict(mu=r_mu[-1, unit], var=r_var[-1, unit], last_mu=b_mu[-1, unit], last_var=b_var[-1, unit],
                T=len(b_mu), jitter=bn.batch_jitter(b_mu, r_mu, r_var))
    return drift_fig, drifts, saturated, ewma_fig, ewma, bn.test_time(lab, layer)


@ui.figure_cache
def noise_view(lr: float, hidden: str, batch: int, iterations: int, seed: int, layer: int):
    lab = trained(lr, hidden, batch, iterations, seed)[0]
    rows = bn.batch_size_noise(lab, layer, sizes=tuple(sorted({*bn.BATCH_SIZES, batch})))
    fig = draw.batch_noise([r.batch_size for r in rows], [r.mean_spread for r in rows], [r.mean_theory for r in rows],
                        [r.var_spread for r in rows], [r.example_noise for r in rows])
    return fig, {r.batch_size: r for r in rows}


@ui.figure_cache
def step_view(lr: float, hidden: str, batch: int, iterations: int, seed: int, layer: int, unit: int, k: int):
    return bn.bn_step(trained(lr, hidden, batch, iterations, seed)[0], layer, unit, k, seed)


def four_digits(df: pd.DataFrame) -> dict:
    """Show the numeric columns with 4 decimals (st.column_config: far cheaper than a pandas Styler)."""
    return {c: st.column_config.NumberColumn(format="%.4f") for c in df.columns if df[c].dtype.kind == "f"}


def num(v: float) -> str:
    return f"{v:.4g}"


ui.page_header(
    "Batch normalization",
    "Batch norm normalizes a hidden layer's pre-activations z over each mini-batch, then lets the network re-scale "
    "and shift them with two learned parameters γ and β, before the activation g. Below, one deep network (the "
    "same data, the same initial weights, the same mini-batches) is trained by gradient descent twice, without "
    "and with batch norm on every hidden layer.")

ui.presets(presets.BATCH_NORM)

c1, c2, c3, c4 = ui.control_columns(4)
with c1:
    lr = ui.log_slider("Learning rate α (gradient descent)", 0.01, 10.0, 3.0, key="lr")
    hidden = ui.select("Hidden activation", HIDDEN, "tanh", key="act")
with c2:
    batch = ui.select("Mini-batch size B", BATCHES, 64, key="batch",
                      help=f"{bn.M_TRAIN} training examples, reshuffled every epoch.")
    iterations = ui.slider("Iterations (mini-batches)", 40, 300, 100, key="iters", step=20)
with c3:
    layer = ui.slider("Hidden layer to inspect", 1, bn.DEPTH, 2, key="layer")
    unit = ui.slider("Unit of that layer", 1, bn.WIDTH, 1, key="unit")
with c4:
    seed = ui.number("Seed", 0, 9999, 0, key="seed", help="Data, initial weights and mini-batch order.")

settings = (float(lr), hidden, int(batch), int(iterations), int(seed))
u = int(unit) - 1
with st.spinner("Training both networks (cached afterwards)…"):
    lab, cost_fig, verdict, (err_run_alone, err_batch1) = trained(*settings)
    drift_fig, (d_plain, d_bn, d_raw), (sat_plain, sat_bn), ewma_fig, ewma, tt = layer_view(*settings, int(layer), u)

st.subheader("1 · The same network with and without batch norm")
ui.chart(cost_fig, key="cost")
st.latex(r"\text{without:}\ z^{[l]} = W^{[l]}a^{[l-1]} + b^{[l]},\quad a^{[l]} = g(z^{[l]})")
st.latex(r"\text{with:}\ z^{[l]} = W^{[l]}a^{[l-1]},\quad \tilde z^{[l]} = \gamma^{[l]} z^{[l]}_{\text{norm}} + "
         r"\beta^{[l]},\quad a^{[l]} = g(\tilde z^{[l]})")
p, b = lab.plain, lab.bn
m1, m2, m3 = st.columns(3)
m1.metric("Final training cost J, without BN", "overflow" if not np.isfinite(p.train_cost) else num(p.train_cost))
m2.metric("Final training cost J, with BN", "overflow" if not np.isfinite(b.train_cost) else num(b.train_cost))
m3.metric("Dev error without / with BN", f"{p.dev_error:.1%} / {b.dev_error:.1%}")
dims = " → ".join(map(str, lab.layer_dims))
plain_end = "overflowed (diverged)" if not np.isfinite(p.train_cost) else f"ends at J = {num(p.train_cost)}"
verdict_text = {
    "bn": f"At α = {lr:g} batch norm ends with the lower cost: the plain network {plain_end} (train error "
          f"{p.train_error:.1%}), the batch-normalized one ends at J = {num(b.train_cost)} ({b.train_error:.1%}).",
    "similar": f"At α = {lr:g} both end within a factor 1.5 of each other: J = {num(p.train_cost)} without batch "
               f"norm and {num(b.train_cost)} with it.",
    "diverged": f"At α = {lr:g} both networks' costs overflowed: this rate is too large even with batch norm.",
    "plain": f"At α = {lr:g} the plain network ends lower (J = {num(p.train_cost)} against {num(b.train_cost)} "
             "with batch norm): batch norm does not win every setting.",
}[verdict]
if bn.no_better_than_a_constant(p.train_cost) and bn.no_better_than_a_constant(b.train_cost):
    verdict_text += " Neither is better than predicting ŷ = 0.5 everywhere (J = log 2 ≈ 0.693)."
ui.explain(f"Network {dims} ({hidden} hidden units, sigmoid output), {bn.M_TRAIN} training examples of the "
           f"“{bn.DATASET}” data, gradient descent on mini-batches of {batch}, {iterations} iterations; γ and β "
           f"learn with the same α. {verdict_text} The costs J above are on the whole training set after training "
           "(batch norm in inference mode); the curve is each mini-batch's J.")

ui.chart(drift_fig, key="drift")
drift_word = bn.compare_values(d_plain, d_bn)
drift_text = {
    "more": "the plain network's inputs wander much further",
    "less": "here the batch-normalized network's inputs wander further (γ and β learn with the same large α)",
    "similar": "both wander about as far",
}[drift_word]
d_plain_text, d_bn_text = ("overflowed" if not np.isfinite(d) else f"{d:.3g}" for d in (d_plain, d_bn))
sat_text = (f" At the end, {sat_plain} of the {bn.WIDTH} units of layer {layer} have a median input beyond ±2, in "
            f"tanh's flat ends (shaded) where its slope is at most {1 - np.tanh(draw.SATURATED) ** 2:.3f}, "
            f"without batch norm; {sat_bn} with it."
            if hidden == "tanh" else "")
ui.explain(f"What the activation g of layer {layer} receives during training: the 15th to 85th percentile over each "
           f"mini-batch of unit {unit} (band) and its median (bold line), the other units' medians in grey. Over "
           f"training a unit's median moved over a range of {d_plain_text} without batch norm and {d_bn_text} with it "
           f"(averaged over the layer's units): {drift_text}.{sat_text} Without batch norm every update of the "
           "earlier layers shifts this distribution (covariate shift); with it, each mini-batch is re-centred and "
           f"re-scaled, and only γ and β move it. The dotted line is the raw z before normalization (its median "
           f"moved over a range of {d_raw:.3g}, averaged over the units): g never sees it, only its normalized "
           "version.")

st.subheader("2 · One batch-norm step, with numbers")
st.latex(r"\mu = \frac{1}{m}\sum_i z^{(i)},\quad \sigma^2 = \frac{1}{m}\sum_i \big(z^{(i)} - \mu\big)^2,\quad "
         r"z^{(i)}_{\text{norm}} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}},\quad "
         r"\tilde z^{(i)} = \gamma\, z^{(i)}_{\text{norm}} + \beta")
(k_col,) = ui.control_columns(1)
with k_col:
    k = ui.slider("Examples in the mini-batch", 2, 8, 4, key="k")
s = step_view(*settings, int(layer), u, int(k))
table = pd.DataFrame({f"example {i + 1}": [s.z[i], s.z[i] - s.mu, s.z_norm[i], s.z_tilde[i]] for i in range(len(s.z))},
                     index=["z = W a", "z − μ", "z_norm", "z̃ = γ z_norm + β"])
st.dataframe(table, width="stretch", column_config=four_digits(table))
st.markdown(f"Unit {unit} of layer {layer}, training mode, on {k} training examples: μ = **{num(s.mu)}**, "
            f"σ² = **{num(s.var)}**, √(σ² + ε) = {num(np.sqrt(s.var + bn.EPS))}; learned γ = **{num(s.gamma)}**, "
            f"β = **{num(s.beta)}**. The z_norm row has mean 0 and variance σ²/(σ² + ε) ≈ 1; z̃ has mean β and "
            "standard deviation about |γ|, whatever W did to z.")
ui.explain(f"Why b[l] is dropped: add b = {s.b:g} to every z of the layer and μ grows by {s.b:g} too, so z − μ does "
           f"not change; here z̃ changes by at most {s.b_change:.1e} (round-off). β[l] takes over b's job. Why ε: "
           f"here it changes the divisor √(σ² + ε) by a relative {s.eps_rel:.1e}, nothing; it matters only when σ² ≈ 0 "
           "(a unit constant on the mini-batch, or a batch of one, below), where it keeps the division finite.")

st.subheader("3 · Training mode against test mode")
st.latex(r"\mu_{\text{run}} := \beta\,\mu_{\text{run}} + (1-\beta)\,\mu_{\{t\}},\quad "
         r"\sigma^2_{\text{run}} := \beta\,\sigma^2_{\text{run}} + (1-\beta)\,\sigma^2_{\{t\}}\quad(\beta = "
         + f"{bn.EWMA_BETA:g}" + r")")
st.latex(r"\text{test mode: } z_{\text{norm}} = \frac{z - \mu_{\text{run}}}"
         r"{\sqrt{\sigma^2_{\text{run}} + \varepsilon}},\quad \tilde z = \gamma\, z_{\text{norm}} + \beta")
ui.chart(ewma_fig, key="running")
ui.explain(f"During training each mini-batch is normalized with its own μ and σ² (dots, unit {unit} of layer "
           f"{layer}); an EWMA of them is kept on the side (β = {bn.EWMA_BETA:g} here is the EWMA's β, not the shift "
           f"β; PyTorch calls it momentum = {1 - bn.EWMA_BETA:.1f}). After {ewma['T']} mini-batches: μ_run = "
           f"{num(ewma['mu'])}, σ²_run = {num(ewma['var'])} (the last mini-batch had μ = {num(ewma['last_mu'])}, "
           f"σ² = {num(ewma['last_var'])}). In the second half of training a mini-batch's μ lands "
           f"{ewma['jitter']:.2f} running standard deviations from the running μ on average (over the layer's units).")

x = lab.X_dev[:, tt.examples[0]]
single = pd.DataFrame({"z = W a": [tt.z[u]], "μ_run": [tt.mu_run[u]], "σ²_run": [tt.var_run[u]],
                       "z_norm": [(tt.z[u] - tt.mu_run[u]) / np.sqrt(tt.var_run[u] + bn.EPS)],
                       "γ": [tt.gamma[u]], "β": [tt.beta[u]], "z̃": [tt.z_tilde[u]],
                       "z̃ with its own batch μ, σ² (batch of 1)": [tt.z_tilde_batch1[u]]})
st.markdown(f"**One test example** x = ({x[0]:.3f}, {x[1]:.3f}) from the dev set, alone, unit {unit} of layer "
            f"{layer}, normalized with the running statistics (and, in the last column, with its own batch "
            "statistics instead):")
st.dataframe(single, hide_index=True, width="stretch", column_config=four_digits(single))
alone = pd.DataFrame({
    "dev example": [f"({lab.X_dev[0, i]:.2f}, {lab.X_dev[1, i]:.2f}), y = {int(lab.Y_dev[0, i])}" for i in tt.examples],
    "ŷ, running μ, σ² (test mode)": tt.y_running,
    "ŷ, its own batch μ, σ² (batch of 1)": tt.y_batch1,
    "ŷ, batch of 1 and ε = 0": ["NaN (0/0)" if np.isnan(y) else f"{y:.4f}" for y in tt.y_batch1_eps0],
})
st.dataframe(alone, hide_index=True, width="stretch", column_config=four_digits(alone))
same = bool(np.all(tt.y_batch1 == tt.y_batch1[0]))
beta_gap = float(np.max(np.abs(tt.z_tilde_batch1 - tt.beta)))
same_text = (f"every example gets the same ŷ = {tt.y_batch1[0]:.4f}" if same
             else "the outputs still differ (unexpected)")
nan_text = "every output is NaN" if np.all(np.isnan(tt.y_batch1_eps0)) else "the outputs are not all NaN"
ui.explain(f"With its own batch statistics, a batch of one has μ = z, so z − μ = 0, z_norm = 0 and z̃ = β for every "
           f"unit, whatever the input (in layer {layer}: max |z̃ − β| = {beta_gap:g}): {same_text}, and the dev error "
           f"with every example classified alone becomes {err_batch1:.1%} instead of {err_run_alone:.1%} with the "
           f"running statistics. With ε = 0 it is worse: σ² = 0, so z_norm = 0/0 and {nan_text}. Hence test mode "
           "uses μ_run and σ²_run, estimated during training.")

st.subheader("4 · Mini-batch size and the noise of batch statistics")
noise_fig, noise = noise_view(*settings, int(layer))
ui.chart(noise_fig, key="noise")
lo, hi = (noise[b_] for b_ in SHOWN)
mine = noise[int(batch)]
falls = bn.falls_with_batch_size([r.example_noise for r in noise.values()])
fits = bn.close_to([r.mean_spread for r in noise.values()], [r.mean_theory for r in noise.values()])
ui.explain(f"Layer {layer}'s z for every training example (the trained network, earlier layers in test mode), cut "
           f"into random mini-batches of size B. At B = {SHOWN[0]} a unit's batch μ wanders by {lo.mean_spread:.3f} σ "
           f"from one mini-batch to the next, at B = {SHOWN[1]} by {hi.mean_spread:.3f} σ"
           + (", as the closed form σ/√B·√((m − B)/(m − 1)) predicts" if fits else
              " (the closed form σ/√B·√((m − B)/(m − 1)) is off by more than 25% somewhere)")
           + ". So an example's z_norm depends on the companions it is drawn with: it shifts by "
           f"{lo.example_noise:.3f} at B = {SHOWN[0]}, {hi.example_noise:.3f} at B = {SHOWN[1]} and "
           f"{mine.example_noise:.3f} at the B = {batch} of this training"
           + (", less and less as B grows. " if falls else ". ")
           + "Like dropout's masks, this noise on every hidden layer has a slight regularization effect, and a larger "
           "mini-batch regularizes less. It is a side effect, not a reason to use batch norm.")

ui.page_footer()
