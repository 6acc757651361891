"""Gold KPI mart: the daily metric series and the plan targets they are measured against.

Both tables are generated from one metric catalog (`livelake.jobs.gold.kpi_catalog`): a
metric is declared there once and appears here as rows, never as a column of its own, so
adding a metric never changes these schemas.
"""

from livelake.lake.registry import Table, col, key, register

KPI_DAILY = Table(
    layer="gold",
    name="kpi_daily",
    grain="one row per day per metric per breakdown value",
    columns=(
        key("day", "date", "logical day the events happened (UTC)"),
        key("metric", doc="catalog name, e.g. live_room_conversion_pct"),
        key("breakdown", doc="all | anchor_tier | category | region | device | hour_of_day"),
        key("breakdown_value", doc="'all' for the overall row; 'unknown' when not resolvable"),
        key("unit", doc="share_pct | rate_pct | count | cny | minutes | per_minute | ratio"),
        # KPI values are in each metric's own unit: their mean over the mart says nothing
        col(
            "value",
            "double",
            "numerator / denominator x scale; null when the denominator is 0",
            drift=False,
        ),
        col("numerator", "double", "the numerator measure of the catalog", drift=False),
        col("denominator", "double", "the denominator measure; null for plain totals", drift=False),
        col(
            "target_value",
            "double",
            "nearest plan target for the metric (kpi_targets)",
            drift=False,
        ),
        col("gap_to_target", "double", "value - target_value, in the metric's unit", drift=False),
        col("previous_value", "double", "value of the same series on the day before", drift=False),
        col(
            "day_over_day_change_pct",
            "double",
            "(value - previous) / |previous| x 100",
            drift=False,
        ),
        key("run_id"),
    ),
    partition_by=("day",),
    keys=("day", "metric", "breakdown", "breakdown_value"),
    description="KPI mart: every catalog metric x breakdown, one value per day.",
)

KPI_TARGETS = Table(
    layer="gold",
    name="kpi_targets",
    grain="one row per metric per plan milestone",
    columns=(
        key("metric"),
        key("milestone", doc="plan milestone, e.g. phase_1 (nearest), phase_2, phase_3"),
        key("target_value", "double", "in the metric's unit"),
        key("unit"),
        key("direction", doc="higher_is_better | lower_is_better"),
        col("source", "string", "where the figure comes from in the plan"),
        key("run_id"),
    ),
    keys=("metric", "milestone"),
    description="Plan targets (conversion 4.5/5.5/6.0%, add-to-cart 3.2%, ...), from the catalog.",
)

register(KPI_DAILY, KPI_TARGETS)
