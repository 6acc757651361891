"""What the four event streams share: the common fields and the event-date routing.

Every event line has `event_id`, `event_type`, `event_time`, `user_id`. A clean event goes to
the partition of its UTC event date (late events to their older day); within a delivery the
latest landed line of an `event_id` wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver.history import LINEAGE_ORDER, latest_per_key
from livelake.jobs.silver.parsing import Conformed, Field, SilverEnv, Spec, conform_lines

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.lake.registry import Table

ORDER = LINEAGE_ORDER
# docs/landing-format.md: ids of the live room may be null only for events outside one, which
# only the non-live adapters deliver; on the platform they are required (null -> null_key).
LIVE_PLATFORM = "source = 'platform'"


def common_fields(event_types: tuple[str, ...]) -> tuple[Field, ...]:
    return (
        Field("event_id", required=True),
        Field("event_type", required=True, allowed=event_types),
        Field("event_time", "timestamp", required=True),
        Field("user_id", required=True),
    )


def conform_events(bronze: DataFrame, spec: Spec, table: Table, env: SilverEnv) -> Conformed:
    from pyspark.sql import functions as F

    clean, quarantine = conform_lines(bronze, spec, env)
    dated = clean.withColumn("event_date", F.to_date("event_time"))
    kept, dropped = latest_per_key(dated, table.keys, ORDER)
    return Conformed(kept, quarantine, dropped)
