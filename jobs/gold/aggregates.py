"""Gold daily aggregates: what one day of silver adds up to, per user, product, anchor and
user × category (`gold/agg_<entity>_daily`, one row per entity per day with activity).

The columns are the measures declared in `livelake.features`; each silver table of the day
is planned once, enriched (the live session's anchor and category, the product's category)
and aggregated per entity with a single groupBy holding all of that table's measures, each
entity's query reading only the columns it uses; late days are aggregated with D in the
same read and groupBy, keyed by day.
Feature windows roll up from these rows, so silver history is never re-scanned.
Late data: days listed in `audit/dirty_days` for this delivery are recomputed too, for the
entities whose measures read the changed tables.
A day with nothing delivered (silver's run of D had `nothing_to_do`, allowed by
`allow_empty_days`) publishes no partition: no activity is what a missing partition already
means to the windows, and an empty one would read as a day measured at zero.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.features.declarations import MEASURES
from livelake.features.feature import ENTITIES, ENTITY_KEYS, Measure
from livelake.jobs.gold import inputs
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake.tables.gold import AGGREGATES
from livelake.lake.tables.silver import TO_ANCHOR

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from livelake.jobs.context import JobContext

JOB = "gold.aggregates"
STAGE = "aggregates"

# Silver tables partitioned by day whose day-D partition feeds the aggregates.
EVENT_SOURCES = (
    "views",
    "interactions",
    "cart_events",
    "orders",
    "after_sales",
    "social",
    "live_sessions",
    "session_products",
)


def enrich(name: str, rows: DataFrame, sessions: DataFrame, products: DataFrame) -> DataFrame:
    """Give a silver table's rows the columns the measures group by.

    views / interactions / session_products get their live session's `anchor_id` and
    `category`; cart_events / orders get the product's `category` as of their day
    (`products` carries `as_of_date`); social gets `user_id` (the source user) and
    `anchor_id` (the followed anchor).
    """
    from pyspark.sql import functions as F

    if name in ("views", "interactions", "session_products"):
        lookup = sessions.select("session_id", "anchor_id", "category")
        return rows.join(F.broadcast(lookup), "session_id", "left")
    if name in ("cart_events", "orders"):
        lookup = products.select("product_id", F.col("as_of_date").alias("day"), "category")
        return rows.join(F.broadcast(lookup), ["product_id", "day"], "left")
    if name == "social":
        follow = F.expr(TO_ANCHOR)
        return rows.withColumn("user_id", F.col("src_user_id")).withColumn(
            "anchor_id", F.when(follow, F.col("dst_id"))
        )
    return rows


def _merged(measure: Measure) -> Column:
    """How the one non-null value per measure survives the union of per-source results."""
    from pyspark.sql import functions as F

    if measure.function in ("min", "max"):
        return getattr(F, measure.function)(measure.name).alias(measure.name)
    return F.coalesce(F.sum(measure.name), F.lit(0)).cast(measure.dtype).alias(measure.name)


def daily_aggregate(entity: str, sources: dict[str, DataFrame], run_id: str) -> DataFrame:
    """One row per entity per day with activity, every declared measure as a column.

    `sources` maps silver table name -> enriched rows, each with its `day`. Each table is
    aggregated by one groupBy with all its measures; the per-table results are unioned and
    folded per key and day.
    """
    from pyspark.sql import functions as F

    keys = [*ENTITY_KEYS[entity], "day"]
    measures = MEASURES[entity]
    by_source: dict[str, list[Measure]] = defaultdict(list)
    for measure in measures:
        by_source[measure.source].append(measure)
    parts = []
    for source, group in by_source.items():
        rows = sources[source].where(" AND ".join(f"{k} IS NOT NULL" for k in keys))
        aggregated = rows.groupBy(*keys).agg(
            *(F.expr(m.definition).cast(m.dtype).alias(m.name) for m in group)
        )
        parts.append(
            aggregated.select(
                *keys,
                *(
                    F.col(m.name) if m in group else F.lit(None).cast(m.dtype).alias(m.name)
                    for m in measures
                ),
            )
        )
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    return (
        union.groupBy(*keys)
        .agg(*(_merged(m) for m in measures))
        .select(*keys, *(m.name for m in measures), F.lit(run_id).alias("run_id"))
    )


def day_sources(ctx: JobContext, days: list[date]) -> dict[str, DataFrame]:
    """The silver rows of `days` per table, enriched, each with its `day` (each table read
    once for all the days)."""
    from pyspark.sql import functions as F

    first, last = min(days), max(days)
    sessions = inputs.read_partitions(
        ctx, inputs.SILVER["live_sessions"], first - timedelta(days=1), last
    )
    products = inputs.dimension_as_of_each(ctx, "products", first, last)
    sources = {}
    for name in EVENT_SOURCES:
        table = inputs.SILVER[name]
        rows = inputs.read_partitions(ctx, table, first, last).withColumn(
            "day", F.col(table.partition_by[0])
        )
        sources[name] = enrich(name, rows.where(F.col("day").isin(days)), sessions, products)
    sources["prices"] = inputs.dimension_during(ctx, "prices", days)
    return sources


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date) -> StageReport:
    """Aggregate day D (and the earlier days late data changed) for every entity."""
    from pyspark.sql import functions as F

    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    if not any(ctx.lake.exists(inputs.SILVER[name]) for name in EVENT_SOURCES):
        return StageReport(STAGE, day, "nothing_to_do", message="no silver event table exists yet")
    if (reason := inputs.nothing_delivered(ctx, day)) is not None:
        return inputs.empty_day_report(STAGE, day, reason, "daily aggregates")
    recompute = inputs.dirty_days(ctx, day)
    late_days: dict[str, set[date]] = {e: set() for e in ENTITIES}
    for dirty, tables in recompute.items():
        for entity in inputs.affected_entities(tables):
            late_days[entity].add(dirty)
    days_of = {e: [*sorted(late_days[e]), day] for e in ENTITIES}
    all_days = sorted({d for days in days_of.values() for d in days})
    # Not cached, though each table serves several entities: a cache holds every silver
    # column, while each entity's query reads only the columns it uses from Parquet. On the
    # 2M-event day, caching cost 22.7 s / 41.7 CPU s against 16.1 / 28.8 (BENCHMARKS.md).
    sources = day_sources(ctx, all_days)
    staged = []
    for entity in ENTITIES:
        frame = daily_aggregate(entity, sources, ctx.run.run_id).where(
            F.col("day").isin(days_of[entity])
        )
        staged.append(
            ctx.lake.stage(AGGREGATES[entity], frame, "replace_partitions", days_of[entity])
        )
    publication = publish(ctx, STAGE, day, staged)
    counts = [TableCounts(w.table.qualified_name, None, w.rows) for w in staged]
    late = {e: [d.isoformat() for d in ds[:-1]] for e, ds in days_of.items() if len(ds) > 1}
    message = (
        "late data: recomputed "
        + "; ".join(f"agg_{e}_daily for {', '.join(ds)}" for e, ds in sorted(late.items()))
        if late
        else f"aggregated {day}"
    )
    for count, commit in zip(counts, publication.commits, strict=True):
        count.version = commit.version
    return StageReport(
        STAGE, day, "ok", counts, publication.gate, message, time.monotonic() - started
    )
