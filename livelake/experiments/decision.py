"""The decision an experiment's results support, by one rule written down here.

In order, the first that holds decides:
1. **invalid**: the units per variant do not match the declared traffic shares (sample-ratio
   mismatch, p < 0.001): the assignment is broken, so no metric of it can be trusted;
2. **no ship**: a guardrail metric got significantly worse, or the primary metric did;
3. **ship**: the primary metric got significantly better (95% interval excludes no change);
4. **inconclusive**: otherwise: the data cannot tell the change from no change yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from livelake.experiments.stats import Comparison, SampleRatio


class Verdict(StrEnum):
    SHIP = "ship"
    NO_SHIP = "no ship"
    INCONCLUSIVE = "inconclusive"
    INVALID = "invalid"


@dataclass(frozen=True)
class MetricResult:
    """A metric's comparison and which way is good for it (refund rate: lower)."""

    metric: str
    comparison: Comparison
    higher_is_better: bool = True

    def _gain(self) -> float:
        """The change in the good direction (negative: it got worse)."""
        delta = self.comparison.delta
        return delta if self.higher_is_better else -delta

    @property
    def better(self) -> bool:
        return self.comparison.significant and self._gain() > 0

    @property
    def worse(self) -> bool:
        return self.comparison.significant and self._gain() < 0


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str


def decide(
    primary: MetricResult, guardrails: Sequence[MetricResult], ratio: SampleRatio
) -> Decision:
    """The verdict for one variant against the control (see the module's rule)."""
    if ratio.mismatch:
        return Decision(
            Verdict.INVALID,
            f"sample ratio mismatch: units {list(ratio.observed)} against expected "
            f"{[round(e) for e in ratio.expected]} (p = {ratio.p_value:.2g})",
        )
    worse = [g.metric for g in guardrails if g.worse]
    if worse:
        return Decision(Verdict.NO_SHIP, f"guardrail significantly worse: {', '.join(worse)}")
    c = primary.comparison
    interval = f"{c.relative_lift:+.1%} [{c.relative_ci_low:+.1%}, {c.relative_ci_high:+.1%}]"
    if primary.worse:
        return Decision(Verdict.NO_SHIP, f"{primary.metric} significantly worse: {interval}")
    if primary.better:
        return Decision(Verdict.SHIP, f"{primary.metric} significantly better: {interval}")
    return Decision(Verdict.INCONCLUSIVE, f"{primary.metric} {interval} includes no change")
