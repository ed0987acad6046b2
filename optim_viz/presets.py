"""Every page's classic demonstrations, in one place: one dict per page, named after the page's file in ``pages/``
(``OPTIMIZER_ARENA`` for ``pages/optimizer_arena.py``), each ``{name: (note, {widget key: value})}``.

The keys are the page's own widget keys (they are also its link parameters). Applying a preset sets those widgets
and returns every other control of the page to its default (``optim_viz_ui.presets``); a key the page has no widget
for is reported on the page, and ``tests/test_presets.py`` checks every key of every preset against its page.
Each note is worded from the library where it states a number, and the page's tests assert its claim.
"""
from __future__ import annotations

from . import ewma, minibatch, schedules


def _arena(surface: str, opts: list[str], steps: int, **values) -> dict:
    """An Arena demonstration's settings, as the Arena page's widget keys and values."""
    return {"surface": surface, "opts": opts, "steps": steps, **values}


def _windows(betas) -> str:
    return ", ".join(f"{ewma.effective_window(b):.0f}" for b in betas)


B_BIAS, B_HUGE = 0.98, 0.999  # EWMA: a β whose start is visibly biased; one that averages over more than the series
FAST_BASE = 0.5  # LR decay: a base that halves α every epoch
M = minibatch.M_DEFAULT
_BIG = {"ds": "moons", "noise": 0.4, "m": 150, "layers": 3, "u1": 50, "u2": 50, "u3": 20}  # the overfitting setup


OPTIMIZER_ARENA = {
    "Momentum damps the ravine": (
        "In the narrow ravine, GD's α must stay below 2/90 for the steep walls, so it zig-zags across them and "
        "crawls along the floor. Momentum averages the alternating gradients away, which lets it take a 5× larger "
        "α: it reverses direction less often and reaches the minimum first.",
        _arena("ravine", ["sgd", "momentum"], 300, sgd_lr=0.02, momentum_lr=0.1)),
    "RMSprop equalizes an elongated bowl": (
        "GD must keep α small for the steep y direction, so it crawls along x. RMSprop divides each coordinate "
        "by its own RMS gradient, so both directions get steps of about α.",
        _arena("elongated_bowl", ["sgd", "rmsprop"], 200, sgd_lr=0.02, rmsprop_lr=0.05)),
    "Adam vs SGD on Rosenbrock": (
        "Following the curved valley to (1, 1) is the hard part. GD's α is capped by the steep walls, so it "
        "creeps along the flat floor and does not get there in 1000 steps; Adam's per-coordinate scaling keeps "
        "moving along the floor and reaches the minimum.",
        _arena("rosenbrock", ["sgd", "adam"], 1000, sgd_lr=0.001, adam_lr=0.1)),
    "Learning rate too high diverges": (
        "The bowl's steepest curvature is 20, so GD is stable only for α < 2/20 = 0.1. At α = 0.11 every step "
        "overshoots further: the table reports the step where it diverged.",
        _arena("elongated_bowl", ["sgd", "momentum"], 200, sgd_lr=0.11, momentum_lr=0.05)),
    "Saddle point: who escapes": (
        "Starting almost on the ridge of x² − y², the gradient along y is tiny. GD and momentum sit at the saddle "
        "for a long time; RMSprop and Adam rescale the tiny gradient and escape quickly.",
        _arena("saddle", ["sgd", "momentum", "rmsprop", "adam"], 200)),
    "Plateau: normalized steps cross it": (
        "Far from the well the gradient is almost zero: GD barely moves. RMSprop and Adam divide by the "
        "gradient's own size and cross the plateau.",
        _arena("plateau", ["sgd", "momentum", "rmsprop", "adam"], 300)),
    "Momentum jumps a local minimum": (
        "On the double well, plain GD settles in the nearer, shallower valley; with α = 0.1 momentum carries "
        "the point over the hump into the deeper one.",
        _arena("double_well", ["sgd", "momentum"], 300, sgd_lr=0.1, momentum_lr=0.1)),
}


