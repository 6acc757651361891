"""How the gold stages read their inputs: one day of a silver table, a dimension as it stood
at the end of a day, a window of daily aggregates, and the days late data changed.

Every read goes through `ctx.lake` and filters on the partition column, so Spark prunes to
the day's files: a gold run never scans silver history.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeVar

import pyarrow.compute as pc

from livelake.features.declarations import MEASURES
from livelake.features.feature import ENTITIES
from livelake.jobs.report import StageReport
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table
from livelake.lake.tables.audit import DIRTY_DAYS, STAGE_RUNS
from livelake.lake.tables.silver import SILVER
from livelake.spark import planned_for

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext

# Silver tables that only enrich others: late rows in them change these entities' days.
ENRICHES: dict[str, tuple[str, ...]] = {
    "live_sessions": ("anchor", "user_category"),
    "products": ("user_category",),
}


def day_rows(ctx: JobContext, day: date) -> int:
    """Rows the silver tables hold in their partitions of `day`, from the Delta logs' row
    counts (no Spark job): the size of a day, which decides how a gold stage is planned."""
    partitioned = [table for table in SILVER.values() if table.partition_by]
    return sum(ctx.lake.partition_rows(table, day) or 0 for table in partitioned)


Run = TypeVar("Run", bound=Callable[..., object])


def planned_by_day_size(run: Run) -> Run:
    """A gold stage's `run(ctx, day, ...)`, planned for the size of its day (`planned_for`:
    static on a day below `Settings.adaptive_min_rows` silver rows, else adaptive)."""

    @functools.wraps(run)
    def sized(ctx: JobContext, day: date, *args, **kwargs):
        with planned_for(ctx.spark, day_rows(ctx, day), ctx.settings):
            return run(ctx, day, *args, **kwargs)

    return sized  # type: ignore[return-value]


def end_of_day(day: date) -> datetime:
    """The first instant after `day` (UTC): a snapshot of `day` holds events before it."""
    return datetime.combine(day + timedelta(days=1), time.min)


def days_from(first: date, last: date) -> list[date]:
    """Every day of `first`..`last`, in order."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _empty(ctx: JobContext, table: Table) -> DataFrame:
    return ctx.spark.createDataFrame([], table.spark_schema())


def read_partitions(ctx: JobContext, table: Table, first: date, last: date) -> DataFrame:
    """Rows of `table` whose (date) partition is in [first, last]; empty if it does not exist."""
    from pyspark.sql import functions as F

    if not ctx.lake.exists(table):
        return _empty(ctx, table)
    part = F.col(table.partition_by[0])
    return ctx.lake.read(table).where((part >= F.lit(first)) & (part <= F.lit(last)))


def silver_day(ctx: JobContext, name: str, day: date) -> DataFrame:
    """One day's partition of a partitioned silver table."""
    return read_partitions(ctx, SILVER[name], day, day)


def dimension_as_of(ctx: JobContext, name: str, day: date) -> DataFrame:
    """The SCD2 version of each entity valid at the end of `day` (one row per key).

    `prices` may hold several versions valid at once (one per session); the latest
    `valid_from` wins.
    """
    return dimension_as_of_each(ctx, name, day, day).drop("as_of_date")


