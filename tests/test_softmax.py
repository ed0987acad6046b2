"""optim_viz.softmax against scalar loops from the formula, closed forms and central differences; the classifier's
regions; C = 2 softmax against a hand-written logistic-regression loop; the page's worded claims."""
import math

import numpy as np
import pytest

from optim_viz import softmax as S


def softmax_loop(z):
    """ŷ_j = e^{z_j} / Σ_k e^{z_k}, written as a scalar loop with the max subtracted."""
    top = max(z)
    t = [math.exp(v - top) for v in z]
    return [v / sum(t) for v in t]


RNG = np.random.default_rng(0)
LOGITS = [np.array(S.COURSE_LOGITS), RNG.normal(0, 3, 6), RNG.normal(0, 10, 3), np.array([1000.0, -1000.0, 0, 999])]


@pytest.mark.parametrize("z", LOGITS)
def test_softmax_matches_the_scalar_formula_and_sums_to_one(z):
    p = S.softmax(z)
    np.testing.assert_allclose(p, softmax_loop(list(z)), rtol=1e-13, atol=1e-300)
    assert p.sum() == pytest.approx(1.0, abs=1e-15)


def test_course_example():
    p = S.softmax(np.array([5.0, 2.0, -1.0, 3.0]))
    np.testing.assert_allclose(p, [0.842, 0.042, 0.002, 0.114], atol=5e-4)  # the lecture's numbers


def test_columns_and_rows():
    Z = RNG.normal(0, 2, (4, 7))
    np.testing.assert_allclose(S.softmax(Z).sum(axis=0), 1.0)
    np.testing.assert_allclose(S.softmax(Z.T, axis=1), S.softmax(Z).T)
    for j in range(7):
        np.testing.assert_allclose(S.softmax(Z)[:, j], softmax_loop(list(Z[:, j])), rtol=1e-13)


@pytest.mark.parametrize("c", [1.0, -7.5, 1000.0, -1000.0, 1e6])
def test_shift_invariant(c):
    z = np.array(S.COURSE_LOGITS)
    np.testing.assert_allclose(S.softmax(z + c), S.softmax(z), rtol=1e-9)


def test_stable_at_plus_and_minus_1000_where_the_naive_form_is_nan():
    for z in (np.array([1000.0, 1000.0, 999.0, -1000.0]), np.array([-1000.0, -1001.0, -1000.0, -1003.0])):
        p = S.softmax(z)
        assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(p, softmax_loop(list(z)), rtol=1e-13)
        assert np.any(np.isnan(S.naive_softmax(z)))
    w = S.why_stable([1000.0, 0.0])
    assert w.naive_fails and np.isinf(w.t_naive[0]) and w.t[0] == 1.0 and w.shifted.max() == 0.0
    w = S.why_stable([-1000.0, -1000.0])
    assert w.naive_fails and np.all(w.t_naive == 0.0)
    assert not S.why_stable(S.COURSE_LOGITS).naive_fails


def test_temperature():
    z = np.array(S.COURSE_LOGITS)
    np.testing.assert_allclose(S.softmax(z, temperature=2.0), softmax_loop(list(z / 2)), rtol=1e-13)
    np.testing.assert_allclose(S.softmax(z, temperature=0.01), S.hardmax(z), atol=1e-12)
    np.testing.assert_allclose(S.softmax(z, temperature=1e4), 0.25, atol=1e-3)
    with pytest.raises(ValueError):
        S.softmax(z, temperature=0.0)


def test_hardmax():
    np.testing.assert_array_equal(S.hardmax(np.array([5.0, 2.0, -1.0, 3.0])), [1, 0, 0, 0])
    np.testing.assert_array_equal(S.hardmax(np.array([1.0, 3.0, 3.0])), [0, 1, 0])  # first on a tie
    np.testing.assert_array_equal(S.hardmax(np.array([[1.0, 5.0], [2.0, 0.0]])), [[0, 1], [1, 0]])


