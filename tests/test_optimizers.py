"""Each optimizer against a scalar loop written directly from the course formula."""
import math

import numpy as np
import pytest

from optim_viz import optimizers, simulate, surfaces

BOWL = surfaces.get("elongated_bowl")
ROSEN = surfaces.get("rosenbrock")


def scalar_reference(name, h, grad, x0, steps):
    """Plain-Python loop over one coordinate pair, written from COURSE.md / the issue's rules."""
    x = list(x0)
    v = [0.0, 0.0]
    s = [0.0, 0.0]
    out = [tuple(x)]
    for t in range(1, steps + 1):
        g = grad(*x)
        for i in range(2):
            gi = g[i]
            if name == "sgd":
                x[i] -= h["lr"] * gi
            elif name == "momentum":
                v[i] = h["beta"] * v[i] + (1 - h["beta"]) * gi
                x[i] -= h["lr"] * v[i]
            elif name == "nesterov":
                v[i] = h["beta"] * v[i] + (1 - h["beta"]) * gi
                x[i] -= h["lr"] * (h["beta"] * v[i] + (1 - h["beta"]) * gi)
            elif name == "rmsprop":
                s[i] = h["beta2"] * s[i] + (1 - h["beta2"]) * gi * gi
                x[i] -= h["lr"] * gi / (math.sqrt(s[i]) + h["eps"])
            elif name == "adagrad":
                s[i] += gi * gi
                x[i] -= h["lr"] * gi / (math.sqrt(s[i]) + h["eps"])
            elif name in ("adam", "adamw"):
                v[i] = h["beta1"] * v[i] + (1 - h["beta1"]) * gi
                s[i] = h["beta2"] * s[i] + (1 - h["beta2"]) * gi * gi
                v_hat = v[i] / (1 - h["beta1"] ** t)
                s_hat = s[i] / (1 - h["beta2"] ** t)
                decay = h["lr"] * h["weight_decay"] * x[i] if name == "adamw" else 0.0
                x[i] -= h["lr"] * v_hat / (math.sqrt(s_hat) + h["eps"]) + decay
        out.append(tuple(x))
    return np.array(out)


HYPER = {
    "sgd": {"lr": 0.002},
    "momentum": {"lr": 0.002, "beta": 0.9},
    "nesterov": {"lr": 0.002, "beta": 0.8},
    "rmsprop": {"lr": 0.01, "beta2": 0.9, "eps": 1e-8},
    "adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adagrad": {"lr": 0.1, "eps": 1e-8},
    "adamw": {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.1},
}


def test_every_optimizer_is_covered():
    assert set(HYPER) == set(optimizers.SPECS)


@pytest.mark.parametrize("name", list(HYPER))
def test_steps_match_scalar_loop(name):
    h = HYPER[name]
    grad = lambda x, y: ROSEN.grad(x, y)  # noqa: E731
    ref = scalar_reference(name, {**optimizers.SPECS[name].defaults, **h}, grad, (-1.2, 1.4), 25)
    path = simulate.run(optimizers.make(name, **h), ROSEN, np.array([-1.2, 1.4]), 25)
    np.testing.assert_allclose(path.xy[:, 0, :], ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(HYPER))
def test_batch_equals_one_by_one(name):
    starts = np.array([[-1.5, 2.0], [0.5, -1.0], [1.2, 1.2]])
    opt = optimizers.make(name, **HYPER[name])
    batch = simulate.run(opt, ROSEN, starts, 40)
    for i, p0 in enumerate(starts):
        single = simulate.run(opt, ROSEN, p0, 40)
        np.testing.assert_array_equal(batch.xy[:, i], single.xy[:, 0])


@pytest.mark.parametrize("name", list(HYPER))
def test_array_hyperparameters_equal_separate_scalar_runs(name):
    h = HYPER[name]
    key = "lr"
    lrs = np.array([0.5, 1.0, 1.5]) * h[key]
    start = np.tile([[-1.0, 1.5]], (3, 1))
    swept = simulate.run(optimizers.make(name, **{**h, key: lrs}), ROSEN, start, 30)
    for i, lr in enumerate(lrs):
        one = simulate.run(optimizers.make(name, **{**h, key: lr}), ROSEN, start[i], 30)
        np.testing.assert_allclose(swept.xy[:, i], one.xy[:, 0], rtol=1e-13, atol=0)


