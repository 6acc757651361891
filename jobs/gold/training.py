"""Gold training examples: `gold/training_examples`, one row per user × live session ×
product shown, observed on day D, labelled and joined with features as of D-1.

An example exists when the user entered a live session on D and that session explained the
product on D; `observed_at` is the first moment both were true (the later of the user's
first entry and the product's first explanation). `label` is 1 when the user paid an order
for the product in that session on D. Features come from the snapshots of D-1 only — the
transform filters them itself, so a snapshot of D can never leak into D's examples.
Late data: when `audit/dirty_days` lists earlier days for this delivery, the examples from
the earliest such day up to D are rebuilt (their labels or their D-1 features changed).
A day with nothing delivered publishes no partition (no views, so no examples: an empty
partition would read as a day nobody visited).
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.features.declarations import features_of
from livelake.features.feature import ENTITIES, ENTITY_KEYS
from livelake.jobs.gold import inputs
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake.tables.gold import SNAPSHOTS, TRAINING_EXAMPLES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext

JOB = "gold.training"
STAGE = "training"


def exposures(views: DataFrame, segments: DataFrame) -> DataFrame:
    """(user, session, product, observed_at): products explained in sessions users entered."""
    from pyspark.sql import functions as F

    entered = (
        views.where((F.col("event_type") == "enter") & F.col("session_id").isNotNull())
        .groupBy("user_id", "session_id")
        .agg(F.min("event_time").alias("first_entered_at"))
    )
    shown = segments.groupBy("session_id", "product_id").agg(
        F.min("explain_start").alias("first_shown_at")
    )
    return entered.join(shown, "session_id").select(
        "user_id",
        "session_id",
        "product_id",
        F.greatest("first_entered_at", "first_shown_at").alias("observed_at"),
    )


def labelled(exposed: DataFrame, orders: DataFrame) -> DataFrame:
    """Add `label`: 1 if the user paid an order for the product in that session."""
    from pyspark.sql import functions as F

    paid = (
        orders.where(F.col("event_type") == "paid")
        .select("user_id", "session_id", "product_id")
        .distinct()
        .withColumn("label", F.lit(1))
    )
    keys = ["user_id", "session_id", "product_id"]
    return exposed.join(paid, keys, "left").withColumn(
        "label", F.coalesce(F.col("label"), F.lit(0)).cast("int")
    )


def candidates(
    day: date,
    views: DataFrame,
    segments: DataFrame,
    sessions: DataFrame,
    products: DataFrame,
    snapshots: dict[str, DataFrame],
) -> DataFrame:
    """Day D's exposures, unlabelled, with the session's anchor, the product's category and
    `<entity>__<feature>` columns as of D-1 (never D): what the model is trained on and
    what it scores (`livelake.model.score`)."""
    from pyspark.sql import functions as F

    rows = (
        exposures(views, segments)
        .join(F.broadcast(sessions.select("session_id", "anchor_id")), "session_id", "left")
        .join(F.broadcast(products.select("product_id", "category")), "product_id", "left")
    )
    as_of = day - timedelta(days=1)
    for entity in ENTITIES:
        keys = list(ENTITY_KEYS[entity])
        snapshot = snapshots[entity].where(F.col("as_of_date") == F.lit(as_of))
        rows = rows.join(
            snapshot.select(*keys, *(F.col(f.name).alias(f.column) for f in features_of(entity))),
            keys,
            "left",
        )
    return rows


def read_candidates(ctx: JobContext, day: date) -> DataFrame:
    """Read the inputs of day D's candidates and compute them."""
    before = day - timedelta(days=1)
    return candidates(
        day,
        inputs.silver_day(ctx, "views", day),
        inputs.silver_day(ctx, "session_products", day),
        inputs.read_partitions(ctx, inputs.SILVER["live_sessions"], before, day),
        inputs.dimension_as_of(ctx, "products", before),
        {e: inputs.read_partitions(ctx, SNAPSHOTS[e], before, before) for e in ENTITIES},
    )


def build(ctx: JobContext, day: date) -> DataFrame:
    """Day D's labelled examples with `<entity>__<feature>` columns as of D-1."""
    from pyspark.sql import functions as F

    rows = labelled(read_candidates(ctx, day), inputs.silver_day(ctx, "orders", day))
    return rows.withColumn("example_date", F.lit(day)).withColumn("run_id", F.lit(ctx.run.run_id))


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date) -> StageReport:
    """Build D's examples (and rebuild the days late data changed)."""
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    if not ctx.lake.exists(inputs.SILVER["views"]):
        return StageReport(STAGE, day, "nothing_to_do", message="silver/views does not exist yet")
    if (reason := inputs.nothing_delivered(ctx, day)) is not None:
        return inputs.empty_day_report(STAGE, day, reason, "training examples")
    dirty = inputs.dirty_days(ctx, day)
    first = min(dirty, default=day)
    days = inputs.days_from(first, day)
    frame = build(ctx, days[0])
    for other in days[1:]:
        frame = frame.unionByName(build(ctx, other))
    staged = ctx.lake.stage(TRAINING_EXAMPLES, frame, "replace_partitions", days)
    publication = publish(ctx, STAGE, day, [staged])
    counts = [TableCounts(TRAINING_EXAMPLES.qualified_name, None, staged.rows)]
    message = (
        f"late data: rebuilt examples of {first.isoformat()}..{days[-2].isoformat()} and {day}"
        if len(days) > 1
        else f"examples of {day}"
    )
    counts[0].version = publication.commits[0].version
    return StageReport(
        STAGE, day, "ok", counts, publication.gate, message, time.monotonic() - started
    )