EWMA = {
    "The course's three curves": (f"β = 0.5 follows every wiggle (about {_windows([0.5])} days), 0.9 averages about "
                                  f"{_windows([0.9])} days, 0.98 about {_windows([0.98])} days: smooth but shifted "
                                  "to the right.", {"series": "temperature", "omb": 0.1, "cmp": [0.5, 0.9, 0.98]}),
    "Why bias correction": (f"β = {B_BIAS:g}: the uncorrected v_t starts at (1−β)·θ₁, {1 - B_BIAS:.0%} of the first "
                            f"temperature. After 1/(1−β) = {_windows([B_BIAS])} days it is still "
                            f"{ewma.shortfall(B_BIAS, ewma.effective_window(B_BIAS)):.0%} low, and only after "
                            f"{ewma.catch_up(B_BIAS)} days (about 3/(1−β)) within 5% of the corrected curve, which "
                            "starts at θ₁ itself (see the zoom).",
                            {"series": "temperature", "omb": round(1 - B_BIAS, 6), "uncorr": True}),
    "Too much smoothing": (f"β = {B_HUGE:g} averages about {_windows([B_HUGE])} points, more than the whole year of "
                           f"{ewma.series('temperature').size} days: the corrected curve is nearly the mean of all "
                           "days so far, and it lags the season by months.",
                           {"series": "temperature", "omb": round(1 - B_HUGE, 6)}),
    "Smoothing a training loss": ("The trend of a noisy mini-batch loss, as TensorBoard's smoothing slider does "
                                  "(an EWMA; with bias correction it does not start at 0).",
                                  {"series": "loss", "omb": 0.05, "cmp": [0.9, 0.95, 0.99]}),
}


LR_DECAY = {
    "The course's example": (f"α₀ = 0.2, decay_rate = 1: {schedules.course_example()} in epochs 1–4.",
                             {"show": ["inverse_time"], "lr0": 0.2, "rate": 1.0, "epochs": 10}),
    "All course schedules": (f"Every schedule from the lecture ({len(schedules.COURSE)}) on one chart, log scale.",
                             {"show": schedules.COURSE, "logy": True, "epochs": 50}),
    "Decay too fast": (f"{FAST_BASE:g}^epoch · α₀ halves α every epoch: all the steps together add up to at most "
                       f"α₀·Σ {FAST_BASE:g}^epoch = {FAST_BASE / (1 - FAST_BASE):g}·α₀, so the decayed run freezes "
                       "before it reaches the minimum, while the constant-α run ends much closer to it. Decay needs "
                       "tuning too.", {"opt": "sgd", "_demo_opt": "sgd", "dlr": 1.0,
                                       "dsched": "exponential", "base": FAST_BASE, "bs": 64, "depochs": 20}),
    "Adam with and without decay": ("Adam's step α·v̂/(√ŝ + ε) does not shrink as the gradient does, so with a "
                                    "constant α it keeps jittering around the minimum; decay lets it settle.",
                                    {"opt": "adam", "_demo_opt": "adam", "dlr": 0.05, "bs": 8,
                                     "dsched": "inverse_time", "rate": 1.0, "depochs": 20}),
}


MINI_BATCH = {
    "Stochastic vs mini-batch vs batch": ("The course's comparison: size 1 wanders and loses vectorization, "
                                          "size m is smooth but makes one update per epoch, size 64 gets both.",
                                          {"sizes": [1, 64, M], "epochs": 5, "opt": "sgd", "_mb_opt": "sgd",
                                           "lr": 0.3}),
    "Batch GD needs many epochs": ("With size m one epoch is one step: 20 epochs are 20 small steps, while size "
                                   f"128 has made {20 * minibatch.updates_per_epoch(M, 128)}, and ends at a lower "
                                   "cost.",
                                   {"sizes": [128, M], "epochs": 20, "opt": "sgd", "_mb_opt": "sgd", "lr": 1.0}),
    "Momentum smooths the noise": ("Momentum averages the noisy mini-batch gradients (an EWMA with β = 0.9): the "
                                   "paths of sizes 1 and 16 take much shorter, smoother steps than gradient descent's "
                                   "at the same α, yet spread about as far around ★ (the noise is averaged, not "
                                   "removed; switch the optimizer to compare).",
                                   {"sizes": [1, 16, M], "epochs": 5, "opt": "momentum", "_mb_opt": "momentum",
                                    "lr": 0.3}),
}


REGULARIZATION = {
    "Overfitting: big network, small noisy set": (
        "A 50-50-20 network on 150 noisy points: train error near 0%, dev error far higher, and a boundary in "
        "several pieces, with islands around noisy points. The diagnosis says high variance.", dict(_BIG)),
    "L2 smooths the boundary": (
        "The same overfitting setup with λ = 4: every ‖W[l]‖ shrinks, the boundary loses its islands (one piece) "
        "and the train/dev gap closes (compare the three runs in section 3). Against the 0% Bayes error the "
        "diagnosis assumes, it now reads high bias; these points are noisy, so raise the Bayes estimate towards "
        "the train error and the verdict becomes 'neither'.", {**_BIG, "lambd": 4.0, "lc": 4.0}),
    "Dropout narrows the train/dev gap": (
        "The same setup with keep_prob = 0.5 in every hidden layer: no unit can rely on any one input, so the "
        "dropout run's train/dev gap in section 3 is smaller than without regularization.",
        {**_BIG, "kp1": 0.5, "kp2": 0.5, "kp3": 0.5, "kpc": 0.5}),
    "High bias: too small a network": (
        "One hidden layer of 2 units cannot draw a spiral: train and dev errors are both high and close. "
        "The diagnosis says high bias: a bigger network, not regularization, is the fix (try 2 layers of 50).",
        {"ds": "spiral", "noise": 0.1, "layers": 1, "u1": 2}),
    "λ too large underfits": (
        "λ = 5 on nearly noise-free moons, which the unregularized network classifies without error: the "
        "weights are pulled so close to 0 that the boundary becomes far simpler than the data, and the train "
        "error rises well above 0%. The diagnosis says high bias: too much regularization underfits.",
        {"ds": "moons", "noise": 0.1, "lambd": 5.0, "lc": 5.0}),
}


