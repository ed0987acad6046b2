"""Softmax in the course's notation: logits ``z`` of shape (C, m) (one column per example), ``t = e^z``,
``ŷ = t / Σ_j t_j`` (computed with max(z) subtracted first), the cross-entropy ``L = −Σ_j y_j log ŷ_j`` and its
gradient ``dz = ŷ − y``; the hardmax; temperature; a softmax classifier on 2-D data with C classes (the network of
``optim_viz.nn`` with a softmax output); and why C = 2 softmax is logistic regression.

    p = softmax.softmax(np.array([5.0, 2.0, -1.0, 3.0]))   # cat, dog, tiger, none
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import nn, optimizers

CLASSES = ("cat", "dog", "tiger", "none")  # the course's C = 4 example
COURSE_LOGITS = (5.0, 2.0, -1.0, 3.0)


def softmax(z, axis: int = 0, temperature: float = 1.0) -> np.ndarray:
    """``ŷ_j = e^{(z_j − max z)/T} / Σ_k e^{(z_k − max z)/T}``: subtracting the max changes nothing
    mathematically (it cancels) but keeps every exponent ≤ 0, so nothing overflows and the sum is ≥ 1."""
    if not temperature > 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    z = np.asarray(z, dtype=float) / temperature
    t = np.exp(z - z.max(axis=axis, keepdims=True))
    return t / t.sum(axis=axis, keepdims=True)


def naive_softmax(z, axis: int = 0) -> np.ndarray:
    """``e^z / Σ e^z`` as written, without the max subtracted: e^1000 overflows to inf (inf/inf = NaN) and
    e^−1000 underflows to 0 (0/0 = NaN). Kept only to show what goes wrong."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        t = np.exp(np.asarray(z, dtype=float))
        return t / t.sum(axis=axis, keepdims=True)


def hardmax(z, axis: int = 0) -> np.ndarray:
    """1 at the largest logit (the first one on a tie), 0 elsewhere."""
    z = np.asarray(z, dtype=float)
    out = np.zeros_like(z)
    np.put_along_axis(out, np.expand_dims(z.argmax(axis=axis), axis), 1.0, axis=axis)
    return out


def cross_entropy(y_hat, y, axis: int = 0) -> np.ndarray:
    """Per example ``L = −Σ_j y_j log ŷ_j`` (y one-hot, or any distribution)."""
    y_hat = np.asarray(y_hat, dtype=float)
    return -np.sum(np.asarray(y, dtype=float) * np.log(np.maximum(y_hat, 1e-300)), axis=axis)


