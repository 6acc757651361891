"""Gold daily aggregates: what one day of silver adds up to, per user, product, anchor and
user × category (`gold/agg_<entity>_daily`, one row per entity per day with activity).

The columns are the measures declared in `livelake.features`; each silver table of the day
is read once, enriched once (the live session's anchor and category, the product's
category) and aggregated per entity with a single groupBy holding all of that table's
measures. Feature windows roll up from these rows, so silver history is never re-scanned.
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
    `category`; cart_events / orders get the product's `category`; social gets `user_id`
    (the source user) and `anchor_id` (the followed anchor).
    """
    from pyspark.sql import functions as F

    if name in ("views", "interactions", "session_products"):
        lookup = sessions.select("session_id", "anchor_id", "category")
        return rows.join(F.broadcast(lookup), "session_id", "left")
    if name in ("cart_events", "orders"):
        return rows.join(
            F.broadcast(products.select("product_id", "category")), "product_id", "left"
        )
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


def daily_aggregate(
    entity: str, sources: dict[str, DataFrame], day: date, run_id: str
) -> DataFrame:
    """One row per entity with activity on `day`, every declared measure as a column.

    `sources` maps silver table name -> that day's enriched rows. Each table is aggregated by
    one groupBy with all its measures; the per-table results are unioned and folded per key.
    """
    from pyspark.sql import functions as F

    keys = list(ENTITY_KEYS[entity])
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
        .select(
            *keys,
            F.lit(day).alias("day"),
            *(m.name for m in measures),
            F.lit(run_id).alias("run_id"),
        )
    )


def day_sources(ctx: JobContext, day: date) -> dict[str, DataFrame]:
    """The day's silver rows per table, enriched (each partition read once)."""
    sessions = inputs.read_partitions(
        ctx, inputs.SILVER["live_sessions"], day - timedelta(days=1), day
    )
    products = inputs.dimension_as_of(ctx, "products", day)
    sources = {
        name: enrich(name, inputs.silver_day(ctx, name, day), sessions, products)
        for name in EVENT_SOURCES
    }
    sources["prices"] = inputs.dimension_during(ctx, "prices", day)
    return sources


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date) -> StageReport:
    """Aggregate day D (and the earlier days late data changed) for every entity."""
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
    # Each enriched silver day is aggregated for several entities: read it once.
    sources = {d: {n: f.cache() for n, f in day_sources(ctx, d).items()} for d in all_days}
    staged = []
    for entity in ENTITIES:
        frames = [daily_aggregate(entity, sources[d], d, ctx.run.run_id) for d in days_of[entity]]
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other)
        staged.append(
            ctx.lake.stage(AGGREGATES[entity], frame, "replace_partitions", days_of[entity])
        )
    for frames in sources.values():
        for frame in frames.values():
            frame.unpersist()
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