NORMALIZATION = {
    "Very different feature scales": (
        "x₁ is 100 times larger than x₂: the raw contours are a long thin valley (κ in the thousands) and "
        "gradient descent does not reach the tolerance; after normalizing, κ ≈ 1 and it takes a few dozen steps.",
        {"ratio": 100.0, "offset": 0.0, "opts": ["sgd"]}),
    "Already normalized: nothing to gain": (
        "Both features already have mean 0 and variance 1: raw and normalized contours are both round (κ ≈ 1), "
        "so there is nothing to gain. Normalizing does not always save steps: here it costs gradient descent and "
        "momentum a few dozen (the table), while Adam saves some.",
        {"ratio": 1.0, "offset": 0.0}),
    "Subtract the mean too: an offset alone elongates": (
        "Same scale, but both features have mean 5. They are nearly uncorrelated; the valley comes from the large "
        "shared mean: every entry of the uncentred XXᵀ/m is close to 25, so it is nearly singular and the valley is "
        "long and tilted. Subtracting μ alone makes it round; dividing by σ alone would not (section 1 gives κ at "
        "each stage).",
        {"ratio": 1.0, "offset": 5.0, "opts": ["sgd"]}),
    "Momentum/Adam recover part of it": (
        "On the badly scaled raw inputs gradient descent would need tens of thousands of steps; momentum gets there "
        "in far fewer and Adam, which rescales each coordinate, faster still. All three are fast once the inputs "
        "are normalized.",
        {"ratio": 50.0, "offset": 2.0, "opts": ["sgd", "momentum", "adam"]}),
}


INITIALIZATION = {
    "Zeros never break symmetry": (
        "Started from zeros or a constant, every hidden unit gets the same gradient: in section 3 the lines lie on "
        "top of each other, and in section 4 those runs stay at log 2 (predicting 0.5 everywhere).",
        {"act": "tanh", "inits": ["zeros", "constant", "he"], "scale": 0.5}),
    "Scale 1.0 explodes": (
        "W = randn · 1.0 with 100 units multiplies the ReLU activations by about √(n/2) ≈ 7 per layer: the random "
        "line climbs many orders of magnitude while He stays flat.",
        {"act": "relu", "scale": 1.0, "inits": ["random", "he"]}),
    "Xavier with tanh": (
        "With tanh, Var(w) = 1/n keeps the activations in a useful range through 20 layers (they shrink only "
        "slowly where tanh bends), while randn · 0.01 vanishes by about 20 orders of magnitude.",
        {"act": "tanh", "inits": ["random", "xavier"], "scale": 0.01}),
    "He with ReLU at depth 50": (
        "50 ReLU layers: He (Var = 2/n) keeps the spread flat; Xavier (1/n) loses a factor √2 per layer, so after "
        "50 layers its activations are about 2^25 ≈ 3·10⁷ times smaller.",
        {"depth": 50, "act": "relu", "inits": ["xavier", "he"]}),
    "Linear net: 1.5^(L−1) vs 0.5^(L−1)": (
        "A deep linear network with weights w·I: w = 1.5 makes ŷ explode like 1.5^(L−1), w = 0.5 makes it vanish "
        "like 0.5^(L−1) (section 2), although both are close to the identity. In section 1 He (Var = 2/n, meant for "
        "ReLU) explodes in a linear net while Xavier stays flat.",
        {"depth": 40, "act": "linear", "inits": ["xavier", "he"]}),
}


GRADIENT_CHECK = {
    "Correct backprop passes": (
        "Backprop as written in the course, ε = 1e-7: the relative difference is far below 1e-7, in the green "
        "“great” band.",
        {"bug": "none"}),
    "Bug: wrong sign in dW2": (
        "The relative difference jumps far above 1e-3 and only the W2 block lights up in section 2.", {"bug": "sign"}),
    "Bug: db1 without the 1/m": (
        "Well above 1e-3; only b1 is wrong, by a factor m = 20.", {"bug": "factor"}),
    "Bug: L2 term missing from dW": (
        "λ is in J but not in dW: every W block is off and no b block is (biases are not regularized).",
        {"bug": "l2", "lambd": 0.7}),
    "Bug: dropout left on": (
        "Each cost evaluation draws a new mask, so J is a different function every time: every component is noise. "
        "Turn dropout off (keep_prob = 1) while checking.", {"bug": "dropout"}),
    "ε too small: round-off": (
        "Correct backprop, but ε = 1e-12: J is only known to about 1e-16, and dividing its round-off by 2ε blows it "
        "up, so the check reads thousands of times worse than at ε = 1e-7, outside the green band. See the left arm "
        "of the V in section 3.", {"eps": 1e-12}),
}


