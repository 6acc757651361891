"""silver/views: room enter / leave events, one row per event.

Dedup: by `event_id`, last write wins by (delivery_date, source_file, line_number): an exact
copy or a re-sent event (e.g. corrected `dwell_seconds`) keeps the latest landed line; the
others are counted as duplicates. Device id and IP become HMAC pseudonyms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver import events
from livelake.jobs.silver.parsing import Conformed, SilverEnv
from livelake.lake.tables.silver import VIEWS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = events.ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/views lines of one delivery -> (views, quarantine, duplicates)."""
    return events.conform_events(bronze, TABLE, env)