def test_regime():
    assert S.regime(S.softmax(np.array(S.COURSE_LOGITS), temperature=0.01)) == "close to the hardmax"
    assert S.regime(S.softmax(np.array(S.COURSE_LOGITS), temperature=100)) == "close to uniform"
    assert S.regime(S.softmax(np.array(S.COURSE_LOGITS))) == "in between"


@pytest.mark.parametrize("C", [2, 3, 4, 6])
def test_cross_entropy_gradient_is_y_hat_minus_y(C):
    rng = np.random.default_rng(C)
    for _ in range(5):
        z, y = rng.normal(0, 3, C), S.one_hot([rng.integers(C)], C)[:, 0]
        L = lambda v, y=y: float(S.cross_entropy(S.softmax(v), y))  # noqa: E731 (no shared code with gradient)
        eps = 1e-6
        numeric = np.array([(L(z + eps * e) - L(z - eps * e)) / (2 * eps) for e in np.eye(C)])
        np.testing.assert_allclose(S.gradient(z, y), numeric, atol=1e-8)
        np.testing.assert_allclose(S.gradient(z, y), S.softmax(z) - y, rtol=1e-15)
        np.testing.assert_allclose(S.numeric_gradient(z, y), numeric, atol=1e-8)


def test_loss_from_logits_is_the_cross_entropy_and_stable():
    z, y = np.array(S.COURSE_LOGITS), np.array([0, 0, 1, 0.0])
    assert S.loss_from_logits(z, y) == pytest.approx(-math.log(softmax_loop(list(z))[2]), rel=1e-13)
    assert S.cross_entropy(S.softmax(z), y) == pytest.approx(S.loss_from_logits(z, y), rel=1e-13)
    big = np.array([1000.0, 0.0, -1000.0])
    assert S.loss_from_logits(big, np.array([0, 1, 0.0])) == pytest.approx(1000.0)
    Z, Y = RNG.normal(0, 2, (3, 5)), S.one_hot([0, 1, 2, 1, 0], 3)
    np.testing.assert_allclose(S.loss_from_logits(Z, Y), S.cross_entropy(S.softmax(Z), Y), rtol=1e-12)


def test_one_hot():
    np.testing.assert_array_equal(S.one_hot([2, 0, 1], 3), [[0, 1, 0], [0, 0, 1], [1, 0, 0]])


# -------------------------------------------------------------------------------------------- data

@pytest.mark.parametrize("name", list(S.DATASETS))
@pytest.mark.parametrize("C", [3, 4, 5])
def test_data_shapes_classes_and_seed(name, C):
    X, Y = S.make_data(name, C, 300, 0.2, 1)
    assert X.shape == (2, 300) and Y.shape == (C, 300)
    np.testing.assert_array_equal(Y.sum(axis=0), 1)
    counts = Y.sum(axis=1)
    assert counts.max() - counts.min() <= 1
    X2, Y2 = S.make_data(name, C, 300, 0.2, 1)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError):
        S.make_data("nope", C)


# ----------------------------------------------------------------------------------------- classifier

@pytest.fixture(scope="module")
def spiral():
    X, Y = S.make_data("spiral", 3, 300, 0.2, 0)
    return X, Y, S.train_classifier(X, Y, 0, iterations=300), S.train_classifier(X, Y, 20, iterations=300)


def test_linear_classifier_regions_are_the_argmax_of_W_x_plus_b(spiral):
    X, _, lin, _ = spiral
    assert lin.hidden_units == 0 and lin.params["W1"].shape == (3, 2)
    xs, ys, cls = S.region_grid(lin, (-1, 1, -1.5, 1.5), 30)
    W, b = lin.params["W1"], lin.params["b1"]
    for i in (0, 7, 29):
        for j in (0, 13, 29):
            assert cls[i, j] == np.argmax(W @ np.array([xs[j], ys[i]]) + b[:, 0])