HYPERPARAMETER_SEARCH = {
    "Grid search wastes runs": (
        "A 5 × 5 grid tries only 5 learning rates, because ε (which barely matters) takes the other factor of "
        "5; 25 random points try 25 learning rates with the same budget of runs.", {"k": 5}),
    "A tiny budget: 3 × 3": (
        "With 9 runs the grid tries only 3 learning rates, two decades apart; random search tries 9.", {"k": 3}),
    "Uniform sampling of α": (
        "10 000 samples of α in [1e-4, 1]: uniformly, about 90% land in the top decade [0.1, 1]; on a log scale "
        "each of the 4 decades gets about a quarter.", {"n": 10000}),
    "The timid panda": (
        "α = 0.01 for the whole run: the babysat cost falls slowly, and the best of the parallel runs ends lower.",
        {"seq": "0.01, 0.01, 0.01, 0.01, 0.01, 0.01"}),
    "The panda who pushes too hard": (
        "α = 1 for the whole run: the babysat cost bounces up in some epochs instead of settling.",
        {"seq": "1, 1, 1, 1, 1, 1"}),
}


BATCH_NORM = {
    "A learning rate the plain network cannot take": (
        "Gradient descent with α = 3 on tanh units. Without batch norm the units' inputs drift far out into tanh's "
        "flat ends (shaded) and the cost ends far higher; with batch norm every layer's input is re-centred and "
        "re-scaled at every step, and the same α trains.",
        {"lr": 3.0, "act": "tanh", "batch": 64}),
    "A gentle learning rate: both train": (
        "At α = 0.3 the plain network trains well too (its training cost ends under 0.1): batch norm's gain is the "
        "large rates it tolerates, not a faster descent at every rate.",
        {"lr": 0.3, "act": "tanh", "batch": 64}),
    "ReLU at a large rate": (
        "ReLU units with α = 3: the plain network ends no better than a constant guess (cost about log 2 ≈ 0.69, "
        "error about 50%); with batch norm it trains.",
        {"lr": 3.0, "act": "relu", "batch": 64}),
    "Tiny mini-batches: noisy statistics": (
        "Mini-batches of 8, layer 1: the batch μ and σ² jump far more around their running averages (section 3) "
        "than with 64, and each example's z_norm depends on its 7 companions (section 4): the noise behind batch "
        "norm's slight regularization effect.",
        {"batch": 8, "layer": 1}),
}


SOFTMAX = {
    "The course's example": (
        "z = (5, 2, −1, 3) for cat, dog, tiger, none: cat gets most of the probability, and the hardmax picks it.",
        {"z0": 5.0, "z1": 2.0, "z2": -1.0, "z3": 3.0}),
    "Logits near +1000": (
        "Every logit shifted by +1000: the naive e^z overflows to inf and inf/inf is NaN; with the max subtracted "
        "the probabilities are exactly those of the unshifted logits.", {"shift": 1000.0}),
    "Logits near −1000": (
        "Every logit shifted by −1000: the naive e^z underflows to 0 and 0/0 is NaN; the stable form is unchanged.",
        {"shift": -1000.0}),
    "Low temperature: towards the hardmax": (
        "T = 0.01 divides the logits by 0.01, so they spread to hundreds: softmax becomes the hardmax.",
        {"temp": 0.01}),
    "High temperature: towards uniform": (
        "T = 100 shrinks the logits towards 0: every class gets nearly 1/4.", {"temp": 100.0}),
    "A spiral needs a hidden layer": (
        "Spiral arms: the softmax without a hidden layer can only cut the plane with straight lines; with a "
        "hidden layer the regions follow the arms.", {"ds": "spiral", "C": 3}),
}


BY_PAGE = {"optimizer_arena": OPTIMIZER_ARENA, "ewma": EWMA, "lr_decay": LR_DECAY, "mini_batch": MINI_BATCH,
           "regularization": REGULARIZATION, "normalization": NORMALIZATION, "initialization": INITIALIZATION,
           "gradient_check": GRADIENT_CHECK, "hyperparameter_search": HYPERPARAMETER_SEARCH,
           "batch_norm": BATCH_NORM, "softmax": SOFTMAX}
