"""The pure transform behind the feature snapshots: daily aggregates (+ yesterday's snapshot,
+ dimensions as of the day) -> one row per entity with every declared feature.

Everything here is generated from the declarations in `livelake.features`:
- windowed features (sum / min / max / active_days over n days) become one conditional
  aggregate each, all in a single groupBy over the window's daily aggregates;
- carried features (lifetime_sum / recency_days / decay) update yesterday's value with day
  D's aggregate (incremental) or fold the whole aggregate history (full, used when there is
  no snapshot of D-1 and to verify the incremental path);
- profile features evaluate their SQL on the dimension row valid at the end of D;
- ratio and expression features evaluate their SQL on the row, in declaration order.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.features.declarations import features_of
from livelake.features.feature import CARRIED, ENTITY_KEYS, WINDOWED, Feature

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def longest_window(entity: str) -> int:
    """Days of daily aggregates an incremental snapshot needs (D included)."""
    return max(
        (f.window_days or 1 for f in features_of(entity) if f.aggregation in WINDOWED), default=1
    )


def _window_aggregate(feature: Feature, day: date) -> Column:
    from pyspark.sql import functions as F

    first = day - timedelta(days=feature.window_days - 1)  # type: ignore[operator]
    inside = (F.col("day") >= F.lit(first)) & (F.col("day") <= F.lit(day))
    value = F.col(feature.inputs[0])
    if feature.aggregation == "active_days":
        return F.count(F.when(inside & (value > 0), F.lit(1)))
    picked = F.when(inside, value)
    if feature.aggregation == "sum":
        return F.coalesce(F.sum(picked), F.lit(0))
    return getattr(F, feature.aggregation)(picked)


def _decay_factor(feature: Feature) -> float:
    return 2.0 ** (-1.0 / feature.half_life_days)  # type: ignore[operator]


def _carried_full(feature: Feature, day: date) -> Column:
    """A carried feature folded over the whole aggregate history up to `day`."""
    from pyspark.sql import functions as F

    value = F.col(feature.inputs[0])
    age_days = F.datediff(F.lit(day), F.col("day"))
    if feature.aggregation == "lifetime_sum":
        return F.coalesce(F.sum(value), F.lit(0))
    if feature.aggregation == "recency_days":
        return F.datediff(F.lit(day), F.max(F.when(value > 0, F.col("day"))))
    return F.coalesce(
        F.sum(value * F.pow(F.lit(2.0), -age_days / F.lit(feature.half_life_days))), F.lit(0.0)
    )


def _carried_step(feature: Feature) -> Column:
    """Yesterday's value (`prev_<name>`) updated with today's measure (`today_<input>`)."""
    from pyspark.sql import functions as F

    prev = F.col(f"prev_{feature.name}")
    today = F.coalesce(F.col(f"today_{feature.inputs[0]}"), F.lit(0))
    if feature.aggregation == "lifetime_sum":
        return F.coalesce(prev, F.lit(0)) + today
    if feature.aggregation == "recency_days":
        return F.when(today > 0, F.lit(0)).when(prev.isNotNull(), prev + 1)
    return F.coalesce(prev, F.lit(0.0)) * F.lit(_decay_factor(feature)) + today


def snapshot(
    entity: str,
    day: date,
    aggregates: DataFrame,
    previous: DataFrame | None,
    dimensions: dict[str, DataFrame],
    run_id: str,
) -> DataFrame:
    """Features of every known `entity` as of the end of `day`.

    `aggregates`: the entity's daily aggregates; at least the longest window ending on `day`
    when `previous` (the snapshot of `day - 1`) is given, else the whole history up to `day`.
    `dimensions`: dimension name -> rows valid at the end of `day` (for profile features).
    """
    from pyspark.sql import functions as F

    keys = list(ENTITY_KEYS[entity])
    declared = features_of(entity)
    windowed = [f for f in declared if f.aggregation in WINDOWED]
    carried = [f for f in declared if f.aggregation in CARRIED]
    history = aggregates.where(F.col("day") <= F.lit(day))

    known = [history.select(*keys)]
    if previous is not None:
        known.append(previous.select(*keys))
    for name in {f.inputs[0] for f in declared if f.aggregation == "profile"}:
        known.append(dimensions[name].select(*keys))
    entities = known[0]
    for more in known[1:]:
        entities = entities.unionByName(more)
    rows = entities.distinct()

    if windowed:
        rows = rows.join(
            history.groupBy(*keys).agg(
                *(_window_aggregate(f, day).alias(f.name) for f in windowed)
            ),
            keys,
            "left",
        )
    if carried and previous is None:
        rows = rows.join(
            history.groupBy(*keys).agg(*(_carried_full(f, day).alias(f.name) for f in carried)),
            keys,
            "left",
        )
    elif carried:
        inputs = sorted({f.inputs[0] for f in carried})
        today = history.where(F.col("day") == F.lit(day)).select(
            *keys, *(F.col(m).alias(f"today_{m}") for m in inputs)
        )
        prev = previous.select(*keys, *(F.col(f.name).alias(f"prev_{f.name}") for f in carried))
        rows = rows.join(today, keys, "left").join(prev, keys, "left")
        rows = rows.select(
            *[c for c in rows.columns if not c.startswith(("today_", "prev_"))],
            *(_carried_step(f).alias(f.name) for f in carried),
        )
    for name in {f.inputs[0] for f in declared if f.aggregation == "profile"}:
        attributes = [f for f in declared if f.aggregation == "profile" and f.inputs[0] == name]
        dim = dimensions[name].withColumn("as_of_date", F.lit(day))
        rows = rows.join(
            dim.select(*keys, *(F.expr(f.expression).alias(f.name) for f in attributes)),
            keys,
            "left",
        )
    for f in windowed:
        if f.aggregation in ("sum", "active_days"):
            rows = rows.withColumn(f.name, F.coalesce(F.col(f.name), F.lit(0)))
    for f in carried:
        if f.aggregation != "recency_days":
            rows = rows.withColumn(f.name, F.coalesce(F.col(f.name), F.lit(0)))
    for f in declared:
        if f.aggregation in ("ratio", "expression"):
            rows = rows.withColumn(f.name, F.expr(f.expression))
    return rows.select(
        *keys,
        F.lit(day).alias("as_of_date"),
        *(F.col(f.name).cast(f.dtype).alias(f.name) for f in declared),
        F.lit(run_id).alias("run_id"),
    )
