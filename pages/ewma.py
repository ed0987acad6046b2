"""EWMA & bias correction: how β trades lag for noise, and why the first estimates need correcting."""
import streamlit as st

import optim_viz_ui as ui
from optim_viz import ewma as E
from optim_viz import plots_averages as P

COMPARE = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999]
ZOOM = 20


@ui.figure_cache
def build(series_name: str, seed: int, beta: float, compare: tuple, show_uncorrected: bool):
    """All four figures for one set of plain-value inputs, built once and read-only afterwards."""
    _, xtitle, ytitle, _ = E.SERIES[series_name]
    theta = E.series(series_name, seed)
    x = E.time_steps(theta)
    corrected = E.ewma(theta, beta)
    uncorrected = E.ewma(theta, beta, bias_correction=False)
    main = P.ewma_figure(x, theta, corrected, uncorrected if show_uncorrected else None, beta, xtitle, ytitle)
    rows = E.ewma(theta, compare) if compare else []
    comparison = P.compare_figure(x, theta, compare, rows, xtitle, ytitle)
    zoom = P.zoom_figure(x[:ZOOM], theta[:ZOOM], corrected[:ZOOM], uncorrected[:ZOOM], beta, xtitle, ytitle)
    weights = P.weights_figure(E.weights(beta, E.weights_horizon(beta)), E.one_over_e_lag(beta), beta)
    return main, comparison, zoom, weights


def next_seed():
    st.session_state["seed"] = (int(st.session_state.get("seed", 0)) + 1) % 10_000


ui.page_header(
    "EWMA & bias correction",
    "An exponentially weighted moving average (EWMA) follows the trend of a noisy series. Momentum, RMSprop, "
    "Adam and batch norm's running statistics are all EWMAs. Move **β** and watch the trade-off: a larger β "
    "averages over more points (smoother) but reacts later (lag).",
)

PRESETS = {
    "The course's three curves": ("β = 0.5 follows every wiggle (about 2 days), 0.9 averages about 10 days, "
                                  "0.98 about 50 days: smooth but shifted to the right.",
                                  {"series": "temperature", "omb": 0.1, "cmp": [0.5, 0.9, 0.98]}),
    "Why bias correction": ("β = 0.98: the uncorrected v_t starts at 2% of the first temperature and needs about "
                            "50 days to catch up; the corrected curve is right from day 1 (see the zoom).",
                            {"series": "temperature", "omb": 0.02, "uncorr": True}),
    "Too much smoothing": ("β = 0.999 averages about 1000 points, more than the whole series: the curve barely "
                           "moves and lags the season by months.", {"series": "temperature", "omb": 0.001}),
    "Smoothing a training loss": ("The trend of a noisy mini-batch loss, as TensorBoard's smoothing slider does "
                                  "(an EWMA; with bias correction it does not start at 0).",
                                  {"series": "loss", "omb": 0.05, "cmp": [0.9, 0.95, 0.99]}),
}

with st.sidebar:
    st.header("Series and β")
    ui.presets(PRESETS)
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
    compare = ui.multiselect("β values to compare", COMPARE, [0.5, 0.9, 0.98], key="cmp", format_func=lambda b: f"{b:g}")

st.latex(r"v_0 = 0,\qquad v_t = \beta\, v_{t-1} + (1-\beta)\,\theta_t,\qquad "
         r"\text{report } \hat v_t = \frac{v_t}{1-\beta^{\,t}}\quad (t = 1, 2, \dots)")

main, comparison, zoom, weights = build(series_name, int(seed), float(beta), tuple(compare), show_uncorrected)

ui.chart(main, key="main")
ui.explain(f"With β = {beta:g} the average covers about {E.effective_window(beta):.0f} points. "
           "Raise β: the red curve gets smoother and shifts right (it lags). Lower it: it follows every wiggle. "
           "The dashed uncorrected curve starts at 0 and needs roughly 1/(1−β) points to catch up.")

ui.chart(comparison, key="compare")
if not compare:
    st.info("Pick one or more β values in the sidebar to compare them.")
ui.explain("The course's picture: β = 0.5 (about 2 points, noisy), β = 0.9 (about 10), β = 0.98 (about 50, "
           "smooth but late). All curves here are bias corrected.")

left, right = st.columns(2)
with left:
    ui.chart(zoom, key="zoom")
    ui.explain("Because v₀ = 0, the uncorrected average starts at (1−β)·θ₁, far below the data for β near 1. "
               "Dividing by 1 − β^t lifts the early values; as t grows β^t → 0 and the correction fades away.")
with right:
    ui.chart(weights, key="weights")
    ui.explain("Unrolling the recursion: today's v_t gives weight (1−β)β^k to the point k steps back. "
               f"The weights fall to 1/e of today's after k = −1/ln β ≈ {E.one_over_e_lag(beta):.1f} points, "
               "which is where the rule of thumb 1/(1−β) comes from.")

st.subheader("Pitfalls in popular write-ups")
st.markdown(
    "- **The correction is not part of the recursion.** Some write-ups use "
    r"$v_t = [\beta v_{t-1} + (1-\beta)\theta_t]/(1-\beta^t)$. That feeds the already-corrected value back in, "
    "so it is corrected again at every step and the average is pushed too high. Keep $v_t$ uncorrected and divide "
    "only the value you report.\n"
    r"- **Divide, never multiply.** $v_t \cdot (1-\beta^t)$ makes the early estimates even smaller; "
    r"$v_t / (1-\beta^t)$ is what removes the bias from $v_0 = 0$ (for a constant series it returns the constant exactly)."
)

ui.page_footer()
