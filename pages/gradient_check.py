"""Gradient checking: backprop against two-sided differences, planted bugs, and the ε trade-off."""
import streamlit as st

import optim_viz_ui as ui
from optim_viz import gradcheck, presets
from optim_viz.figures import gradient_check as draw

BUGS = list(gradcheck.BUGS)
HIDDEN = ["tanh", "sigmoid", "relu"]


@ui.figure_cache
def sweeps(bug: str, lambd: float, hidden: str, seed: int):
    """The ε sweeps (they do not depend on the chosen ε): the correct gradient's V, and the bug's curve."""
    used = gradcheck.effective_lambda(bug, lambd)
    two, one = gradcheck.clean_sweeps(used, hidden, seed)
    return two, one, gradcheck.bug_sweep(bug, lambd, hidden, seed)


@ui.figure_cache
def build(bug: str, lambd: float, hidden: str, eps: float, seed: int):
    p, c, block_diff = gradcheck.network_check(bug, lambd, hidden, eps, seed)
    two, one, buggy = sweeps(bug, lambd, hidden, seed)
    worst = gradcheck.worst_components(c)
    table = [{"component": p.names[i], "backprop dθ": f"{c.exact[i]:.6g}", "numerical dθ_approx": f"{c.approx[i]:.6g}",
              "|difference|": f"{c.component[i]:.2e}"} for i in worst]
    figs = (draw.difference_gauge(c.diff),
            draw.component_errors(p.blocks, block_diff, p.names, p.block, c.component),
            draw.eps_sweep(gradcheck.EPS_GRID, two, one, eps, buggy, gradcheck.BUGS[bug].split(":")[0].lower()))
    flagged = gradcheck.flagged_blocks(p, block_diff)
    at_eps = c.diff if bug == "none" else gradcheck.clean_difference(p.lambd, hidden, eps, seed)
    where = gradcheck.read_sweep(gradcheck.EPS_GRID, two, eps, at_eps, buggy)
    return figs, table, c.diff, p.lambd, flagged, len(p.theta), where


ui.page_header(
    "Gradient checking",
    "Backpropagation is easy to get subtly wrong. Gradient checking compares it with a numerical derivative of the "
    "cost, one parameter at a time. Plant a bug, see the relative difference jump, and let the per-parameter "
    "errors point at the broken component.")

ui.presets(presets.GRADIENT_CHECK)

c1, c2, c3 = ui.control_columns(3)
with c1:
    bug = ui.select("Plant a bug", BUGS, "none", key="bug", format_func=gradcheck.BUGS.get)
    hidden = ui.select("Hidden activation", HIDDEN, "tanh", key="act",
                       help="ReLU has a kink at 0: a difference that straddles it can disagree with backprop.")
with c2:
    lambd = ui.slider("L2 strength λ", 0.0, 2.0, 0.0, key="lambd", step=0.1)
    eps = ui.log_slider("ε for the check", 1e-12, 1e-1, 1e-7, key="eps")
with c3:
    seed = ui.number("Seed", 0, 9999, 0, key="seed")

out = ui.guarded(lambda: build(bug, float(lambd), hidden, float(eps), int(seed)), "Could not run the check")
if out is not None:
    (gauge, components, sweep), table, diff, used_lambd, flagged, size, where = out

    st.subheader("1 · The check")
    ui.chart(gauge, key="gauge")
    m1, m2 = st.columns([1, 3])
    m1.metric("Relative difference", f"{diff:.2e}")
    m2.markdown(f"**{gradcheck.verdict(diff)}.**  \nNetwork 3 → 5 → 3 → 1 ({hidden} hidden, sigmoid output), "
                f"{size} parameters, 20 examples, λ = {used_lambd:g}."
                + (" (λ = 0.7 is used so that a forgotten L2 term has something to forget.)"
                   if bug == "l2" and lambd == 0 else ""))
    ui.explain(f"The course's reading, {gradcheck.reading()}. The regularization term must be in J AND in dθ; "
               "dropout must be off while checking (keep_prob = 1), because a random mask makes J a different "
               "function at every evaluation.")

    st.latex(r"d\theta_{\text{approx}}[i] = "
             r"\frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon},"
             r"\qquad \text{diff} = \frac{\lVert d\theta_{\text{approx}} - d\theta \rVert_2}"
             r"{\lVert d\theta_{\text{approx}} \rVert_2 + \lVert d\theta \rVert_2}")
    st.latex(r"J(\theta) = \frac{1}{m}\sum_{i=1}^{m}\mathcal{L}\big(\hat y^{(i)}, y^{(i)}\big) + "
             r"\frac{\lambda}{2m}\sum_l \lVert W^{[l]}\rVert_F^2")

    st.subheader("2 · Which component is wrong?")
    ui.chart(components, key="components")
    flagged_text = ", ".join(flagged) if flagged else "none"
    ui.explain(f"Blocks at {gradcheck.CLOSER.lo:.0e} or more ({gradcheck.CLOSER.label} or {gradcheck.BUG.label}): "
               f"{flagged_text}. A wrong sign in dW2 lights up only W2; a missing 1/m only b1; a forgotten "
               "L2 term every W but no b (biases are not regularized); dropout left on makes every component noise. "
               "Exact zeros are drawn at the bottom of the log axis.")
    ui.table(table)

    arm = {"round-off": "on the round-off arm, left of the bottom",
           "bottom": "at the bottom of the V",
           "truncation": "on the truncation arm, right of the bottom"}[where.arm]
    band = gradcheck.band(where.at_eps)
    arm_text = (f"Here the correct gradient's two-sided curve bottoms out near ε = {where.best_eps:.0e} "
                f"({where.best:.1e}); the chosen ε = {eps:.2g} is {arm}, where it reads {where.at_eps:.1e}"
                + (f", in the “{band.label}” band." if band is not None else "."))
    tiny = (f"so ε = 1e-12 gives {where.tiny / where.course:,.0f}× the error of ε = 1e-7 here, not less"
            if where.tiny > where.course else f"yet here ε = 1e-12 reads {where.tiny:.1e} against {where.course:.1e}")
    red = (f"The planted bug (red) never reads below {where.bug_min:.1e} for any ε: no choice of ε turns a wrong "
           "gradient into a right one." if where.bug_min is not None else
           "A planted bug adds a red curve: no choice of ε turns a wrong gradient into a right one.")
    st.subheader("3 · Choosing ε")
    ui.chart(sweep, key="sweep")
    ui.explain(
        "For the correct gradient the error is V-shaped on log-log axes. On the right, truncation error: it falls like "
        "ε² for the two-sided difference but only like ε for the one-sided one, so the two-sided version is far more "
        "accurate at the same ε. On the left, round-off: J is only known to about 1e-16, and dividing that by ε "
        f"amplifies it, {tiny}. {arm_text} {red}")

ui.page_footer()
