"""EWMA & bias correction: how β trades lag for noise, and why the first estimates need correcting."""
import numpy as np
import streamlit as st

import optim_viz_ui as ui
from optim_viz import ewma as E
from optim_viz import presets
from optim_viz.figures import ewma as draw

COMPARE = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999]
ZOOM = 20


@ui.figure_cache
def curves(series_name: str, seed: int, beta: float) -> tuple:
    """The series, its time steps and its corrected and uncorrected EWMA at β (read-only arrays)."""
    theta = E.series(series_name, seed)
    return theta, E.time_steps(theta), E.ewma(theta, beta), E.ewma(theta, beta, bias_correction=False)


@ui.figure_cache
def main_figure(series_name: str, seed: int, beta: float, show_uncorrected: bool):
    _, xtitle, ytitle, _ = E.SERIES[series_name]
    theta, x, corrected, uncorrected = curves(series_name, seed, beta)
    return draw.ewma_figure(x, theta, corrected, uncorrected if show_uncorrected else None, beta, xtitle, ytitle)


@ui.figure_cache
def comparison(series_name: str, seed: int, compare: tuple):
    """The several-β figure and each curve's roughness (RMS change per point), in the order of ``compare``."""
    _, xtitle, ytitle, _ = E.SERIES[series_name]
    theta = E.series(series_name, seed)
    rows = E.ewma(theta, compare) if compare else []
    fig = draw.compare_figure(E.time_steps(theta), theta, compare, rows, xtitle, ytitle)
    return fig, [E.roughness(r) for r in rows]


@ui.figure_cache
def zoom_figure(series_name: str, seed: int, beta: float):
    _, xtitle, ytitle, _ = E.SERIES[series_name]
    theta, x, corrected, uncorrected = curves(series_name, seed, beta)
    return draw.zoom_figure(x[:ZOOM], theta[:ZOOM], corrected[:ZOOM], uncorrected[:ZOOM], beta, xtitle, ytitle)


@ui.figure_cache
def weights_figure(beta: float):
    return draw.weights_figure(E.weights(beta, E.weights_horizon(beta)), E.one_over_e_lag(beta), beta)


def build(series_name: str, seed: int, beta: float, compare: tuple, show_uncorrected: bool):
    """All four figures for one set of plain-value inputs, each cached on what it depends on (read-only)."""
    return (main_figure(series_name, seed, beta, show_uncorrected), comparison(series_name, seed, compare)[0],
            zoom_figure(series_name, seed, beta), weights_figure(beta))


def windows(betas) -> str:
    return ", ".join(f"{E.effective_window(b):.0f}" for b in betas)


def next_seed():
    st.session_state["seed"] = (int(st.session_state.get("seed", 0)) + 1) % 10_000


ui.page_header(
    "EWMA & bias correction",
    "An exponentially weighted moving average (EWMA) follows the trend of a noisy series. Momentum, RMSprop, "
    "Adam and batch norm's running statistics are all EWMAs. Move **β** and watch the trade-off: a larger β "
    "averages over more points (smoother) but reacts later (lag).",
)


with st.sidebar:
    st.header("Series and β")
    ui.presets(presets.EWMA)
    series_name = ui.select("Series", list(E.SERIES), "temperature", key="series",
                            format_func=lambda n: E.SERIES[n][0])
    seed = ui.number("Noise seed", 0, 9999, 0, key="seed", step=1)
    st.button("Regenerate the noise", on_click=next_seed, help="Next seed: the same season, new noise.",
              width="stretch")
    one_minus_beta = ui.log_slider(
        "1 − β (log scale: fine steps near β = 1)", 0.001, 0.5, 0.1, key="omb",
        help="β = 1 − this value. Left end β = 0.999, right end β = 0.5.")
    beta = 1 - one_minus_beta
    m1, m2 = st.columns(2)
    m1.metric("β", f"{beta:g}")
    m2.metric("window", f"{E.effective_window(beta):.0f}", help="≈ 1/(1−β): roughly how many points are averaged")
    show_uncorrected = ui.toggle("Show the uncorrected v_t too", True, key="uncorr")
    compare = ui.multiselect("β values to compare", COMPARE, [0.5, 0.9, 0.98], key="cmp",
                             format_func=lambda b: f"{b:g}")

st.latex(r"v_0 = 0,\qquad v_t = \beta\, v_{t-1} + (1-\beta)\,\theta_t,\qquad "
         r"\text{report } \hat v_t = \frac{v_t}{1-\beta^{\,t}}\quad (t = 1, 2, \dots)")