def test_regions_convex_without_a_hidden_layer_but_not_with_one_on_a_spiral(spiral):
    X, Y, lin, deep = spiral
    assert S.convexity_violations(lin, X) == 0.0
    assert S.convexity_violations(deep, X) > 0.05
    assert deep.error < lin.error  # the arms need the hidden layer
    assert lin.history["cost"][-1] < lin.history["cost"][0]


def test_example_numbers(spiral):
    X, Y, lin, _ = spiral
    ex = S.example(lin, X, Y, 5)
    W, b = lin.params["W1"], lin.params["b1"]
    np.testing.assert_allclose(ex.z, W @ X[:, 5] + b[:, 0], rtol=1e-12)
    np.testing.assert_allclose(ex.y_hat, softmax_loop(list(ex.z)), rtol=1e-12)
    np.testing.assert_allclose(ex.dz, ex.y_hat - Y[:, 5], rtol=1e-15)
    np.testing.assert_allclose(ex.dz, ex.dz_numeric, atol=1e-8)
    assert ex.loss == pytest.approx(-math.log(ex.y_hat[Y[:, 5].argmax()]))


# ------------------------------------------------------------------------------ C = 2 is logistic regression

def test_two_class_softmax_is_sigmoid_of_the_logit_difference():
    for z0, z1 in [(0.0, 0.0), (2.0, -1.0), (-300.0, 400.0)]:
        assert S.softmax(np.array([z0, z1]))[1] == pytest.approx(1 / (1 + math.exp(-(z1 - z0))) if z1 - z0 > -700
                                                                  else 0.0, rel=1e-13)


def test_two_class_softmax_trains_like_logistic_regression_at_twice_the_rate():
    X, Y = S.make_data("blobs", 2, 200, 0.2, 3)
    y = Y.argmax(axis=0)
    lr, steps = 0.5, 50
    tc = S.two_class(X, y, lr, steps)
    w, b = np.zeros(2), 0.0  # logistic regression by hand, α = 2·lr
    for _ in range(steps):
        a = 1 / (1 + np.exp(-(w @ X + b)))
        w, b = w - 2 * lr * X @ (a - y) / y.size, b - 2 * lr * np.mean(a - y)
    np.testing.assert_allclose(tc.w_logistic, w, rtol=1e-10)
    assert tc.b_logistic == pytest.approx(b, rel=1e-10, abs=1e-14)
    w_s, b_s = S.logistic_from_softmax(tc.W, tc.b)
    np.testing.assert_allclose(w_s, w, rtol=1e-10)
    assert b_s == pytest.approx(b, rel=1e-9, abs=1e-14)
    np.testing.assert_allclose(tc.W[0], -tc.W[1], rtol=1e-12)
    assert tc.max_difference < 1e-12
    assert tc.cost_softmax == pytest.approx(tc.cost_logistic, rel=1e-12)


# -------------------------------------------------------------------------------------------- words

def test_probabilities_text():
    p = S.softmax(np.array(S.COURSE_LOGITS))
    text = S.probabilities_text(p, 1e-15, 1000.0)
    assert "ŷ sums to 1.000000" in text and "in between" in text and "Adding 1000 to every logit" in text
    assert f"max |ŷ − hardmax| = {1 - p[0]:.3g}" in text


def test_why_text_names_overflow_or_underflow():
    assert "overflows to inf" in S.why_text(S.why_stable([1005.0, 1002.0]))
    assert "underflows to 0" in S.why_text(S.why_stable([-995.0, -998.0]))
    assert "happens to work too" in S.why_text(S.why_stable(S.COURSE_LOGITS))


def test_regions_text():
    t = S.regions_text(0.0, 0.3, 20, 0.4, 0.0)
    assert "Without a hidden layer every region is convex (the boundaries are the straight lines" in t
    assert "with a hidden layer of 20 units 30.0% of segments" in t and "the hidden layer fits the data better" in t
    assert "does not fit the training data better" in S.regions_text(0.0, 0.0, 5, 0.1, 0.2)
