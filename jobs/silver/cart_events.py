"""silver/cart_events: add-to-cart and remove events, one row per event.

Dedup: by `event_id`, last write wins by (delivery_date, source_file, line_number); exact
copies and earlier versions of a re-sent event are counted as duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.silver import events
from livelake.jobs.silver.parsing import Conformed, SilverEnv
from livelake.lake.tables.silver import CART_EVENTS as TABLE

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = events.ORDER


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/cart_events lines of one delivery -> (cart_events, quarantine, duplicates)."""
    return events.conform_events(bronze, TABLE, env)
