"""The experiment statistics against an independent implementation (statsmodels) and against
simulations with a known answer: intervals cover the true effect as often as they claim,
A/A tests reject as rarely as they claim, CUPED narrows without bias, a broken split is caught.

Each simulation draws its experiments from fixed seeds, so a run is reproducible; the bounds
are set where a correct method fails with negligible probability over that many experiments
(400 experiments: a 95% coverage has a standard deviation of 1.1 points).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import example, given, settings
from hypothesis import strategies as st
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttest_ind

from livelake.experiments.stats import Moments, compare, sample_ratio

EXPERIMENTS = 400
UNITS = 10_000  # per variant


def covers(comparison, truth: float) -> bool:
    return comparison.ci_low <= truth <= comparison.ci_high


def conversion_experiment(rng, base: float, lift: float, units: int = UNITS):
    """Per-user purchases (0/1): control at `base`, treatment at `base + lift`."""
    control = rng.binomial(1, base, units)
    treatment = rng.binomial(1, base + lift, units)
    return Moments.of(control), Moments.of(treatment)


def test_welch_delta_interval_and_p_value_agree_with_statsmodels():
    rng = np.random.default_rng(3)
    control = rng.gamma(2.0, 30.0, 3_000)  # dwell seconds: skewed, unequal variances
    treatment = rng.gamma(2.2, 31.0, 2_500)
    ours = compare(Moments.of(control), Moments.of(treatment))

    _, p_value, _ = ttest_ind(treatment, control, usevar="unequal")
    low, high = CompareMeans(DescrStatsW(treatment), DescrStatsW(control)).tconfint_diff(
        alpha=0.05, usevar="unequal"
    )
    assert ours.delta == pytest.approx(treatment.mean() - control.mean(), abs=1e-9)
    assert ours.ci_low == pytest.approx(low, abs=1e-6)
    assert ours.ci_high == pytest.approx(high, abs=1e-6)
    assert ours.p_value == pytest.approx(p_value, abs=1e-6)
    assert ours.relative_lift == pytest.approx(ours.delta / control.mean(), abs=1e-12)


def test_cuped_estimate_is_the_regression_coefficient_of_the_variant():
    rng = np.random.default_rng(5)
    pre_c, pre_t = rng.normal(100, 20, 3_000), rng.normal(100, 20, 3_000)
    post_c = 0.8 * pre_c + rng.normal(0, 10, 3_000)
    post_t = 0.8 * pre_t + rng.normal(0, 10, 3_000) + 2.0
    ours = compare(Moments.of(post_c, c=pre_c), Moments.of(post_t, c=pre_t))

    outcome = np.concatenate([post_c, post_t])
    design = sm.add_constant(
        np.column_stack([np.r_[np.zeros(3_000), np.ones(3_000)], np.concatenate([pre_c, pre_t])])
    )
    fit = sm.OLS(outcome, design).fit(cov_type="HC2")
    assert ours.delta == pytest.approx(fit.params[1], abs=1e-6)
    assert ours.cuped_theta == pytest.approx(fit.params[2], abs=1e-6)
    # Our per-variant variances of the adjusted values against the regression's robust error:
    # not the same estimator, but they must agree closely at this size.
    se = (ours.ci_high - ours.ci_low) / (2 * 1.96)
    assert se == pytest.approx(fit.bse[1], rel=0.02)


def test_conversion_intervals_cover_the_true_lift_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    truth = 0.005  # +0.5 pp on a 2.8% base: the plan's first step
    hits = sum(
        covers(compare(*conversion_experiment(rng, 0.028, truth)), truth)
        for _ in range(EXPERIMENTS)
    )
    assert 0.92 <= hits / EXPERIMENTS <= 0.98


def test_an_a_a_experiment_rejects_at_most_as_often_as_alpha_says():
    rng = np.random.default_rng(13)
    rejected = sum(
        compare(*conversion_experiment(rng, 0.028, 0.0)).significant for _ in range(EXPERIMENTS)
    )
    # 5% expected; a method that never rejects would be useless too.
    assert 0.02 <= rejected / EXPERIMENTS <= 0.07


def conversions_per_visit(rng, rate: float):
    """Users visit 1+ times and convert per visit at their own rate (mean `rate`)."""
    visits = rng.poisson(3.0, UNITS) + 1
    return Moments.of(rng.binomial(visits, rng.beta(2, 2 / rate - 2, UNITS)), y=visits)


def dwell_per_visit(rng, seconds: float):
    """Users visit 1+ times and stay a gamma-distributed time per visit (mean `seconds`):
    a unit's total dwell grows with its visits, so the covariance term matters."""
    visits = rng.poisson(3.0, UNITS) + 1
    user_mean = rng.gamma(25.0, seconds / 25.0, UNITS)
    return Moments.of(rng.gamma(2.0 * visits, user_mean / 2.0), y=visits)