def loss_from_logits(z, y, axis: int = 0) -> np.ndarray:
    """``L(z) = −Σ_j y_j log softmax(z)_j = logsumexp(z) − Σ_j y_j z_j`` (for Σ y = 1), stable for any z."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    zmax = z.max(axis=axis, keepdims=True)
    lse = np.squeeze(zmax, axis) + np.log(np.sum(np.exp(z - zmax), axis=axis))
    return lse * np.sum(y, axis=axis) - np.sum(y * z, axis=axis)


def gradient(z, y, axis: int = 0) -> np.ndarray:
    """``dL/dz = ŷ − y`` (for a one-hot y)."""
    return softmax(z, axis) - np.asarray(y, dtype=float)


def one_hot(labels, C: int) -> np.ndarray:
    """Y of shape (C, m) with ``Y[labels[i], i] = 1``."""
    labels = np.asarray(labels, dtype=int).ravel()
    Y = np.zeros((C, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


class Why(NamedTuple):
    """The stable and the naive computation, step by step, for one logit vector."""
    z: np.ndarray
    shifted: np.ndarray  # z − max z
    t: np.ndarray  # e^(z − max z)
    y_hat: np.ndarray
    t_naive: np.ndarray  # e^z
    y_hat_naive: np.ndarray

    @property
    def naive_fails(self) -> bool:
        return not np.all(np.isfinite(self.y_hat_naive))


def why_stable(z) -> Why:
    """Each step of ``softmax`` next to the naive ``e^z / Σ e^z``."""
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore", under="ignore"):
        t_naive = np.exp(z)
    return Why(z, z - z.max(), np.exp(z - z.max()), softmax(z), t_naive, naive_softmax(z))


def regime(p: np.ndarray, tol: float = 0.01) -> str:
    """Where ŷ sits between the hardmax and the uniform distribution: "close to the hardmax" when it is within
    ``tol`` of the one-hot vector, "close to uniform" when every ŷ_j is within tol of 1/C, else "in between"."""
    p = np.asarray(p, dtype=float)
    if np.max(np.abs(p - hardmax(p))) <= tol:
        return "close to the hardmax"
    if np.max(np.abs(p - 1 / p.size)) <= tol:
        return "close to uniform"
    return "in between"


# --------------------------------------------------------------------------------------------- data

DATASETS = {"blobs": "Blobs", "spiral": "Spiral arms"}


def make_data(name: str = "blobs", C: int = 4, m: int = 300, noise: float = 0.2,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """C classes in 2-D: ``X`` (2, m) and one-hot ``Y`` (C, m), classes of (nearly) equal size, shuffled.

    "blobs": Gaussian clouds (std ``noise + 0.15``) around C points on the unit circle, linearly separable
    but for the overlap; "spiral": C arms winding round the origin, which no linear classifier can separate."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    if not 2 <= C <= 8 or m < C:
        raise ValueError(f"need 2 ≤ C ≤ 8 classes and at least C examples, got C = {C}, m = {m}")
    rng = np.random.default_rng(seed)
    labels = np.arange(m) % C
    if name == "blobs":
        angle = 2 * np.pi * labels / C + np.pi / 4
        X = np.stack([np.cos(angle), np.sin(angle)]) + (noise + 0.15) * rng.standard_normal((2, m))
    else:
        r = rng.uniform(0.1, 1.0, m)
        angle = 2 * np.pi * labels / C + 3.5 * r + noise * rng.standard_normal(m)
        X = np.stack([r * np.cos(angle), r * np.sin(angle)]) * 1.3
    order = rng.permutation(m)
    return X[:, order], one_hot(labels[order], C)


# ---------------------------------------------------------------------------------------- classifier

class Classifier(NamedTuple):
    params: dict
    hidden: str
    history: dict  # nn.train's: iteration, cost
    error: float  # training error rate

    @property
    def hidden_units(self) -> int:
        return nn.layer_dims(self.params)[1] if nn.n_layers(self.params) > 1 else 0


def train_classifier(X: np.ndarray, Y: np.ndarray, hidden_units: int = 0, hidden: str = "relu",
                     lr: float = 0.05, iterations: int = 500, seed: int = 0) -> Classifier:
    """A softmax classifier with no hidden layer (``hidden_units = 0``: z = W x + b) or one hidden layer,
    trained full-batch with Adam on the cross-entropy (``nn.train`` with ``output="softmax"``)."""
    C = Y.shape[0]
    dims = [X.shape[0], C] if hidden_units == 0 else [X.shape[0], int(hidden_units), C]
    params = nn.init_params(dims, "he" if hidden == "relu" else "xavier", np.random.default_rng(seed))
    params, hist = nn.train(params, X, Y, optimizers.adam(lr=lr), iterations, hidden, "softmax",
                            record_every=nn.record_every(iterations))
    return Classifier(params, hidden, hist, nn.error_rate(params, X, Y, hidden, "softmax"))


