"""The point-in-time join on Spark, for label sets too large for one process.

Same contract as `livelake.retrieval.training_set`: each label takes, per entity, the latest
snapshot whose `available_at` (as_of_date + 1 day, 00:00 UTC) is at or before the label's
timestamp. Labels and snapshots are unioned per entity key and ordered by time (a snapshot
before a label at the same instant); `last(struct, ignorenulls=True)` over the running
window picks the latest snapshot — measured here as the fastest of union / join + max(struct)
/ join + row_number. The struct keeps a snapshot's null features null instead of falling
back to older values. Values older than their feature's `max_age` at the label come back
null, exactly as in the JVM-free join (`max_ages` resolves the limits for both).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from livelake.features.declarations import resolve
from livelake.features.feature import ENTITY_KEYS, Feature, as_of_column, feature_table
from livelake.lake.registry import table
from livelake.retrieval.pit import MaxAge, max_ages, table_version

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.lake import Lake

_ROW = "__livelake_row"
_TS = "__livelake_ts"


def training_set_spark(
    labels: DataFrame,
    features: list[str],
    lake: Lake,
    *,
    timestamp_column: str = "event_timestamp",
    known_as_of: datetime | None = None,
    versions: dict[str, int] | None = None,
    max_age: MaxAge = None,
    consistent: bool = True,
) -> DataFrame:
    """Spark twin of `training_set`: the labels plus `<entity>__<feature>` columns and one
    `<entity>__as_of_date` per entity."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    chosen = resolve(features)
    limits = max_ages(chosen, max_age)
    by_entity: dict[str, list[Feature]] = {}
    for f in chosen:
        by_entity.setdefault(f.entity, []).append(f)
    pinned = dict(versions or {})
    out = labels.withColumn(_ROW, F.monotonically_increasing_id()).withColumn(
        _TS, F.col(timestamp_column).cast("timestamp")
    )
    for entity, wanted in by_entity.items():
        keys = list(ENTITY_KEYS[entity])
        name = feature_table(entity)
        version = (
            pinned[name]
            if name in pinned
            else table_version(entity, known_as_of, lake.lake_root, consistent)
        )
        as_of = as_of_column(entity)
        packed = F.struct(
            F.col("as_of_date").alias(as_of), *(F.col(f.name).alias(f.column) for f in wanted)
        )
        snapshots = lake.read(table(name), version=version).select(
            *keys,
            F.lit(None).cast("long").alias(_ROW),
            F.date_add("as_of_date", 1).cast("timestamp").alias(_TS),
            packed.alias("_features"),
            F.lit(0).alias("_is_label"),
        )
        asked = out.select(
            *keys,
            _ROW,
            _TS,
            F.lit(None).cast(snapshots.schema["_features"].dataType).alias("_features"),
            F.lit(1).alias("_is_label"),
        )
        running = (
            Window.partitionBy(*keys)
            .orderBy(_TS, "_is_label")
            .rowsBetween(Window.unboundedPreceding, Window.currentRow)
        )
        picked = (
            snapshots.unionByName(asked)
            .withColumn("_features", F.last("_features", ignorenulls=True).over(running))
            .where(F.col("_is_label") == 1)
            .select(_ROW, "_features.*")
        )
        out = out.join(picked, _ROW, "left")
        available = F.date_add(as_of, 1).cast("timestamp")
        age_us = F.unix_micros(F.col(_TS)) - F.unix_micros(available)
        for f in wanted:
            limit = limits[f.reference]
            if limit is not None:
                stale = age_us > F.lit(limit // timedelta(microseconds=1))
                empty = F.lit(None).cast(out.schema[f.column].dataType)
                out = out.withColumn(f.column, F.when(stale, empty).otherwise(F.col(f.column)))
    return out.orderBy(_ROW).select(
        *labels.columns, *(f.column for f in chosen), *(as_of_column(e) for e in by_entity)
    )
