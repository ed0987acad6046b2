"""Optimizer Arena: race optimizers on a 2-D loss surface, animated, with a step inspector."""
import numpy as np
import streamlit as st

import optim_viz_ui as ui
from optim_viz import arena, export, optimizers, presets, surfaces
from optim_viz.figures import arena as draw

SPECS = optimizers.SPECS
NAMES = list(SPECS)
DEFAULT_RACE = ["sgd", "momentum", "rmsprop", "adam"]


def label(name: str) -> str:
    return SPECS[name].label


CUSTOM = "custom"
DEFAULT_EXPR = "x**2 + 10*y**2"


@ui.figure_cache
def get_surface(name: str, expr: str, bounds: tuple):
    """A built-in surface, or the user's expression (validated by the safe parser; ValueError if not)."""
    return surfaces.from_expression(expr, bounds) if name == CUSTOM else surfaces.get(name)


# Caches keyed on what each piece depends on: a moved optimizer control reruns only that optimizer.
@ui.figure_cache
def built_in_backdrops() -> dict:
    """Every built-in surface's colour field and contour lines, made once per process on the first visit
    (~10 ms each): switching surfaces then costs only the race."""
    return {name: draw.background(surfaces.get(name)) for name in surfaces.names()}


@ui.figure_cache
def backdrop(surface_name: str, expr: str, bounds: tuple):
    """The map's colour field and contour lines: they change only with the surface."""
    if surface_name != CUSTOM:
        return built_in_backdrops()[surface_name]
    return draw.background(get_surface(surface_name, expr, bounds))


@ui.figure_cache
def race_runs() -> arena.RaceRuns:
    """One memo of race paths per process: a moved control runs only the optimizers it changes, and a longer
    race continues the shorter one (a deliberate mutable cache; it is thread-safe and bounded)."""
    return arena.RaceRuns(max_runs=64)


@ui.figure_cache
def build(surface_name: str, expr: str, bounds: tuple, entries: tuple, start: tuple, steps: int, adam_bc: bool):
    """Run the race and build its 2-D figures once per distinct set of plain-value inputs (read-only)."""
    surface = get_surface(surface_name, expr, bounds)
    paths = race_runs().get(surface, (surface_name, expr, bounds), entries, start, steps, adam_bc)
    return paths, draw.race_figure(surface, paths, start, back=backdrop(surface_name, expr, bounds))


@ui.figure_cache
def build3d(surface_name: str, expr: str, bounds: tuple, entries: tuple, start: tuple, steps: int, adam_bc: bool):
    """The 3-D view, built only when it is asked for."""
    paths = build(surface_name, expr, bounds, entries, start, steps, adam_bc)[0]
    return draw.surface3d_figure(get_surface(surface_name, expr, bounds), paths)



# Each optimizer's other hyperparameters: label, range, slider step (None: a log slider), widget key suffix.
HYPER = {"beta": ("β (momentum)", 0.0, 0.999, 0.001, "beta"),
         "beta1": ("β₁ (first moment)", 0.0, 0.999, 0.001, "beta1"),
         "beta2": ("β₂ (second moment)", 0.5, 0.9999, 0.0001, "beta2"),
         "eps": ("ε", 1e-10, 0.1, None, "eps"),
         "weight_decay": ("weight decay λ", 1e-4, 1.0, None, "wd")}

def hyper_text(name: str, hyper: tuple, bias_correction: bool = True) -> str:
    """A run's hyperparameters other than α, e.g. 'β₁ 0.9, β₂ 0.999, ε 1e-08' (Adam without bias correction says so)."""
    h = dict(hyper)
    words = [f"{HYPER[k][0].split(' (')[0].split()[-1]} {ui.fmt(h[k]) if HYPER[k][3] is None else f'{h[k]:g}'}"
             for k in HYPER if k in h]  # the symbol the update rule uses: β, β₁, β₂, ε, λ
    if name == "adam" and not bias_correction:
        words.append("no bias correction")
    return ", ".join(words) or "–"


HOW = {"momentum": "momentum averages the alternating gradients away",
       "nesterov": "momentum averages the alternating gradients away",
       **{n: "adaptive methods divide each coordinate by its own gradient size"
          for n in ("rmsprop", "adam", "adamw", "adagrad")}}


