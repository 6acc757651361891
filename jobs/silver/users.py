"""silver/users: user profiles with SCD2 history, one row per user per version.

A version starts at its `updated_at` (`valid_from`) and ends where the next one starts, so a
membership level changed on day 5 still reads as the old level as of day 4. Dedup: the same
(user_id, updated_at) landed twice keeps the latest landed line. Name, phone and device id
become HMAC pseudonyms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import entity_of
from livelake.jobs.silver.history import LINEAGE_ORDER, latest_per_key, scd2
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import USERS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEY = "user_id"
ORDER = LINEAGE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/users lines of one delivery -> (user versions, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    versions = clean.withColumn("valid_from", F.col("updated_at"))
    kept, dropped = latest_per_key(versions, TABLE.keys, ORDER)
    return Conformed(history(kept), quarantine, dropped)


def history(versions: DataFrame) -> DataFrame:
    """valid_to / is_current of every version, from all versions of each entity."""
    return scd2(versions, entity_of(TABLE))
