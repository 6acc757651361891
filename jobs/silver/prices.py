"""silver/prices: price and promotion periods (价格锚定), SCD2 per product (and session).

The source gives each period's `valid_from` and, once known, `valid_to`; an open period ends
where the product's next period starts. Dedup: the same (product_id, valid_from) landed twice
keeps the latest landed line (a corrected price re-sent later wins).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.history import LINEAGE_ORDER, latest_per_key, scd2
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import PRICES as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ENTITY = ("product_id", "session_id")
ORDER = LINEAGE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/prices lines of one delivery -> (price periods, quarantine, duplicates)."""
    clean, quarantine = conform_lines(bronze, TABLE, env)
    kept, dropped = latest_per_key(clean, TABLE.keys, ORDER)
    return Conformed(history(kept), quarantine, dropped)


def history(versions: DataFrame) -> DataFrame:
    """valid_to / is_current of every version, from all versions of each entity."""
    return scd2(versions, ENTITY, source_valid_to="valid_to")