def race_story(r: arena.RaceSummary, tol: float, steps: int) -> str:
    """What this race shows, in words built from its numbers (arena.summary)."""
    words = []
    if r.arrivals:
        (win, k), rest = r.arrivals[0], r.arrivals[1:]
        words.append(f"{label(win)} reached f − f* < {ui.fmt(tol)} first, at step {k}"
                     + (": then " + ", ".join(f"{label(n)} ({k})" for n, k in rest) if rest else "") + ".")
    if r.missed:
        words.append(f"Not within the tolerance in {steps} steps: "
                     + ", ".join(label(n) for n in r.missed) + ".")
    if r.diverged:
        words.append("Diverged: " + ", ".join(f"{label(n)} at step {k}" for n, k in r.diverged.items()) + ".")
    if r.first and len(r.reversals) > 1:
        counts = ", ".join(f"{label(n)} {c}" for n, c in r.reversals.items())
        words.append(f"Direction reversals (zig-zags) in the first {r.first} steps: {counts}.")
        gd = r.reversals.get("sgd")
        calmer = [label(n) for n, c in r.reversals.items() if gd is not None and n != "sgd" and c < gd]
        if calmer:
            how = {HOW[n] for n in r.reversals if n in HOW and label(n) in calmer}
            words.append(f"Plain GD follows the gradient straight across the walls; {', '.join(calmer)} "
                         f"{'reverses' if len(calmer) == 1 else 'reverse'} less ({'; '.join(sorted(how))}).")
    return " ".join(words)


ui.page_header(
    "Optimizer Arena",
    "Pick a loss surface and a start, choose optimizers, and press **▶ Play**. Every optimizer starts at "
    "the same point; the faint lines are their whole paths, the dots where each one is at the current step, on "
    "the map and on the loss panel beside it. Click anywhere on the map to start from there.",
)

# A click on the map (handled at the end of the last run) sets the start before the inputs are drawn.
if (pending := st.session_state.pop("_pending_start", None)) is not None:
    st.session_state["x0"], st.session_state["y0"] = pending

with st.sidebar:
    st.header("Race setup")
    ui.presets({name: (note, {**values, "_arena_surface": (values["surface"], DEFAULT_EXPR, None)})
                for name, (note, values) in presets.OPTIMIZER_ARENA.items()})
    surface_name = ui.select(
        "Loss surface", [*surfaces.names(), CUSTOM], "ravine", key="surface",
        format_func=lambda n: "Your own function f(x, y)" if n == CUSTOM else surfaces.get(n).title)
    expr, bounds = DEFAULT_EXPR, None
    if surface_name == CUSTOM:
        expr = ui.text("f(x, y) =", DEFAULT_EXPR, key="expr", max_chars=300,
                       help="Numbers, x, y, pi, e, + − * / ** and sin cos tan exp log sqrt tanh abs sinh cosh arctan.")
        c1, c2 = st.columns(2)
        with c1:
            xr = (ui.number("x from", -1e3, 1e3, -3.0, key="xmin"), ui.number("x to", -1e3, 1e3, 3.0, key="xmax"))
        with c2:
            yr = (ui.number("y from", -1e3, 1e3, -3.0, key="ymin"), ui.number("y to", -1e3, 1e3, 3.0, key="ymax"))
        bounds = (xr, yr)
        try:
            surface = get_surface(CUSTOM, expr, bounds)
        except ValueError as err:
            st.error(f"Cannot use this function: {ui.escape_md(str(err))}. "
                     f"Showing `{DEFAULT_EXPR}` on [−3, 3]² instead.")
            expr, bounds = DEFAULT_EXPR, ((-3.0, 3.0), (-3.0, 3.0))
            surface = get_surface(CUSTOM, expr, bounds)
    else:
        surface = surfaces.get(surface_name)
    surface_id = (surface_name, expr, bounds)
    if st.session_state.get("_arena_surface", surface_id) != surface_id:
        # A new surface brings its own default start and learning rates.
        ui.reset("x0", "y0", "lr", *(f"{n}_lr" for n in NAMES))
    st.session_state["_arena_surface"] = surface_id
    (xa, xb), (ya, yb) = surface.bounds
    c1, c2 = st.columns(2)
    with c1:
        x0 = ui.number("start x", xa, xb, float(surface.start[0]), key="x0", step=0.1, format="%.3f")
    with c2:
        y0 = ui.number("start y", ya, yb, float(surface.start[1]), key="y0", step=0.1, format="%.3f")
    steps = ui.slider("Steps", 10, arena.MAX_STEPS, 300, key="steps", step=10)
    chosen = ui.multiselect("Optimizers", NAMES, DEFAULT_RACE, key="opts", format_func=label)
    same_lr = ui.toggle("Same learning rate for all", False, key="same",
                        help="A fair race on step size: every optimizer gets the same α.")
    if same_lr:
        shared_lr = ui.log_slider("Learning rate α (all)", 1e-4, 1.0, surface.lr[1], key="lr")
    adam_bc = True
    entries = []
    for name in chosen:
        spec = SPECS[name]
        with st.expander(spec.label, expanded=False):
            h = {"lr": shared_lr} if same_lr else {
                "lr": ui.log_slider("learning rate α", 1e-4, 1.0, arena.default_lr(surface, name), key=f"{name}_lr")}
            for hp, (text, lo, hi, step, key) in HYPER.items():
                if hp in spec.defaults:
                    h[hp] = (ui.log_slider(text, lo, hi, spec.defaults[hp], key=f"{name}_{key}") if step is None else
                             ui.slider(text, lo, hi, spec.defaults[hp], key=f"{name}_{key}", step=step,
                                       format=f"%.{len(str(step)) - 2}f"))
            if name == "adam":
                first_step = (1 - h["beta1"]) / np.sqrt(1 - h["beta2"])
                adam_bc = ui.toggle("bias correction", True, key="adam_bc", help=(
                    "Off: v̂ = v and ŝ = s, both biased towards 0 early. ŝ's bias sits under a square root and wins: "
                    f"with these βs the first step is {first_step:.2g}× the corrected one "
                    f"({'larger' if first_step > 1 else 'smaller'})."))
            st.latex(spec.rule)
        entries.append((name, arena.hyper_tuple(name, **h)))
    tol = ui.log_slider("Tolerance for 'reached the minimum' (f − f*)", 1e-8, 0.1, 1e-3, key="tol")