def test_array_beta_broadcasts():
    betas = np.array([0.0, 0.5, 0.9])
    start = np.tile([[3.0, 1.0]], (3, 1))
    swept = simulate.run(optimizers.momentum(0.01, betas), BOWL, start, 20)
    for i, b in enumerate(betas):
        one = simulate.run(optimizers.momentum(0.01, b), BOWL, start[i], 20)
        np.testing.assert_allclose(swept.xy[:, i], one.xy[:, 0], rtol=1e-13)


CONVERGE = {"sgd": 0.09, "momentum": 0.09, "nesterov": 0.09, "rmsprop": 0.02, "adam": 0.05,
            "adagrad": 0.5, "adamw": 0.05}


@pytest.mark.parametrize("name", list(CONVERGE))
def test_converges_near_minimum_on_bowl(name):
    path = simulate.run(optimizers.make(name, lr=CONVERGE[name]), BOWL, np.array([-3.5, 1.2]), 600)
    assert path.diverged_at[0] == -1
    dist = np.linalg.norm(path.xy[-1, 0])
    # RMSprop/Adam steps are ~α long whatever |g| is, so with a fixed α they hover within ~α of the minimum
    tol = 0.05 if name in ("adamw", "rmsprop", "adam") else 1e-2
    assert dist < tol, dist


def test_momentum_conventions_match_with_rescaled_lr():
    """PyTorch form v = βv + g with α(1−β) equals the course form v = βv + (1−β)g with α."""
    beta, lr = 0.9, 0.01
    course = simulate.run(optimizers.momentum(lr, beta), BOWL, np.array([-3.0, 1.0]), 50).xy[:, 0]
    x, v, out = np.array([-3.0, 1.0]), np.zeros(2), [np.array([-3.0, 1.0])]
    for _ in range(50):
        v = beta * v + BOWL.grad_xy(x)
        x = x - lr * (1 - beta) * v
        out.append(x)
    np.testing.assert_allclose(course, np.array(out), rtol=1e-12)


def test_adam_without_bias_correction_takes_tiny_first_steps():
    g = np.array([[2.0, -4.0]])
    opt_on, opt_off = optimizers.adam(0.1), optimizers.adam(0.1, bias_correction=False)
    d_on, _ = opt_on.update(g, opt_on.init(np.zeros((1, 2))), np.zeros((1, 2)))
    d_off, _ = opt_off.update(g, opt_off.init(np.zeros((1, 2))), np.zeros((1, 2)))
    # first corrected step is lr·sign(g); uncorrected is lr·(1−β1)g/√((1−β2)g²) = lr·0.1/√0.001·sign(g)
    np.testing.assert_allclose(d_on, -0.1 * np.sign(g), rtol=1e-6)
    np.testing.assert_allclose(d_off, -0.1 * 0.1 / math.sqrt(0.001) * np.sign(g), rtol=1e-6)


def test_callable_lr_receives_update_count():
    seen = []
    opt = optimizers.sgd(lambda t: seen.append(t) or 0.1 / t)
    path = simulate.run(opt, BOWL, np.array([1.0, 0.0]), 3)
    assert seen == [1, 2, 3]
    x = 1.0
    for t in (1, 2, 3):
        x -= 0.1 / t * x
    assert path.xy[-1, 0, 0] == pytest.approx(x, rel=1e-14)


def test_update_is_pure():
    opt = optimizers.adam(0.1)
    p = np.array([[1.0, 2.0]])
    st = opt.init(p)
    g = np.array([[0.5, -0.5]])
    d1, s1 = opt.update(g, st, p)
    d2, s2 = opt.update(g, st, p)
    np.testing.assert_array_equal(d1, d2)
    assert st.t == 0 and not st.v.any() and s1.t == 1
