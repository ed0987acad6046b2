"""optim_viz.schedules: the course's table, each closed form at chosen epochs, per-update conversion."""
import numpy as np
import pytest

from optim_viz import optimizers
from optim_viz import schedules as S


def test_course_table_inverse_time():
    """α₀ = 0.2, decay_rate = 1: epochs 1–4 give 0.1, 0.067, 0.05, 0.04."""
    s = S.inverse_time(0.2, 1.0)
    assert [round(s(e), 3) for e in (1, 2, 3, 4)] == [0.1, 0.067, 0.05, 0.04]
    tab = S.table({"inv": s}, 4)
    np.testing.assert_allclose(tab["inv"], [0.1, 0.2 / 3, 0.05, 0.04])
    np.testing.assert_array_equal(tab["epoch"], [1, 2, 3, 4])


@pytest.mark.parametrize("epoch", [1, 2, 7, 30])
def test_closed_forms(epoch):
    a0 = 0.3
    assert S.inverse_time(a0, 0.5)(epoch) == pytest.approx(a0 / (1 + 0.5 * epoch))
    assert S.exponential(a0, 0.95)(epoch) == pytest.approx(0.95**epoch * a0)
    assert S.inverse_sqrt(a0, 2.0)(epoch) == pytest.approx(2.0 / np.sqrt(epoch) * a0)
    assert S.inverse_sqrt_step(a0, 2.0)(epoch) == pytest.approx(2.0 / np.sqrt(epoch) * a0)
    assert S.constant(a0)(epoch) == a0


def test_staircase_and_interval_forms_hold_then_jump():
    st_ = S.staircase(1.0, drop=0.5, every=3)
    assert [st_(e) for e in range(1, 8)] == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]
    iv = S.interval_inverse_time(0.2, 1.0, interval=2)
    # α₀ / (1 + 1·⌊epoch/2⌋): epochs 1..5 → 0.2, 0.1, 0.1, 0.2/3, 0.2/3
    np.testing.assert_allclose([iv(e) for e in range(1, 6)], [0.2, 0.1, 0.1, 0.2 / 3, 0.2 / 3])


def test_beyond_the_course_schedules():
    c = S.cosine(1.0, total_epochs=10, lr_min=0.1)
    assert c(1) == pytest.approx(1.0) and c(6) == pytest.approx(0.55) and c(11) == pytest.approx(0.1)
    assert c(50) == pytest.approx(0.1) and c.beyond_course
    w = S.linear_warmup(0.4, 4, then=S.inverse_time(0.4, 1.0))
    np.testing.assert_allclose([w(e) for e in range(1, 7)], [0.1, 0.2, 0.3, 0.4, 0.2, 0.4 / 3])
    assert w.beyond_course and not S.inverse_time(0.1, 1).beyond_course


def test_vectorized_over_epochs():
    e = np.arange(1, 11)
    np.testing.assert_allclose(S.exponential(0.2, 0.9)(e), 0.2 * 0.9**e)


def test_per_update_holds_alpha_within_an_epoch():
    lr = S.per_update(S.inverse_time(0.2, 1.0), updates_per_epoch=3)
    # updates 1-3 are epoch 1, 4-6 epoch 2, 7 epoch 3
    np.testing.assert_allclose([lr(t) for t in range(1, 8)], [0.1] * 3 + [0.2 / 3] * 3 + [0.05])
    step = S.inverse_sqrt_step(0.2, 1.0)
    assert S.per_update(step, 100) is step  # already per update


def test_optimizer_uses_the_schedule():
    """sgd with a per-update lr(t): each step is −α(t)·g, checked against the schedule's values."""
    lr = S.per_update(S.exponential(1.0, 0.5), updates_per_epoch=2)
    opt = optimizers.sgd(lr)
    p, state = np.zeros(3), None
    state = opt.init(p)
    g = np.array([1.0, -2.0, 0.5])
    steps = []
    for _ in range(5):
        delta, state = opt.update(g, state, p)
        steps.append(-delta[0])
    np.testing.assert_allclose(steps, [0.5, 0.5, 0.25, 0.25, 0.125])


def test_on_epoch_axis():
    x, a = S.on_epoch_axis(S.inverse_time(0.2, 1.0), 5, 10)
    np.testing.assert_array_equal(x, [1, 2, 3, 4, 5])
    x, a = S.on_epoch_axis(S.inverse_sqrt_step(0.2), 2, 10)
    assert x.size == 20 and x[-1] == 2.0 and a[0] == pytest.approx(0.2)


@pytest.mark.parametrize("make", [lambda: S.inverse_time(0, 1), lambda: S.exponential(0.1, 1.5),
                                  lambda: S.staircase(0.1, 0.5, 0), lambda: S.interval_inverse_time(0.1, 1, 0),
                                  lambda: S.cosine(0.1, 0), lambda: S.per_update(S.constant(0.1), 0)])
def test_invalid_arguments_raise(make):
    with pytest.raises(ValueError):
        make()


H = dict(rate=1.0, base=0.95, k=1.0, drop=0.5, every=10, interval=5, warm=5, epochs=30)
MOVED = dict(rate=2.5, base=0.7, k=0.4, drop=0.2, every=3, interval=2, warm=12, epochs=7)


@pytest.mark.parametrize("name", list(S.PARAMS))
def test_by_name_uses_exactly_the_listed_hyperparameters(name):
    """The LR decay page caches its demo on PARAMS[name] only: every other hyperparameter must not change α."""
    t = np.arange(1, 61)
    base = S.by_name(name, 0.2, H)(t)
    for key in H:
        changed = not np.allclose(S.by_name(name, 0.2, {**H, key: MOVED[key]})(t), base)
        assert changed == (key in S.PARAMS[name]), key


def test_by_name_builds_the_course_forms():
    np.testing.assert_allclose(S.by_name("inverse_time", 0.2, H)(np.arange(1, 5)), 0.2 / (1 + np.arange(1, 5)))
    np.testing.assert_allclose(S.by_name("exponential", 0.2, H)(3), 0.2 * 0.95**3)
    assert S.by_name("cosine", 0.2, H).beyond_course and not S.by_name("staircase", 0.2, H).beyond_course
