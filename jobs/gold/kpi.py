"""KPI mart (`gold/kpi_daily`, `gold/kpi_targets`): the catalog's metrics for day D.

Grain: one row per day per metric per breakdown value. Every number comes from the catalog
(`livelake.kpi_catalog`): each fact is read and aggregated once, in one
GROUPING SETS pass over all its breakdowns, into `(measure, breakdown, value) -> amount`;
metrics are then numerator / denominator of those few thousand numbers. Day D
reads day D's partitions of the silver event tables, plus 30 days of orders for the
repurchase window, and day D's partition of `gold/conversion_scores` (the calibration
monitor: the published model's predictions against what happened), so it costs in
proportion to one day.
Late data: when `audit/dirty_days` lists earlier days for this delivery (in tables the
KPIs read), every day from the earliest of them up to D is recomputed in order, each
day's `previous_value` taken from the recomputed day before, as aggregates and features do.
A day with nothing delivered publishes no KPI rows: the dashboard shows a gap, not a
collapse to zero that never happened.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from livelake.jobs.gold import inputs
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.kpi_catalog import (
    DIMENSIONS,
    FACTS,
    METRICS,
    OVERALL,
    REPURCHASE_WINDOW_DAYS,
    Fact,
    breakdowns_of,
    query_parameters,
)
from livelake.lake.tables.gold import CONVERSION_SCORES
from livelake.lake.tables.kpi import KPI_DAILY, KPI_TARGETS
from livelake.lake.tables.silver import SILVER

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

    from livelake.jobs.context import JobContext
    from livelake.lake.registry import Table

JOB = "gold.kpi"
STAGE = "kpi"
DECIMALS = 6
PARALLEL_FACTS = 4

# The relations the catalog's queries read, by name: the silver tables and the model's scores.
INPUTS: dict[str, Table] = {**SILVER, "conversion_scores": CONVERSION_SCORES}
# Which partitions of each input day D needs: (first day, last day) offsets from D.
# None means the table is read whole (the SCD2 dimensions, filtered "as of D" in SQL).
INPUT_WINDOWS: dict[str, tuple[int, int] | None] = {
    "views": (0, 0),
    "interactions": (0, 0),
    "cart_events": (0, 0),
    "orders": (-REPURCHASE_WINDOW_DAYS, 0),
    "users": None,
    "anchors": None,
    "products": None,
    "live_sessions": (-1, 0),
    "session_products": (0, 0),
    "after_sales": (0, 0),
    "social": (0, 0),
    "conversion_scores": (0, 0),
}


def _aggregate_sql(fact: Fact) -> str:
    """One GROUPING SETS pass over a fact, unpivoted to (breakdown, value, measure, amount)."""
    which = " ".join(f"WHEN grouping({b}) = 0 THEN '{b}'" for b in fact.breakdowns)
    value = " ".join(f"WHEN grouping({b}) = 0 THEN {b}" for b in fact.breakdowns)
    sets = ", ".join(["()", *(f"({b})" for b in fact.breakdowns)])
    measures = ", ".join(f"{expr} AS {name}" for name, expr in fact.measures.items())
    stacked = ", ".join(f"'{name}', CAST(coalesce({name}, 0) AS DOUBLE)" for name in fact.measures)
    return f"""
    SELECT breakdown, breakdown_value,
           stack({len(fact.measures)}, {stacked}) AS (measure, amount)
    FROM (
        SELECT CASE {which} ELSE '{OVERALL}' END AS breakdown,
               CASE {value} ELSE '{OVERALL}' END AS breakdown_value,
               {measures}
        FROM {{rows}}
        GROUP BY GROUPING SETS ({sets})
    )"""


def dimensions(
    spark: SparkSession, silver: Mapping[str, DataFrame], day: date
) -> dict[str, DataFrame]:
    """The user / anchor / product / session dimensions as known at the end of `day`."""
    relations = dict(silver)
    params = query_parameters(day)
    for name, sql in DIMENSIONS.items():  # ordered: session_dim uses anchor_dim
        relations[name] = spark.sql(sql, **relations, **params)
    return relations


def measures(
    spark: SparkSession, silver: Mapping[str, DataFrame], day: date
) -> dict[tuple[str, str, str], float]:
    """Every fact's measures for every breakdown value: {(measure, breakdown, value): amount}.

    One Spark job per fact (its joins, one GROUPING SETS aggregate), submitted from a few
    threads so their scheduling overlaps; the result is a few thousand numbers, so it is
    collected. Separate jobs plan and run far faster than one union of all nine facts.
    Relations that several facts read (views, orders, the dimensions) are persisted for the
    duration, so each silver table is scanned once.
    """
    from pyspark import StorageLevel, inheritable_thread_target

    relations = dimensions(spark, silver, day)
    params = query_parameters(day)
    shared = [
        relations[name].persist(StorageLevel.MEMORY_AND_DISK)
        for name in relations
        if sum(f"{{{name}}}" in fact.query for fact in FACTS) > 1
    ]

    def aggregate(fact: Fact) -> list[Row]:
        rows = spark.sql(fact.query, **relations, **params)
        return spark.sql(_aggregate_sql(fact), rows=rows).collect()

    try:
        with ThreadPoolExecutor(max_workers=PARALLEL_FACTS) as pool:
            # The pool's threads carry this thread's job tags, so their jobs are counted.
            results = list(pool.map(inheritable_thread_target(spark)(aggregate), FACTS))
    finally:
        for frame in shared:
            frame.unpersist()
    return {
        (r["measure"], r["breakdown"], r["breakdown_value"]): r["amount"]
        for rows in results
        for r in rows
    }


def _round(number: float | None) -> float | None:
    return None if number is None else round(number, DECIMALS)


def metric_rows(
    amounts: Mapping[tuple[str, str, str], float],
    day: date,
    run_id: str,
    previous: Mapping[tuple[str, str, str], float | None] | None = None,
) -> list[dict[str, object]]:
    """The catalog's metrics from the measures: one row per (metric, breakdown, value).

    A value present for the denominator but not the numerator counts as a zero numerator
    (no paid order among a tier's visitors); a zero denominator gives a null value.
    """
    values_of: dict[tuple[str, str], set[str]] = {}
    for measure, breakdown, value in amounts:
        values_of.setdefault((measure, breakdown), set()).add(value)
    previous = previous or {}
    rows: list[dict[str, object]] = []
    for metric in METRICS:
        target = metric.target.value if metric.target else None
        for breakdown in breakdowns_of(metric):
            found = values_of.get((metric.numerator, breakdown), set())
            if metric.denominator is not None:
                found = found | values_of.get((metric.denominator, breakdown), set())
            for value in sorted(found):
                numerator = amounts.get((metric.numerator, breakdown, value), 0.0)
                denominator = None
                result: float | None = numerator * metric.scale
                if metric.denominator is not None:
                    denominator = amounts.get((metric.denominator, breakdown, value), 0.0)
                    result = numerator / denominator * metric.scale if denominator else None
                before = previous.get((metric.name, breakdown, value))
                rows.append(
                    {
                        "day": day,
                        "metric": metric.name,
                        "breakdown": breakdown,
                        "breakdown_value": value,
                        "unit": metric.unit,
                        "value": _round(result),
                        "numerator": _round(numerator),
                        "denominator": _round(denominator),
                        "target_value": target,
                        "gap_to_target": _round(result - target)
                        if result is not None and target is not None
                        else None,
                        "previous_value": before,
                        "day_over_day_change_pct": _round((result - before) / abs(before) * 100)
                        if result is not None and before
                        else None,
                        "run_id": run_id,
                    }
                )
    return rows


def transform(
    spark: SparkSession,
    silver_by_day: Mapping[date, Mapping[str, DataFrame]],
    run_id: str,
    previous: Mapping[tuple[str, str, str], float | None] | None = None,
) -> DataFrame:
    """Silver inputs of consecutive days -> their `gold/kpi_daily` rows.

    `previous`: the series values of the day before the first one (metric, breakdown,
    value) -> value; each later day's `previous_value` comes from the day computed before it.
    """
    rows: list[dict[str, object]] = []
    for day in sorted(silver_by_day):
        computed = metric_rows(measures(spark, silver_by_day[day], day), day, run_id, previous)
        previous = series_values(computed)
        rows += computed
    return spark.createDataFrame(
        [tuple(r[c] for c in KPI_DAILY.column_names) for r in rows], KPI_DAILY.spark_schema()
    )


def series_values(rows: Sequence[Mapping[str, Any] | Row]) -> dict[tuple[str, str, str], Any]:
    """(metric, breakdown, breakdown_value) -> value of one day's mart rows."""
    return {(r["metric"], r["breakdown"], r["breakdown_value"]): r["value"] for r in rows}


def published_values(ctx: JobContext, day: date) -> dict[tuple[str, str, str], Any]:
    """The published series values of `day` (empty when the mart has none)."""
    rows = inputs.read_partitions(ctx, KPI_DAILY, day, day)
    return series_values(rows.select("metric", "breakdown", "breakdown_value", "value").collect())


def days_to_compute(ctx: JobContext, day: date) -> list[date]:
    """Day D, preceded by every day from the earliest one late data changed in a table the
    KPIs read: later days depend on it through `previous_value`, the repurchase window and
    yesterday's live sessions, so the stretch is recomputed whole."""
    dirty = [
        d for d, tables in inputs.dirty_days(ctx, day).items() if tables & INPUT_WINDOWS.keys()
    ]
    first = min(dirty, default=day)
    return inputs.days_from(first, day)


def target_rows(run_id: str) -> list[dict[str, object]]:
    """`gold/kpi_targets` rows: every plan milestone the catalog declares."""
    return [
        {
            "metric": m.name,
            "milestone": t.milestone,
            "target_value": float(t.value),
            "unit": m.unit,
            "direction": m.direction,
            "source": t.source,
            "run_id": run_id,
        }
        for m in METRICS
        for t in m.targets
    ]


def targets(spark: SparkSession, run_id: str) -> DataFrame:
    """`gold/kpi_targets` as a DataFrame."""
    rows = [tuple(r[c] for c in KPI_TARGETS.column_names) for r in target_rows(run_id)]
    return spark.createDataFrame(rows, KPI_TARGETS.spark_schema())


def has_silver(ctx: JobContext) -> bool:
    """Whether any silver table the KPIs read has been published."""
    return any(ctx.lake.exists(SILVER[name]) for name in INPUT_WINDOWS.keys() & SILVER.keys())


def read_silver(ctx: JobContext, day: date) -> dict[str, DataFrame]:
    """The input partitions day D needs (empty frames for tables not published yet: no
    model scored the day, say)."""
    from pyspark.sql import functions as F

    frames: dict[str, DataFrame] = {}
    for name, window in INPUT_WINDOWS.items():
        declared = INPUTS[name]
        if not ctx.lake.exists(declared):
            frames[name] = ctx.spark.createDataFrame([], declared.spark_schema())
            continue
        df = ctx.lake.read(declared)
        if window is not None:
            first, last = (day + timedelta(days=offset) for offset in window)
            df = df.where(F.col(declared.partition_by[0]).between(first, last))
        frames[name] = df
    return frames


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date) -> StageReport:
    """Compute day D's KPI rows (and the earlier days late data changed), gate, publish."""
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    if not has_silver(ctx):
        return StageReport(STAGE, day, "nothing_to_do", message="no silver table published yet")
    if (reason := inputs.nothing_delivered(ctx, day)) is not None:
        return inputs.empty_day_report(STAGE, day, reason, "KPI rows")
    days = days_to_compute(ctx, day)
    silver = {d: read_silver(ctx, d) for d in days}
    previous = published_values(ctx, days[0] - timedelta(days=1))
    daily = transform(ctx.spark, silver, ctx.run.run_id, previous)
    staged = [
        ctx.lake.stage(KPI_DAILY, daily, "replace_partitions", days),
        ctx.lake.stage(KPI_TARGETS, targets(ctx.spark, ctx.run.run_id), "overwrite"),
    ]
    publication = publish(ctx, STAGE, day, staged)
    late = f"late data: recomputed {days[0]}..{days[-2]} and {day}; " if len(days) > 1 else ""
    counts = [
        TableCounts(c.table, write.rows, c.rows_added, version=c.version)
        for write, c in zip(staged, publication.commits, strict=True)
    ]
    return StageReport(
        STAGE,
        day,
        "ok",
        counts,
        gate=publication.gate,
        message=late + f"{staged[0].rows:,} series rows from {len(METRICS)} catalog metrics",
        seconds=time.monotonic() - started,
    )
