"""silver/anchors: streamer profiles with SCD2 history, one row per anchor per version.

Tier, followers and professionalism score change over time; features read the version valid
on their day. Dedup: the same (anchor_id, updated_at) landed twice keeps the latest line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import entity_of
from livelake.jobs.silver.history import LINEAGE_ORDER, latest_per_key, scd2
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import ANCHORS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEY = "anchor_id"
ORDER = LINEAGE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/anchors lines of one delivery -> (anchor versions, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    versions = clean.withColumn("valid_from", F.col("updated_at"))
    kept, dropped = latest_per_key(versions, TABLE.keys, ORDER)
    return Conformed(history(kept), quarantine, dropped)


def history(versions: DataFrame) -> DataFrame:
    """valid_to / is_current of every version, from all versions of each entity."""
    return scd2(versions, entity_of(TABLE))
