"""The gold builders run on a tiny silver world a test wrote inline, without the stages'
gates: the rows the value tests compare whole.

`aggregate` computes a day's daily aggregates as `aggregates.run` does (`day_sources`, then
`daily_aggregate` per entity, planned for the day's size) and appends them to
`gold/agg_<entity>_daily`; `features_as_of` builds snapshots from them as `features.run`
does when there is no snapshot of the day before (`features.build`: the full fold of the
aggregate history, and the dimensions as of the day). Rows come back as plain dicts sorted
by key, without `run_id`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from livelake.features import ENTITY_KEYS
from livelake.jobs.gold import features, inputs
from livelake.jobs.gold.aggregates import daily_aggregate, day_sources
from livelake.lake.tables.gold import AGGREGATES
from livelake.spark import planned_for

Rows = dict[str, list[dict[str, Any]]]


def _plain(entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ENTITY_KEYS[entity]
    plain = [{k: v for k, v in row.items() if k != "run_id"} for row in rows]
    return sorted(plain, key=lambda row: tuple(row[k] for k in keys))


def aggregate(ctx, day: date, *entities: str) -> Rows:
    """Each entity's aggregates of `day` (the day's silver partitions read once), also
    appended to `gold/agg_<entity>_daily` for `features_as_of`."""
    found = {}
    with planned_for(ctx.spark, inputs.day_rows(ctx, day), ctx.settings):
        sources = day_sources(ctx, [day])
        for entity in entities:
            frame = daily_aggregate(entity, sources, ctx.run.run_id)
            rows = [row.asDict() for row in frame.collect()]
            ctx.lake.append_records(AGGREGATES[entity], rows, ctx.run)
            found[entity] = _plain(entity, rows)
    return found


def features_as_of(ctx, day: date, active_days: Iterable[date], *entities: str) -> Rows:
    """Each entity's snapshot as of `day`, from the aggregates of `active_days`.

    List every day the world has rows on or a price valid during: `aggregates.run` would add
    no aggregate row for any other day (its silver partitions are empty).
    """
    for active in sorted(active_days):
        aggregate(ctx, active, *entities)
    with planned_for(ctx.spark, inputs.day_rows(ctx, day), ctx.settings):
        built = {e: features.build(ctx, e, day, day, previous=None) for e in entities}
        return {e: _plain(e, [row.asDict() for row in f.collect()]) for e, f in built.items()}