def predict_proba(clf: Classifier, X: np.ndarray) -> np.ndarray:
    """ŷ (C, m)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return nn.forward(clf.params, X, clf.hidden, "softmax")[0]


def region_grid(clf: Classifier, bounds, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The predicted class on an n × n grid: (xs, ys, classes) with classes[i, j] at (xs[j], ys[i])."""
    xs = np.linspace(bounds[0], bounds[1], n)
    ys = np.linspace(bounds[2], bounds[3], n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, predict_proba(clf, np.vstack([gx.ravel(), gy.ravel()])).argmax(axis=0).reshape(n, n)


def convexity_violations(clf: Classifier, X: np.ndarray, pairs: int = 3000, seed: int = 0) -> float:
    """Fraction of random pairs of points with the same predicted class whose segment (at 1/4, 1/2, 3/4)
    leaves that class. Regions of a linear classifier are intersections of half-planes ``z_k ≥ z_j``, hence
    convex: exactly 0. A hidden layer can bend them (spiral arms): above 0."""
    rng = np.random.default_rng(seed)
    cls = predict_proba(clf, X).argmax(axis=0)
    i, j = rng.integers(0, X.shape[1], (2, pairs))
    same = (cls[i] == cls[j]) & (i != j)
    i, j = i[same], j[same]
    if not i.size:
        return 0.0
    leaves = np.zeros(i.size, dtype=bool)
    for s in (0.25, 0.5, 0.75):
        mid = (1 - s) * X[:, i] + s * X[:, j]
        leaves |= predict_proba(clf, mid).argmax(axis=0) != cls[i]
    return float(np.mean(leaves))


class Example(NamedTuple):
    """One training example through the output layer: logits z, ŷ, y, dz = ŷ − y and the same derivative by
    central differences of L(z) (ε = 1e-6)."""
    index: int
    z: np.ndarray
    y_hat: np.ndarray
    y: np.ndarray
    dz: np.ndarray
    dz_numeric: np.ndarray
    loss: float


def numeric_gradient(z: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """``(L(z + ε e_j) − L(z − ε e_j)) / 2ε`` for each j."""
    z = np.asarray(z, dtype=float)
    E = np.eye(z.size) * eps
    return np.array([(loss_from_logits(z + e, y) - loss_from_logits(z - e, y)) / (2 * eps) for e in E])


def example(clf: Classifier, X: np.ndarray, Y: np.ndarray, i: int) -> Example:
    """The numbers of the output layer for example ``i``."""
    _, caches = nn.forward(clf.params, X[:, [i]], clf.hidden, "softmax")
    z, y = caches[-1]["Z"][:, 0], Y[:, i]
    return Example(int(i), z, softmax(z), y, gradient(z, y), numeric_gradient(z, y),
                   float(loss_from_logits(z, y)))


# ------------------------------------------------------------------------------ C = 2 is logistic regression

def logistic_from_softmax(W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """With C = 2, ``ŷ₁ = e^{z₁}/(e^{z₀} + e^{z₁}) = σ(z₁ − z₀)``: a logistic regression with
    ``w = W[1] − W[0]``, ``b = b[1] − b[0]``."""
    return W[1] - W[0], float(b[1, 0] - b[0, 0])


class TwoClass(NamedTuple):
    """A C = 2 softmax and a logistic regression, both trained by gradient descent from zero, the softmax with
    α and the logistic regression with 2α (then ``W[0] = −W[1]`` throughout and ``w = W[1] − W[0]`` follows
    logistic regression's updates exactly)."""
    W: np.ndarray  # (2, 2) softmax weights
    b: np.ndarray  # (2, 1)
    w_logistic: np.ndarray  # (2,)
    b_logistic: float
    p_softmax: np.ndarray  # ŷ₁ of the softmax on every example
    p_logistic: np.ndarray  # σ(w·x + b) of the logistic regression
    cost_softmax: float
    cost_logistic: float

    @property
    def max_difference(self) -> float:
        return float(np.max(np.abs(self.p_softmax - self.p_logistic)))


def two_class(X: np.ndarray, labels: np.ndarray, lr: float = 0.5, iterations: int = 200) -> TwoClass:
    """Train both on (X, labels ∈ {0, 1}) with ``nn.train`` (plain gradient descent, full batch)."""
    labels = np.asarray(labels, dtype=int).ravel()
    soft, _ = nn.train(nn.init_params([2, 2], "zeros"), X, one_hot(labels, 2), optimizers.sgd(lr=lr), iterations,
                       "linear", "softmax")
    logi, _ = nn.train(nn.init_params([2, 1], "zeros"), X, labels[None, :], optimizers.sgd(lr=2 * lr),
                       iterations, "linear", "sigmoid")
    p_soft = nn.forward(soft, X, "linear", "softmax")[0]
    p_log = nn.forward(logi, X, "linear", "sigmoid")[0]
    return TwoClass(soft["W1"], soft["b1"], logi["W1"][0], float(logi["b1"][0, 0]), p_soft[1], p_log[0],
                    nn.compute_cost(p_soft, one_hot(labels, 2), output="softmax"),
                    nn.compute_cost(p_log, labels[None, :], output="sigmoid"))


# ------------------------------------------------------------------------------ what the page says, worded

def probabilities_text(p: np.ndarray, shift_change: float, shift: float) -> str:
    """The sum, the regime between hardmax and uniform, and the shift invariance, from the numbers."""
    C = p.size
    to_hard = np.max(np.abs(p - hardmax(p)))
    return (f"ŷ sums to {p.sum():.6f}. It is {regime(p)}: max |ŷ − hardmax| = {to_hard:.3g}, "
            f"max |ŷ − 1/{C}| = {np.max(np.abs(p - 1 / C)):.3g}. "
            + (f"Adding {shift:g} to every logit changed ŷ by at most {shift_change:.1e}: softmax is shift-invariant."
               if shift else "Add a shift to every logit: ŷ does not change (softmax is shift-invariant)."))


def why_text(w: Why) -> str:
    """Why the stable form works, and (when it does) why the naive one fails, for the logits shown."""
    top = float(w.z.max())
    stable = (f"The stable form subtracts max z = {top:.6g} first: every exponent is ≤ 0, the largest term is "
              "e⁰ = 1, so nothing overflows and the sum is at least 1.")
    if not w.naive_fails:
        return stable + " At these logits the naive e^z / Σ e^z happens to work too."
    overflow = bool(np.any(np.isinf(w.t_naive)))
    cause = ("e^z overflows to inf, and inf / inf is NaN" if overflow else
             "e^z underflows to 0 for every class, and 0 / 0 is NaN")
    return f"Here the formula as written fails: {cause}. " + stable


def regions_text(linear: float, hidden: float, units: int, err_linear: float, err_hidden: float) -> str:
    """What the two classifiers' regions show: convexity (straight boundaries) and the training errors."""
    def conv(v):
        return ("every region is convex" if v == 0 else
                f"{v:.1%} of segments between same-class points leave their class")
    better = ("the hidden layer fits the data better" if err_hidden < err_linear else
              "the hidden layer does not fit the training data better here" if err_hidden > err_linear else
              "both fit the training data equally well")
    return (f"Without a hidden layer {conv(linear)}"
            + (" (the boundaries are the straight lines z_k = z_j, since z = W x + b)" if linear == 0 else "")
            + f"; with a hidden layer of {units} units {conv(hidden)}. Training error {err_linear:.1%} against "
            f"{err_hidden:.1%}: {better}.")


def example_text(ex: Example) -> str:
    """The example's numbers: its loss and how well dz = ŷ − y matches central differences."""
    k = int(np.argmax(ex.y))
    return (f"True class {k}: L = −log ŷ_{k} = −log {ex.y_hat[k]:.4f} = {ex.loss:.4f}. "
            f"dz = ŷ − y is ŷ_{k} − 1 = "
            f"{ex.dz[k]:+.4f} for the true class and ŷ_j itself for every other class; it matches central "
            f"differences of L(z) to {np.max(np.abs(ex.dz - ex.dz_numeric)):.1e}.")


def two_class_text(tc: TwoClass, lr: float, iterations: int) -> str:
    """The C = 2 identity, worded from the two trained models."""
    w, b = logistic_from_softmax(tc.W, tc.b)
    return (f"Softmax with C = 2 (gradient descent, α = {lr:g}) and logistic regression (α = {2 * lr:g}), "
            f"{iterations} steps each from zero weights: W[1] − W[0] = ({w[0]:.4f}, {w[1]:.4f}), b[1] − b[0] = "
            f"{b:.4f}; the logistic regression's w = ({tc.w_logistic[0]:.4f}, {tc.w_logistic[1]:.4f}), "
            f"b = {tc.b_logistic:.4f}. Their probabilities differ by at most {tc.max_difference:.1e} over all "
            f"examples, and their costs are {tc.cost_softmax:.6f} and {tc.cost_logistic:.6f}.")
