"""The decision rule, case by case: each verdict, and the order in which the rule applies."""

from __future__ import annotations

import numpy as np
import pytest

from livelake.experiments.decision import MetricResult, Verdict, decide
from livelake.experiments.stats import Moments, compare, sample_ratio

FAIR = sample_ratio([20_000, 20_000], [0.5, 0.5])
BROKEN = sample_ratio([20_600, 19_400], [0.5, 0.5])


def metric(name: str, lift: float, higher_is_better: bool = True) -> MetricResult:
    """A per-user 0/1 metric at 3% in control and 3% + `lift` in treatment, 20,000 users
    each (with the exact counts, so the outcome is not left to chance)."""
    control = np.zeros(20_000)
    control[:600] = 1
    treatment = np.zeros(20_000)
    treatment[: 600 + round(lift * 20_000)] = 1
    return MetricResult(name, compare(Moments.of(control), Moments.of(treatment)), higher_is_better)


UP, FLAT, DOWN = 0.01, 0.0, -0.01  # +1 pp is far outside the noise at this size


@pytest.mark.parametrize(
    ("primary", "guardrails", "ratio", "verdict", "reason"),
    [
        (UP, [], FAIR, Verdict.SHIP, "conversion significantly better: +33.3%"),
        (FLAT, [], FAIR, Verdict.INCONCLUSIVE, "includes no change"),
        (DOWN, [], FAIR, Verdict.NO_SHIP, "conversion significantly worse"),
        # a refund rate that rises is worse, though "up"
        (
            UP,
            [("refund_rate", UP, False)],
            FAIR,
            Verdict.NO_SHIP,
            "guardrail significantly worse: refund_rate",
        ),
        # a refund rate that falls is fine
        (UP, [("refund_rate", DOWN, False)], FAIR, Verdict.SHIP, "significantly better"),
        # a broken split voids even a clear win
        (UP, [], BROKEN, Verdict.INVALID, "sample ratio mismatch: units [20600, 19400]"),
    ],
)
def test_the_rule_gives_each_verdict_with_its_reason(primary, guardrails, ratio, verdict, reason):
    decision = decide(metric("conversion", primary), [metric(*g) for g in guardrails], ratio)
    assert decision.verdict == verdict
    assert reason in decision.reason