@pytest.mark.parametrize(
    ("metric", "control", "treatment"),
    [(conversions_per_visit, 0.020, 0.026), (dwell_per_visit, 40.0, 43.0)],
)
def test_ratio_metric_intervals_cover_the_true_ratio_difference(metric, control, treatment):
    """Per-visit metrics of users: the delta method's interval covers the true difference of
    the ratios at its nominal rate."""
    rng = np.random.default_rng(17)
    hits = 0
    for _ in range(EXPERIMENTS):
        result = compare(metric(rng, control), metric(rng, treatment))
        hits += covers(result, treatment - control)
    assert 0.92 <= hits / EXPERIMENTS <= 0.98


def test_cuped_narrows_the_interval_without_bias_where_the_pre_period_predicts():
    rng = np.random.default_rng(19)
    truth = 1.5
    plain_widths, cuped_widths, estimates, hits = [], [], [], 0
    for _ in range(EXPERIMENTS // 2):
        pre = rng.gamma(2.0, 10.0, (2, UNITS))  # pre-exposure engagement per user
        noise = rng.normal(0, 12.0, (2, UNITS))
        post = 0.9 * pre + noise
        post[1] += truth
        control, treatment = Moments.of(post[0], c=pre[0]), Moments.of(post[1], c=pre[1])
        plain = compare(control, treatment, cuped=False)
        cuped = compare(control, treatment)
        plain_widths.append(plain.ci_high - plain.ci_low)
        cuped_widths.append(cuped.ci_high - cuped.ci_low)
        estimates.append(cuped.delta)
        hits += covers(cuped, truth)
    narrower = 1 - np.mean(cuped_widths) / np.mean(plain_widths)
    assert narrower >= 0.20
    # Unbiased: the mean estimate is within 3 standard errors of the truth.
    spread = np.std(estimates) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - truth) <= 3 * spread
    assert 0.92 <= hits / len(estimates) <= 0.98


def test_a_sample_ratio_mismatch_is_flagged_and_a_fair_split_is_not():
    assert sample_ratio([10_300, 9_700], [0.5, 0.5]).mismatch
    assert not sample_ratio([10_030, 9_970], [0.5, 0.5]).mismatch
    # Uneven declared shares are the expectation, not a mismatch.
    assert not sample_ratio([2_010, 7_990], [0.2, 0.8]).mismatch
    rng = np.random.default_rng(23)
    fair = [rng.binomial(20_000, 0.5) for _ in range(EXPERIMENTS)]
    flagged = sum(sample_ratio([n, 20_000 - n], [0.5, 0.5]).mismatch for n in fair)
    assert flagged <= 3  # 0.1% expected


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="sum to 1"):
        sample_ratio([10, 10], [0.5, 0.4])
    with pytest.raises(ValueError, match="at least 2 units"):
        compare(Moments.of([1.0]), Moments.of([1.0, 2.0]))
    with pytest.raises(ValueError, match="both be ratio"):
        compare(Moments.of([1.0, 2.0], y=[1, 1]), Moments.of([1.0, 2.0]))


@settings(max_examples=50, deadline=None)
@example(a=[0.0, 0.0, 1.0], b=[0.0, 0.0, 3.302526273081617e-168])  # a control mean near 0
@example(a=[0.0, 0.0, 1.0], b=[208.78992855241268] * 3)  # equal values: variance -1e-12
@given(
    st.lists(st.floats(0, 1e4), min_size=3, max_size=40),
    st.lists(st.floats(0, 1e4), min_size=3, max_size=40),
)
def test_swapping_the_variants_negates_the_difference(a, b):
    forward = compare(Moments.of(a), Moments.of(b))
    backward = compare(Moments.of(b), Moments.of(a))
    assert forward.delta == pytest.approx(-backward.delta, abs=1e-6)
    assert forward.p_value == pytest.approx(backward.p_value, abs=1e-9)
