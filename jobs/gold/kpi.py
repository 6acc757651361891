"""KPI mart (`gold/kpi_daily`, `gold/kpi_targets`): the catalog's metrics for day D.

Grain: one row per day per metric per breakdown value. Every number comes from the catalog
(`livelake.jobs.gold.kpi_catalog`): each fact is read and aggregated once, in one
GROUPING SETS pass over all its breakdowns, into long `(breakdown, value, measure, amount)`
rows; metrics are then numerator / denominator joins over those few thousand rows. Day D
reads day D's partitions of the silver event tables, plus 30 days of orders for the
repurchase window, so it costs in proportion to one day.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.jobs.gold.kpi_catalog import (
    DIMENSIONS,
    FACTS,
    METRICS,
    OVERALL,
    REPURCHASE_WINDOW_DAYS,
    Fact,
    breakdowns_of,
    query_parameters,
)
from livelake.jobs.lake.tables.kpi import KPI_DAILY, KPI_TARGETS
from livelake.jobs.lake.tables.silver import SILVER
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from livelake.jobs.context import JobContext

JOB = "gold.kpi"
STAGE = "kpi"
DECIMALS = 6

# Which partitions of each silver table day D needs: (first day, last day) offsets from D.
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


def measures(spark: SparkSession, silver: Mapping[str, DataFrame], day: date) -> DataFrame:
    """Every fact's measures for every breakdown value: (breakdown, value, measure, amount)."""
    relations = dimensions(spark, silver, day)
    params = query_parameters(day)
    result = None
    for fact in FACTS:
        rows = spark.sql(fact.query, **relations, **params)
        aggregated = spark.sql(_aggregate_sql(fact), rows=rows)
        result = aggregated if result is None else result.unionByName(aggregated)
    return result


def _catalog_frame(spark: SparkSession) -> DataFrame:
    """One row per (metric, breakdown) the catalog allows, with its formula and target."""
    rows = [
        (
            m.name,
            m.unit,
            m.numerator,
            m.denominator,
            float(m.scale),
            m.target.value if m.target else None,
            breakdown,
        )
        for m in METRICS
        for breakdown in breakdowns_of(m)
    ]
    schema = (
        "metric string, unit string, numerator_measure string, denominator_measure string, "
        "scale double, target_value double, breakdown string"
    )
    return spark.createDataFrame(rows, schema)


def transform(
    spark: SparkSession,
    silver: Mapping[str, DataFrame],
    day: date,
    run_id: str,
    previous: DataFrame | None = None,
) -> DataFrame:
    """Silver tables (+ the previous day's mart rows) -> `gold/kpi_daily` rows for `day`."""
    from pyspark.sql import functions as F

    amounts = measures(spark, silver, day).cache()
    catalog = _catalog_frame(spark)
    key = ["metric", "breakdown", "breakdown_value"]
    numerators = catalog.join(
        amounts.withColumnRenamed("measure", "numerator_measure"),
        ["numerator_measure", "breakdown"],
    ).select(*key, F.col("amount").alias("numerator"))
    denominators = catalog.join(
        amounts.withColumnRenamed("measure", "denominator_measure"),
        ["denominator_measure", "breakdown"],
    ).select(*key, F.col("amount").alias("denominator"))
    joined = (
        numerators.join(denominators, key, "full")
        .join(catalog.drop("numerator_measure", "denominator_measure"), ["metric", "breakdown"])
        .withColumn(
            "numerator",
            F.when(F.col("numerator").isNull() & F.col("denominator").isNotNull(), 0.0).otherwise(
                F.col("numerator")
            ),
        )
    )
    has_denominator = F.col("denominator").isNotNull()
    value = F.when(~has_denominator, F.col("numerator") * F.col("scale")).when(
        F.col("denominator") != 0, F.col("numerator") / F.col("denominator") * F.col("scale")
    )
    daily = joined.select(
        F.lit(day).alias("day"),
        *key,
        "unit",
        F.round(value, DECIMALS).alias("value"),
        F.round("numerator", DECIMALS).alias("numerator"),
        F.round("denominator", DECIMALS).alias("denominator"),
        "target_value",
    ).withColumn("gap_to_target", F.round(F.col("value") - F.col("target_value"), DECIMALS))
    if previous is None:
        daily = daily.withColumn("previous_value", F.lit(None).cast("double"))
    else:
        before = previous.where(F.col("day") == day - timedelta(days=1)).select(
            *key, F.col("value").alias("previous_value")
        )
        daily = daily.join(before, key, "left")
    change = F.when(
        F.col("previous_value") != 0,
        (F.col("value") - F.col("previous_value")) / F.abs(F.col("previous_value")) * 100.0,
    )
    return daily.withColumn("day_over_day_change_pct", F.round(change, DECIMALS)).withColumn(
        "run_id", F.lit(run_id)
    )


def targets(spark: SparkSession, run_id: str) -> DataFrame:
    """`gold/kpi_targets`: every plan milestone the catalog declares."""
    rows = [
        (m.name, t.milestone, float(t.value), m.unit, m.direction, t.source, run_id)
        for m in METRICS
        for t in m.targets
    ]
    return spark.createDataFrame(rows, KPI_TARGETS.spark_schema())


def read_silver(ctx: JobContext, day: date) -> dict[str, DataFrame] | None:
    """The silver partitions day D needs; None when silver has not been published at all."""
    from pyspark.sql import functions as F

    if not any(ctx.lake.exists(SILVER[name]) for name in INPUT_WINDOWS):
        return None
    inputs: dict[str, DataFrame] = {}
    for name, window in INPUT_WINDOWS.items():
        declared = SILVER[name]
        if not ctx.lake.exists(declared):
            inputs[name] = ctx.spark.createDataFrame([], declared.spark_schema())
            continue
        df = ctx.lake.read(declared)
        if window is not None:
            first, last = (day + timedelta(days=offset) for offset in window)
            df = df.where(F.col(declared.partition_by[0]).between(first, last))
        inputs[name] = df
    return inputs


def run(ctx: JobContext, day: date) -> StageReport:
    """Compute day D's KPI rows, gate them with the KPI suite and publish them."""
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    silver = read_silver(ctx, day)
    if silver is None:
        return StageReport(STAGE, day, "nothing_to_do", message="no silver table published yet")
    previous = ctx.lake.read(KPI_DAILY) if ctx.lake.exists(KPI_DAILY) else None
    daily = transform(ctx.spark, silver, day, ctx.run.run_id, previous)
    staged = [
        ctx.lake.stage(KPI_DAILY, daily, "replace_partitions", [day]),
        ctx.lake.stage(KPI_TARGETS, targets(ctx.spark, ctx.run.run_id), "overwrite"),
    ]
    publication = publish(ctx, STAGE, day, staged)
    if not publication.published:
        return StageReport(
            STAGE,
            day,
            "failed",
            gate=publication.gate,
            message="KPI gate failed: nothing published",
            seconds=time.monotonic() - started,
        )
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
        message=f"{staged[0].rows:,} series rows from {len(METRICS)} catalog metrics",
        seconds=time.monotonic() - started,
    )
