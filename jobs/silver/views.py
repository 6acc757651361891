"""silver/views: room enter / leave events, one row per event.

Dedup: by `event_id`, last write wins by (delivery_date, source_file, line_number): an exact
copy or a re-sent event (e.g. corrected `dwell_seconds`) keeps the latest landed line; the
others are counted as duplicates. Device id and IP become HMAC pseudonyms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.lake.tables.silver import VIEWS as TABLE
from livelake.jobs.silver import events, pii
from livelake.jobs.silver.parsing import Conformed, Field, ForeignKey, SilverEnv, Spec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = events.ORDER
SPEC = Spec(
    table="views",
    csv=False,
    event_time="event_time",
    fields=(
        *events.common_fields(("enter", "leave")),
        Field("session_id", required_if=events.LIVE_PLATFORM),
        Field("visit_id"),
        Field("dwell_seconds", "long", range=(0, 86_400)),  # at most a day in one room
        Field("channel", allowed=("feed", "follow", "search", "share")),
        Field("device_id", pseudonym="device_pseudonym", aliases=pii.DEVICE_ALIASES),
        Field("ip", pseudonym="ip_pseudonym", aliases=pii.IP_ALIASES),
    ),
    foreign_keys=(ForeignKey("user_id", "users"), ForeignKey("session_id", "live_sessions")),
)


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/views lines of one delivery -> (views, quarantine, duplicates)."""
    return events.conform_events(bronze, SPEC, TABLE, env)