st.caption(f"**{ui.escape_md(surface.title)}.** {ui.escape_md(surface.note)}")


def take_click(event, fig, start: tuple) -> None:
    """A click on the map starts the race there (once per new click); the loss panel's points are not starts."""
    points = [p for p in ((event or {}).get("selection", {}).get("points", []) if event else [])
              if draw.on_map(fig, int(p.get("curve_number", -1)))]
    if points:
        click = (round(float(points[0]["x"]), 3), round(float(points[0]["y"]), 3))
        if click != st.session_state.get("_last_click") and click != start:
            st.session_state["_last_click"] = click
            st.session_state["_pending_start"] = (min(max(click[0], xa), xb), min(max(click[1], ya), yb))
            st.rerun()


if not entries:
    st.info("Pick at least one optimizer in the sidebar to start a race.")
    map_fig = draw.map_figure(surface, (float(x0), float(y0)), backdrop(surface_name, expr, bounds))
    take_click(ui.chart(map_fig, key="race", on_select="rerun", selection_mode="points"), map_fig,
               (float(x0), float(y0)))
    ui.page_footer()
    st.stop()

if steps > (limit := arena.max_steps(surface, len(entries))):
    st.info(f"Your function's gradient takes {arena.step_cost(surface, len(entries)) - len(entries) * arena.UPDATE_OPS}"
            f" NumPy operations per step, so this race runs {limit} steps, not {steps}: the page's work budget is "
            f"what {arena.MAX_OPTIMIZERS} optimizers × {arena.MAX_STEPS} steps cost on a built-in surface. "
            "Fewer optimizers or a shorter function allow more steps.")
    steps = limit
start = (float(x0), float(y0))
race_args = (surface_name, expr, bounds, tuple(entries), start, steps, adam_bc)
paths, race_fig = build(*race_args)
res = arena.results(surface, paths, tol)

event = ui.chart(race_fig, key="race", on_select="rerun", selection_mode="points")
if gone_runs := [f"{label(n)} at step {r.diverged_at}" for n, r in res.items() if r.diverged_at >= 0]:
    # one box under the chart (several above it would push the race below a projector's first screen)
    st.warning(f"**Diverged: {', '.join(gone_runs)}**: {'its' if len(gone_runs) == 1 else 'their'} steps grew "
               "without bound. The learning rate is too large for this surface's curvature; try a smaller α.")
