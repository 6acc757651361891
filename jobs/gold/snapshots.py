"""The pure transform behind the feature snapshots: daily aggregates (+ the snapshot of the
day before, + dimensions as of each day) -> one row per entity per as-of day with every
declared feature, for one day or a stretch of days (late data, reruns) in one frame.

Everything here is generated from the declarations in `livelake.features`:
- windowed features (sum / min / max / active_days over n days) become one conditional
  aggregate each, all in a single groupBy of the daily rows each as-of day's window holds;
- carried features (lifetime_sum / recency_days / decay) step the previous snapshot's value
  through each day's aggregate, as a running aggregate per entity; without a previous
  snapshot the history before the stretch is folded first (the full path, which also
  verifies the incremental one);
- profile features evaluate their SQL on the dimension row valid at the end of the day;
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


def _window_aggregate(feature: Feature) -> Column:
    """A windowed feature over the daily rows that reached `as_of_date` (`_reaching`)."""
    from pyspark.sql import functions as F

    first = F.date_sub(F.col("as_of_date"), feature.window_days - 1)  # type: ignore[operator]
    inside = (F.col("day") >= first) & (F.col("day") <= F.col("as_of_date"))
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


def _carried_steps(feature: Feature, first: date, last: date) -> Column:
    """The value on `as_of_date` of a feature carried from the day before `first`
    (`prev_<name>`) through the daily values of `first`..`as_of_date` (`today_<input>`, one
    row per day): yesterday's value stepped day by day, as one running aggregate per entity.
    With a single day this is exactly one step: `prev * factor + today` for decay."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = list(ENTITY_KEYS[feature.entity])
    so_far = (
        Window.partitionBy(*keys)
        .orderBy("as_of_date")
        .rowsBetween(Window.unboundedPreceding, Window.currentRow)
    )
    prev = F.col(f"prev_{feature.name}")
    today = F.coalesce(F.col(f"today_{feature.inputs[0]}"), F.lit(0))
    steps = F.datediff(F.col("as_of_date"), F.lit(first)) + 1
    if feature.aggregation == "lifetime_sum":
        return F.coalesce(prev, F.lit(0)) + F.sum(today).over(so_far)
    if feature.aggregation == "recency_days":
        active = F.max(F.when(today > 0, F.col("as_of_date"))).over(so_far)
        return F.when(active.isNotNull(), F.datediff(F.col("as_of_date"), active)).when(
            prev.isNotNull(), prev + steps
        )
    factor = F.lit(_decay_factor(feature))
    # Each day's value weighted towards `last` (<= 1, so a long stretch cannot overflow),
    # then brought back to `as_of_date`.
    to_last = F.datediff(F.lit(last), F.col("as_of_date"))
    weighted = F.sum(today * F.pow(factor, to_last)).over(so_far)
    return F.coalesce(prev, F.lit(0.0)) * F.pow(factor, steps) + weighted / F.pow(factor, to_last)


def _reaching(daily: DataFrame, first: date, last: date, days: int) -> DataFrame:
    """Each daily row once per as-of day of `first`..`last` whose `days`-day window holds it."""
    from pyspark.sql import functions as F

    start = F.greatest(F.col("day"), F.lit(first))
    end = F.least(F.date_add(F.col("day"), days - 1), F.lit(last))
    return daily.where(start <= end).withColumn("as_of_date", F.explode(F.sequence(start, end)))


def snapshots(
    entity: str,
    first: date,
    last: date,
    aggregates: DataFrame,
    previous: DataFrame | None,
    dimensions: dict[str, DataFrame],
    run_id: str,
) -> DataFrame:
    """Features of every known `entity` as of the end of each day of `first`..`last`, one
    frame: what snapshotting each day in turn from the one before gives.

    `aggregates`: the entity's daily aggregates; at least the longest window ending on
    `first` onwards when `previous` (the snapshot of `first - 1`) is given, else the whole
    history. `dimensions`: dimension name -> rows valid at the end of each day, that day as
    `as_of_date` (`inputs.dimension_as_of_each`), for profile features.
    An entity is known from the first day it had a daily row, a dimension row, or (from
    `first`) a row in `previous`. Over several days a decayed value may differ from the
    day-by-day one in its last bits (it is summed in another order); over one day it is
    the same to the bit.
    """
    from pyspark.sql import functions as F

    keys = list(ENTITY_KEYS[entity])
    declared = features_of(entity)
    windowed = [f for f in declared if f.aggregation in WINDOWED]
    carried = [f for f in declared if f.aggregation in CARRIED]
    profiled = sorted({f.inputs[0] for f in declared if f.aggregation == "profile"})
    history = aggregates.where(F.col("day") <= F.lit(last))

    known = [history.select(*keys, F.greatest(F.col("day"), F.lit(first)).alias("since"))]
    if previous is not None:
        known.append(previous.select(*keys, F.lit(first).alias("since")))
    for name in profiled:
        known.append(dimensions[name].select(*keys, F.col("as_of_date").alias("since")))
    entities = known[0]
    for more in known[1:]:
        entities = entities.unionByName(more)
    rows = (
        entities.groupBy(*keys)
        .agg(F.min("since").alias("since"))
        .select(*keys, F.explode(F.sequence("since", F.lit(last))).alias("as_of_date"))
    )

    if windowed:
        longest = max(f.window_days for f in windowed)  # type: ignore[type-var]
        window_rows = _reaching(history, first, last, longest)  # type: ignore[arg-type]
        rows = rows.join(
            window_rows.groupBy(*keys, "as_of_date").agg(
                *(_window_aggregate(f).alias(f.name) for f in windowed)
            ),
            [*keys, "as_of_date"],
            "left",
        )
    if carried:
        if previous is None:  # the history before `first`, folded as its snapshot would be
            before = first - timedelta(days=1)
            previous = (
                history.where(F.col("day") <= F.lit(before))
                .groupBy(*keys)
                .agg(*(_carried_full(f, before).alias(f.name) for f in carried))
            )
        inputs = sorted({f.inputs[0] for f in carried})
        today = history.where(F.col("day") >= F.lit(first)).select(
            *keys,
            F.col("day").alias("as_of_date"),
            *(F.col(m).alias(f"today_{m}") for m in inputs),
        )
        prev = previous.select(*keys, *(F.col(f.name).alias(f"prev_{f.name}") for f in carried))
        rows = rows.join(today, [*keys, "as_of_date"], "left").join(prev, keys, "left")
        rows = rows.select(
            *[c for c in rows.columns if not c.startswith(("today_", "prev_"))],
            *(_carried_steps(f, first, last).alias(f.name) for f in carried),
        )
    for name in profiled:
        attributes = [f for f in declared if f.aggregation == "profile" and f.inputs[0] == name]
        rows = rows.join(
            dimensions[name].select(
                *keys, "as_of_date", *(F.expr(f.expression).alias(f.name) for f in attributes)
            ),
            [*keys, "as_of_date"],
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
        "as_of_date",
        *(F.col(f.name).cast(f.dtype).alias(f.name) for f in declared),
        F.lit(run_id).alias("run_id"),
    )
