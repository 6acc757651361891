"""Gold feature snapshots: `gold/<entity>_features`, one row per entity per as_of_date.

Day D's snapshot reads only gold — the daily aggregates of the longest window ending on D and
the snapshot of D-1 (carried features) — plus the four dimensions as they stood at the end
of D. Without a snapshot of D-1 (the first run, or a gap) it folds the whole aggregate
history instead; both paths give the same values (tests/jobs/gold/test_features.py).
Late data: when `audit/dirty_days` lists earlier days for this delivery, each affected
entity's snapshots from the earliest such day up to D are rebuilt in one frame (each day's
carried values stepped from the day before, as a day-by-day rebuild would) and one commit;
snapshots of unaffected entities and earlier days stay untouched.
A day with nothing delivered (allowed by `allow_empty_days`) still gets its snapshot, unlike
the aggregates, training examples and KPIs of that day: a snapshot as of D is the state of
each entity at the end of D, built from its history, not from D's events (the windows slide
by one day over no activity, the profiles stay as they were), and D+1's training examples
and point-in-time reads at D+1 need exactly that snapshot.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.features.declarations import features_of
from livelake.features.feature import ENTITIES
from livelake.jobs.gold import inputs
from livelake.jobs.gold.snapshots import longest_window, snapshots
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake.tables.gold import AGGREGATES, SNAPSHOTS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext

JOB = "gold.features"
STAGE = "features"
HISTORY_START = date(1970, 1, 1)


def previous_snapshot(ctx: JobContext, entity: str, day: date) -> DataFrame | None:
    """The published snapshot of `day - 1`, or None when there is none."""
    before = day - timedelta(days=1)
    rows = inputs.read_partitions(ctx, SNAPSHOTS[entity], before, before)
    return None if rows.isEmpty() else rows


def build(
    ctx: JobContext, entity: str, first: date, last: date, previous: DataFrame | None
) -> DataFrame:
    """Read the inputs of the snapshots of `first`..`last` and compute them (incremental
    when `previous`, the snapshot of `first - 1`, exists)."""
    since = first - timedelta(days=longest_window(entity) - 1) if previous is not None else None
    aggregates = inputs.read_partitions(ctx, AGGREGATES[entity], since or HISTORY_START, last)
    dimensions = {
        name: inputs.dimension_as_of_each(ctx, name, first, last)
        for name in {f.inputs[0] for f in features_of(entity) if f.aggregation == "profile"}
    }
    return snapshots(entity, first, last, aggregates, previous, dimensions, ctx.run.run_id)


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date, full: bool = False) -> StageReport:
    """Snapshot every entity as of D (and rebuild the snapshots late data changed).

    `full=True` ignores yesterday's snapshot and folds the whole aggregate history (a repair
    or a check of the incremental path).
    """
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    if not any(ctx.lake.exists(table) for table in AGGREGATES.values()):
        return StageReport(STAGE, day, "nothing_to_do", message="no daily aggregates exist yet")
    late = inputs.recompute_from(ctx, day)
    staged = []
    rebuilt: dict[str, list[date]] = {}
    for entity in ENTITIES:
        first = late.get(entity, day)
        previous = None if full else previous_snapshot(ctx, entity, first)
        frame = build(ctx, entity, first, day, previous)
        staged.append(
            ctx.lake.stage(
                SNAPSHOTS[entity], frame, "replace_partitions", inputs.days_from(first, day)
            )
        )
        if first < day:
            rebuilt[entity] = [first, day - timedelta(days=1)]
    publication = publish(ctx, STAGE, day, staged)
    counts = [TableCounts(w.table.qualified_name, None, w.rows) for w in staged]
    message = (
        "late data: rebuilt "
        + "; ".join(
            f"{e}_features {a.isoformat()}..{b.isoformat()}"
            for e, (a, b) in sorted(rebuilt.items())
        )
        if rebuilt
        else f"snapshots as of {day}"
    )
    for count, commit in zip(counts, publication.commits, strict=True):
        count.version = commit.version
    return StageReport(
        STAGE, day, "ok", counts, publication.gate, message, time.monotonic() - started
    )