main, compared, zoom, weights = build(series_name, int(seed), float(beta), tuple(compare), show_uncorrected)
theta, _, corrected, uncorrected = curves(series_name, int(seed), float(beta))
unit = E.SERIES[series_name][1] + "s"
n = theta.size
window = float(E.effective_window(beta))

ui.chart(main, key="main")
text = (f"With β = {beta:g} the average covers about {window:.0f} points. Raise β: the red curve gets smoother and "
        "shifts right (it lags). Lower it: it follows every wiggle.")
if series_name == "temperature":
    text += (f" Here the corrected curve peaks on day {E.peak_time(corrected)}; the season without its noise peaks "
             f"on day {E.peak_time(E.season(n))}.")
if show_uncorrected:
    t5 = E.catch_up(beta)
    shown = round(window) <= n
    text += (f" The dashed uncorrected curve starts at (1−β)·θ₁ = {uncorrected[0]:.3g}, not at 0 (v₀ = 0 is the state "
             f"before the first point), and stays low by the factor β^t: after 1/(1−β) ≈ {window:.0f} points it "
             + ("is still" if shown else "would still be") + f" {E.shortfall(beta, round(window)):.0%} low"
             + ("" if shown else f" (this series has {n} {unit})")
             + f", and it is within 5% only from t = {t5} (about 3/(1−β))"
             + (f", later than this series' {n} {unit}." if t5 > n else "."))
ui.explain(text)

ui.chart(compared, key="compare")
if not compare:
    st.info("Pick one or more β values in the sidebar to compare them.")
else:
    order = sorted(compare)
    rough = dict(zip(compare, comparison(series_name, int(seed), tuple(compare))[1]))
    smoother = all(rough[a] > rough[b] for a, b in zip(order, order[1:]))
    ui.explain(f"β = {', '.join(f'{b:g}' for b in order)} average about {windows(order)} points (1/(1−β)); on a "
               f"steady trend each one trails by its weights' mean age β/(1−β) = "
               f"{', '.join(f'{E.mean_age(b):.0f}' for b in order)} points. "
               + ("The larger β, the smoother: " if smoother and len(order) > 1 else "Change from one point to the "
                  "next: ")
               + f"{', '.join(f'{rough[b]:.3g}' for b in order)} (RMS, in the series' units). "
               "All curves here are bias corrected.")

left, right = st.columns(2)
with left:
    ui.chart(zoom, key="zoom")
    kept = 1 - beta**ZOOM
    ui.explain(f"Because v₀ = 0, the uncorrected average starts at (1−β)·θ₁, {1 - beta:.1%} of the first point. "
               "Dividing by 1 − β^t lifts the early values (v̂₁ = θ₁ exactly); as t grows β^t → 0 and the correction "
               f"fades away: at t = {ZOOM}, 1 − β^t = {kept:.3f}, so the corrected value is still "
               f"{1 / kept:.3g}× the uncorrected one.")
with right:
    ui.chart(weights, key="weights")
    lag = E.one_over_e_lag(beta)
    close = abs(lag - window) <= 0.1 * window
    ui.explain("Unrolling the recursion: today's v_t gives weight (1−β)β^k to the point k steps back. "
               f"The weights fall to 1/e of today's after k = −1/ln β ≈ {lag:.1f} points; "
               + (f"that is close to 1/(1−β) = {window:.0f}, the rule of thumb." if close else
                  f"the rule of thumb 1/(1−β) = {window:.0f} is only close to it for β near 1."))

st.subheader("Pitfalls in popular write-ups")
ones = np.ones(10)  # a constant series: the right average is 1 at every t
wrong = E.wrong_recursion(ones, beta)
st.markdown(
    "- **The correction is not part of the recursion.** Some write-ups use "
    r"$v_t = [\beta v_{t-1} + (1-\beta)\theta_t]/(1-\beta^t)$. That feeds the already-corrected value back in, "
    "so it is corrected again at every step and the average is pushed too high: with this β, a constant series "
    f"θ_t = 1 gives v₂ = {wrong[1]:.4g} and v₃ = {wrong[2]:.4g} instead of 1. Keep $v_t$ uncorrected and divide "
    "only the value you report.\n"
    r"- **Divide, never multiply.** $v_t \cdot (1-\beta^t)$ makes the early estimates even smaller; "
    r"$v_t / (1-\beta^t)$ is what removes the bias from $v_0 = 0$ (for a constant series it returns the constant "
    f"exactly: here v̂₁₀ = {E.ewma(ones, beta)[9]:.3f}, while v₁₀·(1−β¹⁰) = "
    f"{E.ewma(ones, beta, bias_correction=False)[9] * (1 - beta**10):.3f})."
)

ui.page_footer()
