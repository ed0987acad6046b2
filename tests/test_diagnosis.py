"""The course's bias/variance table and the basic recipe."""
import pytest

from optim_viz import diagnosis


@pytest.mark.parametrize("train,dev,bias,variance,label", [
    (0.01, 0.11, False, True, "high variance"),
    (0.15, 0.16, True, False, "high bias"),
    (0.15, 0.30, True, True, "high bias and high variance"),
    (0.005, 0.01, False, False, "neither (low bias, low variance)"),
])
def test_course_table_with_bayes_near_zero(train, dev, bias, variance, label):
    d = diagnosis.diagnose(train, dev, bayes_error=0.0)
    assert (d.high_bias, d.high_variance, d.label) == (bias, variance, label)
    assert d.avoidable_bias == pytest.approx(train) and d.variance == pytest.approx(dev - train)


def test_next_step_follows_the_basic_recipe():
    assert diagnosis.diagnose(0.15, 0.16).next_step == diagnosis.BIAS_STEPS
    assert diagnosis.diagnose(0.01, 0.11).next_step == diagnosis.VARIANCE_STEPS
    both = diagnosis.diagnose(0.15, 0.30).next_step
    assert both.index(diagnosis.BIAS_STEPS) < both.index(diagnosis.VARIANCE_STEPS)  # bias first
    assert diagnosis.diagnose(0.005, 0.01).next_step == diagnosis.DONE


def test_bayes_error_changes_the_verdict():
    # 15%/16% is high bias against ~0% Bayes error, but fine when humans also get 15% wrong
    assert diagnosis.diagnose(0.15, 0.16, bayes_error=0.15).label.startswith("neither")
    assert diagnosis.diagnose(0.15, 0.16, bayes_error=0.15).avoidable_bias == pytest.approx(0.0)


def test_tolerance_is_the_threshold():
    assert diagnosis.diagnose(0.0, 0.05, tolerance=0.05).high_variance is False
    assert diagnosis.diagnose(0.0, 0.051, tolerance=0.05).high_variance is True


@pytest.mark.parametrize("args", [(-0.1, 0.1), (0.1, 1.2), (0.1, 0.1, 2.0), (float("nan"), 0.1)])
def test_rejects_values_outside_rates(args):
    with pytest.raises(ValueError):
        diagnosis.diagnose(*args)


def test_gap_change_narrows_closes_and_compares_dev_errors():
    before = {"train": 0.0, "dev": 0.267}
    c = diagnosis.gap_change(before, {"train": 0.167, "dev": 0.167})
    assert c.gap_before == pytest.approx(0.267) and c.gap_after == pytest.approx(0.0)
    assert c.narrower and c.closed and c.dev_better and c.train_after == pytest.approx(0.167)
    c = diagnosis.gap_change(before, {"train": 0.067, "dev": 0.233})
    assert c.narrower and not c.closed and c.dev_better  # 16.6% is narrower, not closed
    c = diagnosis.gap_change({"train": 0.0, "dev": 0.0}, {"train": 0.0, "dev": 0.01})
    assert not c.narrower and c.closed and not c.dev_better  # within tolerance, yet wider than before
    assert diagnosis.gap_change(before, {"train": 0.05, "dev": 0.08}, tolerance=0.01).closed is False
