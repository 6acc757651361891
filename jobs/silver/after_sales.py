"""silver/after_sales: refunds and returns with reasons, one row per case (latest status wins).

A case is exported when requested and again when resolved; the latest `updated_at` wins per
`case_id`, ties broken by the latest landed line. Partitioned by the UTC request date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import UPDATE_ORDER
from livelake.jobs.silver.history import latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import AFTER_SALES as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = UPDATE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/after_sales lines of one delivery -> (cases, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    dated = clean.withColumn("requested_date", F.to_date("requested_at"))
    kept, dropped = latest_per_key(dated, TABLE.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
