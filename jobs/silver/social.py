"""silver/social: follow graph (user -> anchor) and share / invite edges (user -> user).

One row per edge event, keyed by (edge_type, src_user_id, dst_id, created_at); the same edge
event landed twice keeps its latest `updated_at`, then latest landed line. `dst_id` must be a
known anchor for follow / unfollow and a known user for share / invite. Partitioned by the
UTC creation date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import UPDATE_ORDER
from livelake.jobs.silver.history import latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import SOCIAL as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = UPDATE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/social lines of one delivery -> (edges, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    dated = clean.withColumn("created_date", F.to_date("created_at"))
    kept, dropped = latest_per_key(dated, TABLE.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