fs = arena.f_star(surface)
ui.explain("Press ▶ Play or drag the step slider: the dots on the map and on the loss panel beside it mark the "
           "same step. " + race_story(arena.summary(surface, paths, tol), tol, steps)
           + ("" if steps < draw.MAX_FRAMES else
              f" (The animation shows every {ui.ordinal(draw.frame_steps(steps)[1])} step; the lines hold every "
              "step.)"))
ui.explain("Loss panel: distance to the best known minimum, f − f*, on a log axis: a straight falling line is "
           "linear convergence; a flat line is a stall; a line that stops is a divergence."
           if np.isfinite(fs) else "Loss panel: the loss f itself: this surface has no minimum, so lower is simply "
           "further down the slope. A line that stops is a divergence.")


def gone(r: arena.Result, value: float, text: str) -> str:
    """A table cell: the number, or what happened to it (never 'nan')."""
    return f"diverged at step {r.diverged_at}" if r.diverged_at >= 0 else text if np.isfinite(value) else "–"


ui.table(
    [{"optimizer": label(n), "α": ui.fmt(dict(h)["lr"]), "other settings": hyper_text(n, h, adam_bc),
      "final f": gone(r, r.final_loss, f"{r.final_loss:.2g}"),
      "to min.": f"{r.distance:.2g}" if np.isfinite(r.distance) and r.diverged_at < 0 else "–",
      "reached": f"diverged at step {r.diverged_at}" if r.diverged_at >= 0 else
      (f"at step {r.steps_to_tol}" if r.steps_to_tol >= 0 else "not reached" if np.isfinite(fs) else "no minimum")}
     for (n, h), r in zip(entries, res.values())],
    column_config={"α": st.column_config.TextColumn(width=55),
                   "other settings": st.column_config.TextColumn(width=270)})  # AdamW's four at 20 px type
st.caption(f"*reached*: the first step with f − f* < {ui.fmt(tol)} (the tolerance slider)." if np.isfinite(fs) else
           ("No minimum was found on a grid over this range" if surface_name == CUSTOM else
            "This surface has no minimum (it is unbounded below)")
           + ", so distance and steps-to-tolerance are blank.")

take_click(event, race_fig, start)

tab3d, tab_inspect, tab_conv, tab_export = st.tabs(
    ["3-D view", "Step inspector", "Momentum conventions & pitfalls", "Export"])
with tab3d:
    # Off by default: a WebGL surface takes seconds to draw on machines without a GPU, even in a hidden tab.
    if ui.toggle("Show the 3-D surface", False, key="show3d"):
        ui.chart(build3d(*race_args), key="surface3d")
    ui.explain("The same paths on the surface itself (height on a log scale where the loss spans decades). "
               "Drag to rotate.")
with tab_inspect:
    c1, c2 = st.columns([1, 2])
    with c1:
        who = ui.select("Optimizer", chosen, chosen[0], key="insp", format_func=label)
        t = ui.slider("Update t", 1, steps, 1, key="t")
    h = dict(dict(entries)[who])
    k = res[who].diverged_at
    with c2:
        st.latex(SPECS[who].rule)
        st.markdown(f"**Update t = {t}** of {steps}: x moves from step {t - 1} to step {t}. This slider sets it; the "
                    "animation above does not move it.")
        if 0 <= k <= t:
            st.warning(f"{label(who)} diverged at step {k}: update t = {t} has no numbers"
                       + (f" (pick t < {k})." if k > 1 else "."))
        else:
            row = arena.inspect_step(who, h, paths[who], t)
            ui.table([{"quantity": q, "x": float(v[0]), "y": float(v[1])} for q, v in row.items()])
    if who in ("adam", "adamw") and not 0 <= k <= t:
        b1, b2 = h["beta1"], h["beta2"]
        ratio = float(np.linalg.norm(row["step without correction"]) / np.linalg.norm(row["step with correction"])) \
            if np.linalg.norm(row["step with correction"]) > 0 else float("nan")
        st.markdown(
            f"At t = {t}, bias correction divides v by 1 − β₁ᵗ = {1 - b1**t:.4g} and s by 1 − β₂ᵗ = {1 - b2**t:.4g}, "
            f"which sits under a square root (√ = {np.sqrt(1 - b2**t):.4g}). Without it this step would be "
            + (f"{ratio:.3g}× the corrected one" + (" (larger: ŝ's bias outweighs v̂'s)" if ratio > 1 else
                                                   " (smaller: v̂'s bias outweighs ŝ's)" if ratio < 1 else "")
               if np.isfinite(ratio) else "undefined here (the gradient is 0)")
            + f". The divisors reach 0.95 at t = {arena.correction_fades(b1)} (β₁ = {b1:g}) and "
            f"t = {arena.correction_fades(b2)} (β₂ = {b2:g})."
            + ("" if adam_bc or who != "adam" else " **Bias correction is off for this run.**"))
    ui.explain("Each row is the number the formula uses at this update, for the x and y coordinates.")
