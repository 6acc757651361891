"""Gold KPI mart: the daily metric series and the plan targets they are measured against.

Both tables are generated from one metric catalog (`livelake.kpi_catalog`): a
metric is declared there once and appears here as rows, never as a column of its own, so
adding a metric never changes these schemas.
"""

from livelake.lake.registry import Column, Table, col, key, register


def in_unit(name: str, doc: str) -> Column:
    """A value in its metric's own unit: the mart's mean of it says nothing, so no drift
    check on the mean (its null fraction is still watched)."""
    return col(name, "double", doc, drift=False)


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
        in_unit("value", "numerator / denominator x scale; null when the denominator is 0"),
        in_unit("numerator", "the numerator measure of the catalog"),
        in_unit("denominator", "the denominator measure; null for plain totals"),
        in_unit("target_value", "nearest plan target for the metric (kpi_targets)"),
        in_unit("gap_to_target", "value - target_value, in the metric's unit"),
        in_unit("previous_value", "value of the same series on the day before"),
        in_unit("day_over_day_change_pct", "(value - previous) / |previous| x 100"),
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
