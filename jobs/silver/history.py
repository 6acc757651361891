"""Deduplication and history shared by the silver tables: last write wins, SCD type 2.

Last write wins is deterministic: among rows with the same key the one with the greatest
ordering tuple survives. Every table's tuple ends with the lineage (delivery_date,
source_file, line_number), which is unique per landed line, so the winner never depends on
the order in which days were run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from livelake.spark import persist

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

LINEAGE_ORDER = ("delivery_date", "source_file", "line_number")


def latest_per_key(
    rows: DataFrame, keys: Sequence[str], order: Sequence[str] = LINEAGE_ORDER
) -> tuple[DataFrame, DataFrame]:
    """Per key keep the row greatest in `order`; return (kept, dropped duplicates)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*keys).orderBy(*[F.col(c).desc_nulls_last() for c in order])
    # Persisted: the kept rows are written and the dropped ones counted from one ranking.
    ranked = persist(rows.withColumn("_rank", F.row_number().over(window)))
    kept = ranked.where(F.col("_rank") == 1).drop("_rank")
    dropped = ranked.where(F.col("_rank") > 1).drop("_rank")
    return kept, dropped


def merge_latest(
    existing: DataFrame,
    incoming: DataFrame,
    keys: Sequence[str],
    order: Sequence[str] = LINEAGE_ORDER,
) -> tuple[DataFrame, DataFrame]:
    """Upsert by last write wins: (merged rows, incoming rows that lost to an existing row).

    `existing` must not hold rows of the delivery being (re)processed: a run owns the rows
    of its delivery day and re-derives them, so ties cannot occur.
    """
    from pyspark.sql import functions as F

    both = existing.select(*incoming.columns, F.lit(False).alias("_incoming")).unionByName(
        incoming.withColumn("_incoming", F.lit(True))
    )
    kept, dropped = latest_per_key(both, keys, order)
    lost = dropped.where(F.col("_incoming")).drop("_incoming")
    return kept.drop("_incoming"), lost


def scd2(
    versions: DataFrame,
    entity: Sequence[str],
    valid_from: str = "valid_from",
    source_valid_to: str | None = None,
) -> DataFrame:
    """Set `valid_to` (next version's start, or the source's own end) and `is_current`.

    A version is current while no later version of the same entity exists.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    window = Window.partitionBy(*entity).orderBy(F.col(valid_from))
    next_start = F.lead(valid_from).over(window)
    valid_to = F.coalesce(F.col(source_valid_to), next_start) if source_valid_to else next_start
    return versions.withColumn("is_current", next_start.isNull()).withColumn("valid_to", valid_to)
