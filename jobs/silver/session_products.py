"""silver/session_products: product explanation segments (商品展示时长), one row per segment.

`explain_seconds` = explain_end - explain_start (null while the segment is open). Latest
`updated_at` wins per `segment_id`, ties broken by the latest landed line. Partitioned by the
UTC date the explanation started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import UPDATE_ORDER
from livelake.jobs.silver.history import latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import SESSION_PRODUCTS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = UPDATE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/session_products lines of one delivery -> (segments, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    seconds = F.unix_timestamp("explain_end") - F.unix_timestamp("explain_start")
    dated = clean.withColumn("explain_seconds", seconds.cast("long")).withColumn(
        "segment_date", F.to_date("explain_start")
    )
    kept, dropped = latest_per_key(dated, TABLE.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