def dimension_as_of_each(ctx: JobContext, name: str, first: date, last: date) -> DataFrame:
    """`dimension_as_of` for every day of `first`..`last` from one read: per day, the version
    of each entity valid at its end, that day as `as_of_date`."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    table = SILVER[name]
    if not ctx.lake.exists(table):
        return _empty(ctx, table).withColumn("as_of_date", F.lit(None).cast("date"))
    overlapping = ctx.lake.read(table).where(
        (F.col("valid_from") < F.lit(end_of_day(last)))
        & (F.col("valid_to").isNull() | (F.col("valid_to") >= F.lit(end_of_day(first))))
    )
    cutoff = F.date_add(F.col("as_of_date"), 1).cast("timestamp")
    valid = overlapping.withColumn(
        "as_of_date", F.explode(F.sequence(F.lit(first), F.lit(last)))
    ).where(
        (F.col("valid_from") < cutoff)
        & (F.col("valid_to").isNull() | (F.col("valid_to") >= cutoff))
    )
    latest = Window.partitionBy(table.keys[0], "as_of_date").orderBy(
        F.col("valid_from").desc(), F.col("updated_at").desc()
    )
    return valid.withColumn("_rank", F.row_number().over(latest)).where("_rank = 1").drop("_rank")


def dimension_during(ctx: JobContext, name: str, days: list[date]) -> DataFrame:
    """Every SCD2 version of a dimension that was valid at some instant of each of `days`,
    once per such day, that day as `day` (one read)."""
    from pyspark.sql import functions as F

    table = SILVER[name]
    if not ctx.lake.exists(table):
        return _empty(ctx, table).withColumn("day", F.lit(None).cast("date"))
    start = F.col("day").cast("timestamp")
    end = F.date_add(F.col("day"), 1).cast("timestamp")
    return (
        ctx.lake.read(table)
        .where(
            (F.col("valid_from") < F.lit(end_of_day(max(days))))
            & (
                F.col("valid_to").isNull()
                | (F.col("valid_to") > F.lit(end_of_day(min(days) - timedelta(days=1))))
            )
        )
        .withColumn("day", F.explode(F.array(*(F.lit(d) for d in days))))
        .where(
            (F.col("valid_from") < end) & (F.col("valid_to").isNull() | (F.col("valid_to") > start))
        )
    )


def dirty_days(ctx: JobContext, day: date) -> dict[date, set[str]]:
    """Earlier event days that late data delivered on `day` changed -> silver tables.

    The ledger is a handful of rows per day: it is read through Arrow, not a Spark job
    (every gold stage asks, and a Spark round trip cost seconds each time).
    """
    if not ctx.lake.exists(DIRTY_DAYS):
        return {}
    rows = read_arrow(
        DIRTY_DAYS,
        columns=["event_date", "table_name"],
        filter=(pc.field("delivery_date") == day) & (pc.field("event_date") < day),
        lake_root=ctx.lake.lake_root,
    ).to_pylist()
    found: dict[date, set[str]] = {}
    for row in rows:
        found.setdefault(row["event_date"], set()).add(row["table_name"].removeprefix("silver/"))
    return found


def nothing_delivered(ctx: JobContext, day: date) -> str | None:
    """Why `day` has no data, or None: silver's latest run for `day` (the stage, or its
    gate task) ended `nothing_to_do`, i.e. no line at all was delivered on `day` (a day run
    with `allow_empty_days`). Read from `audit/stage_runs` through Arrow, no Spark job."""
    if not ctx.lake.exists(STAGE_RUNS):
        return None
    rows = read_arrow(
        STAGE_RUNS,
        columns=["stage", "status", "message", "finished_at"],
        filter=(pc.field("day") == day)
        & pc.field("stage").isin(["silver", "silver.gate"])
        & (pc.field("status") != "started"),
        lake_root=ctx.lake.lake_root,
    ).to_pylist()
    if not rows:
        return None
    latest = max(rows, key=lambda row: row["finished_at"])
    return latest["message"] if latest["status"] == "nothing_to_do" else None


def empty_day_report(stage: str, day: date, reason: str, tables: str) -> StageReport:
    """The `nothing_to_do` of a gold stage that publishes no partition for a day without data:
    a day built from no data would read as a real day of zero activity."""
    return StageReport(
        stage,
        day,
        "nothing_to_do",
        message=f"nothing was delivered on {day} ({reason}): no {tables} of {day} published; "
        "late data for the day, delivered later, builds them then",
    )


def affected_entities(tables: set[str]) -> set[str]:
    """Entities whose daily aggregates read any of these silver tables."""
    hit = {e for e in ENTITIES for m in MEASURES[e] if m.source in tables}
    for name in tables:
        hit.update(ENRICHES.get(name, ()))
    return hit


def recompute_from(ctx: JobContext, day: date) -> dict[str, date]:
    """Per entity, the earliest day late data changed (only entities it touched)."""
    start: dict[str, date] = {}
    for dirty, tables in sorted(dirty_days(ctx, day).items()):
        for entity in affected_entities(tables):
            start.setdefault(entity, dirty)
    return start
