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
    """(user, session, product, example_date, observed_at): products explained in sessions
    users entered, per day (a view and a segment count together only on the same day)."""
    from pyspark.sql import functions as F

    entered = (
        views.where((F.col("event_type") == "enter") & F.col("session_id").isNotNull())
        .groupBy("user_id", "session_id", F.col("event_date").alias("example_date"))
        .agg(F.min("event_time").alias("first_entered_at"))
    )
    shown = segments.groupBy(
        "session_id", "product_id", F.col("segment_date").alias("example_date")
    ).agg(F.min("explain_start").alias("first_shown_at"))
    return entered.join(shown, ["session_id", "example_date"]).select(
        "user_id",
        "session_id",
        "product_id",
        "example_date",
        F.greatest("first_entered_at", "first_shown_at").alias("observed_at"),
    )


def labelled(exposed: DataFrame, orders: DataFrame) -> DataFrame:
    """Add `label`: 1 if the user paid an order for the product in that session that day."""
    from pyspark.sql import functions as F

    paid = (
        orders.where(F.col("event_type") == "paid")
        .select("user_id", "session_id", "product_id", F.col("event_date").alias("example_date"))
        .distinct()
        .withColumn("label", F.lit(1))
    )
    keys = ["user_id", "session_id", "product_id", "example_date"]
    return exposed.join(paid, keys, "left").withColumn(
        "label", F.coalesce(F.col("label"), F.lit(0)).cast("int")
    )


def candidates(
    views: DataFrame,
    segments: DataFrame,
    sessions: DataFrame,
    products: DataFrame,
    snapshots: dict[str, DataFrame],
) -> DataFrame:
    """Each day's exposures, unlabelled, with the session's anchor, the product's category
    and `<entity>__<feature>` columns as of the day before (never the day itself): what the
    model is trained on and what it scores (`livelake.model.score`).

    `products` and `snapshots` carry `as_of_date`; a row takes the ones of `example_date - 1`.
    """
    from pyspark.sql import functions as F

    rows = (
        exposures(views, segments)
        .withColumn("as_of_date", F.date_sub(F.col("example_date"), 1))
        .join(F.broadcast(sessions.select("session_id", "anchor_id")), "session_id", "left")
        .join(
            F.broadcast(products.select("product_id", "as_of_date", "category")),
            ["product_id", "as_of_date"],
            "left",
        )
    )
    for entity in ENTITIES:
        keys = [*ENTITY_KEYS[entity], "as_of_date"]
        rows = rows.join(
            snapshots[entity].select(
                *keys, *(F.col(f.name).alias(f.column) for f in features_of(entity))
            ),
            keys,
            "left",
        )
    return rows.drop("as_of_date")


def read_candidates(ctx: JobContext, first: date, last: date) -> DataFrame:
    """Read the inputs of the candidates of `first`..`last` and compute them."""
    before = first - timedelta(days=1)
    return candidates(
        inputs.read_partitions(ctx, inputs.SILVER["views"], first, last),
        inputs.read_partitions(ctx, inputs.SILVER["session_products"], first, last),
        inputs.read_partitions(ctx, inputs.SILVER["live_sessions"], before, last),
        inputs.dimension_as_of_each(ctx, "products", before, last - timedelta(days=1)),
        {
            e: inputs.read_partitions(ctx, SNAPSHOTS[e], before, last - timedelta(days=1))
            for e in ENTITIES
        },
    )


def build(ctx: JobContext, first: date, last: date) -> DataFrame:
    """The labelled examples of `first`..`last` with `<entity>__<feature>` columns as of the
    day before each."""
    from pyspark.sql import functions as F

    rows = labelled(
        read_candidates(ctx, first, last),
        inputs.read_partitions(ctx, inputs.SILVER["orders"], first, last),
    )
    return rows.withColumn("run_id", F.lit(ctx.run.run_id))


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
    days = [first + timedelta(days=i) for i in range((day - first).days + 1)]
    staged = ctx.lake.stage(TRAINING_EXAMPLES, build(ctx, first, day), "replace_partitions", days)
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
