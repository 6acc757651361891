"""silver/orders: order status changes (created, paid, cancelled), one row per event.

Dedup: by `event_id`, last write wins by (delivery_date, source_file, line_number); exact
copies and earlier versions of a re-sent event are counted as duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver import events
from livelake.jobs.silver.parsing import Conformed, SilverEnv
from livelake.lake.tables.silver import ORDERS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = events.ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/orders lines of one delivery -> (orders, quarantine, duplicates)."""
    return events.conform_events(bronze, TABLE, env)
