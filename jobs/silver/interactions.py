"""silver/interactions: comment, like, share or gift events (互动), one row per event.

Dedup: by `event_id`, last write wins by (delivery_date, source_file, line_number); exact
copies and earlier versions of a re-sent event are counted as duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver import events
from livelake.jobs.silver.parsing import Conformed, SilverEnv
from livelake.lake.tables.silver import INTERACTIONS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = events.ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/interactions lines of one delivery -> (interactions, quarantine, duplicates)."""
    return events.conform_events(bronze, TABLE, env)
