"""silver/products: the catalog with SCD2 history, one row per product per version.

Dedup: the same (product_id, updated_at) landed twice keeps the latest landed line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import entity_of
from livelake.jobs.silver.history import LINEAGE_ORDER, latest_per_key, scd2
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import PRODUCTS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEY = "product_id"
ORDER = LINEAGE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/products lines of one delivery -> (product versions, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    versions = clean.withColumn("valid_from", F.col("updated_at"))
    kept, dropped = latest_per_key(versions, TABLE.keys, ORDER)
    return Conformed(history(kept), quarantine, dropped)


def history(versions: DataFrame) -> DataFrame:
    """valid_to / is_current of every version, from all versions of each entity."""
    return scd2(versions, entity_of(TABLE))
