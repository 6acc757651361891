"""The metrics an experiment may name, counted per unit from its exposure on
(`jobs/gold/experiments.py`): a mean per unit, or a ratio of two sums (numerator over
denominator, compared by the delta method).

A mean metric may name a CUPED covariate: the same quantity for the unit before its exposure,
read from the feature snapshot of the day before (point in time: nothing the exposure could
have changed). The variance it removes is reported beside each result.

The names are declared with silver's experiments table (`EXPERIMENT_METRICS`, the values its
`primary_metric` may take); this module says what each one counts and which way is good.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from livelake.features.user import SHORT_VISIT_SECONDS  # the KPI mart's and features' too
from livelake.lake.tables.silver import EXPERIMENT_METRICS


@dataclass(frozen=True)
class ExperimentMetric:
    name: str
    numerator: str  # a per-unit count of `jobs/gold/experiments.UNIT_COUNTS`
    denominator: str | None  # another count (a ratio metric), or None: a mean per unit
    higher_is_better: bool
    description: str
    # CUPED: per unit type, (entity, feature) whose snapshot as of the day before exposure is
    # the covariate (a session's entity is its anchor).
    covariate: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None


METRICS: dict[str, ExperimentMetric] = {
    m.name: m
    for m in (
        ExperimentMetric(
            "paid_orders_per_unit",
            "paid_orders",
            None,
            True,
            "paid orders per unit, CUPED-adjusted by its entity's paid orders in the 30 days "
            "before exposure",
            covariate={
                "user": ("user", "paid_orders_30d"),
                "live_session": ("anchor", "paid_orders_30d"),
            },
        ),
        ExperimentMetric(
            "conversion_per_visit", "paid_orders", "visits", True, "paid orders per room visit"
        ),
        ExperimentMetric(
            "dwell_seconds_per_visit",
            "dwell_seconds",
            "visits",
            True,
            "seconds in the room per visit",
        ),
        ExperimentMetric(
            "refund_rate",
            "after_sales_cases",
            "paid_orders",
            False,
            "refund or return requests per paid order",
        ),
        ExperimentMetric(
            "short_visit_share",
            "short_visits",
            "visits",
            False,
            f"share of visits shorter than {SHORT_VISIT_SECONDS} s",
        ),
    )
}
if tuple(METRICS) != EXPERIMENT_METRICS:
    raise ImportError("livelake.experiments.metrics must describe every EXPERIMENT_METRICS name")
#: The silver tables a day's results are computed from, and the entities whose feature
#: snapshots give the CUPED covariates: the stage reads them, the report names their versions.
SILVER_INPUTS = ("experiments", "assignments", "views", "orders", "after_sales", "live_sessions")
COVARIATE_ENTITIES = tuple(
    sorted({entity for m in METRICS.values() for entity, _ in m.covariate.values()})
)
