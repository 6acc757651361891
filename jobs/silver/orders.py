"""silver/orders: order status changes (created, paid, cancelled), one row per event.

Dedup: by `event_id`, last write wins by (delivery_date, source_file, line_number); exact
copies and earlier versions of a re-sent event are counted as duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.jobs.lake.tables.silver import ORDERS as TABLE
from livelake.jobs.silver import events, pii
from livelake.jobs.silver.parsing import Conformed, Field, ForeignKey, SilverEnv, Spec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

ORDER = events.ORDER
SPEC = Spec(
    table="orders",
    csv=False,
    event_time="event_time",
    fields=(
        *events.common_fields(("created", "paid", "cancelled")),
        Field("order_id", required=True),
        Field("session_id", required_if=events.LIVE_PLATFORM),
        Field("product_id", required=True),
        Field("anchor_id", required_if=events.LIVE_PLATFORM),
        Field("quantity", "long"),
        Field("unit_price_cny", "amount"),
        Field("coupon_cny", "amount"),
        Field("amount_cny", "amount"),
        Field("payment_method"),
        Field("receiver_phone", pseudonym="receiver_phone_pseudonym", aliases=pii.PHONE_ALIASES),
        Field(
            "receiver_address",
            pseudonym="receiver_address_pseudonym",
            aliases=pii.ADDRESS_ALIASES,
        ),
    ),
    foreign_keys=(
        ForeignKey("user_id", "users"),
        ForeignKey("session_id", "live_sessions"),
        ForeignKey("product_id", "products"),
        ForeignKey("anchor_id", "anchors"),
    ),
)


def transform(bronze: DataFrame, env: SilverEnv) -> Conformed:
    """bronze/orders lines of one delivery -> (orders, quarantine, duplicates)."""
    return events.conform_events(bronze, SPEC, TABLE, env)