with tab_conv:
    lr_m = next((dict(h)["lr"] for n, h in entries if n == "momentum"), 0.01)
    beta_m = next((dict(h)["beta"] for n, h in entries if n == "momentum"), 0.9)
    st.markdown(
        "**Which momentum runs here.** The course form: $v = \\beta v + (1-\\beta) g$, $x \\leftarrow x - \\alpha v$. "
        "PyTorch's `SGD(momentum=β)` uses $v = \\beta v + g$, whose steps are $1/(1-\\beta)$ times larger: "
        f"to reproduce this run's momentum (α = {ui.fmt(lr_m)}, β = {beta_m:g}) in PyTorch use "
        f"`lr = (1 − β)·α = {ui.fmt((1 - beta_m) * lr_m)}`. Keras/Sutskever write $v = \\beta v - \\alpha g$, "
        "$x \\leftarrow x + v$: again the course run with α scaled by (1 − β).\n\n"
        "**Pitfalls in popular write-ups.** RMSprop divides by $\\sqrt{s} + \\varepsilon$, not by $s$. Adam's step is "
        "$\\alpha\\,\\hat v / (\\sqrt{\\hat s} + \\varepsilon)$, not $\\alpha(\\hat v/\\hat s + \\varepsilon)$. Bias "
        "correction *divides* by $1 - \\beta^t$ and is applied to the reported value, never written back into "
        "the running average. Libraries differ on where ε sits; the course and PyTorch use "
        "$\\sqrt{\\hat s} + \\varepsilon$."
    )
with tab_export:
    st.markdown("Take this race to your slides or notebook.")
    ui.export_section()
    c1, c2 = st.columns(2)
    c1.download_button("Trajectories as CSV (optimizer, step, x, y, loss)", lambda: export.paths_csv(paths),
                       "arena_paths.csv", "text/csv", on_click="ignore",
                       help="One row per optimizer and step; empty after a divergence.")
    series, log = draw.loss_series(surface, paths)
    c2.download_button(f"Loss per step as CSV (step, {'f − f*' if log else 'f'} of each optimizer)",
                       lambda: export.series_csv({"step": np.arange(steps + 1),
                                                  **{f"{label(n)} {'f - f*' if log else 'f'}": y
                                                     for n, y in series.items()}}),
                       "arena_loss.csv", "text/csv", on_click="ignore",
                       help="One row per step, one column per optimizer; empty after a divergence.")
    st.subheader("Animated GIF for slides")
    race_id = (surface_id, tuple(entries), start, steps, adam_bc)
    g1, g2 = st.columns([2, 1])
    frames = g1.slider("GIF frames", 10, 200, 60, step=10, key="_gif_frames",
                       help="More frames give a smoother but larger GIF (640 × 480 pixels).")
    if g2.button("Make GIF", key="_gif_make"):
        bar = st.progress(0.0, text="Drawing frames…")
        st.session_state["_gif"] = (race_id, export.race_gif(
            surface, paths, arena.COLOURS, frames=frames, labels={n: label(n) for n in paths},
            progress=lambda i, n: bar.progress(i / n, text=f"Drawing frame {i} of {n}")))
        bar.empty()
    made_for, gif = st.session_state.get("_gif", (None, None))
    if gif and made_for == race_id:  # a GIF of an earlier race is not offered for this one
        st.download_button(f"Download GIF ({len(gif) / 1e6:.1f} MB)", gif, "arena_race.gif", "image/gif",
                           on_click="ignore")
ui.page_footer(export=False)  # the Export tab has it, with the GIF
