"""silver/live_sessions: live rooms, one row per session (latest update wins).

A session is exported when it starts and again when it ends (`ended_at` filled), so the row
with the latest `updated_at` wins, ties broken by the latest landed line. Partitioned by the
UTC date the session started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.dimensions import UPDATE_ORDER
from livelake.jobs.silver.history import latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines
from livelake.lake.tables.silver import LIVE_SESSIONS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEY = "session_id"
ORDER = UPDATE_ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/live_sessions lines of one delivery -> (sessions, quarantine, duplicates)."""
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, TABLE, env)
    dated = clean.withColumn("session_date", F.to_date("started_at"))
    kept, dropped = latest_per_key(dated, TABLE.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
