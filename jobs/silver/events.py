"""What the four event streams share: the event-date routing and last write wins.

A clean event goes to the partition of its UTC event date (late events to their older day);
within a delivery the latest landed line of an `event_id` wins. Their common fields are
declared in `livelake/lake/tables/silver.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.history import LINEAGE_ORDER, latest_per_key
from livelake.jobs.silver.parsing import Conformed, SilverEnv, conform_lines

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.lake.tables.silver import SilverTable

ORDER = LINEAGE_ORDER


def conform_events(bronze: DataFrame, table: SilverTable, env: SilverEnv) -> Conformed:
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, table, env)
    dated = clean.withColumn("event_date", F.to_date("event_time"))
    kept, dropped = latest_per_key(dated, table.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
