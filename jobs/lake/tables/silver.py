"""Silver: the twelve conformed dimensions and their quarantines (built by jobs/silver/).

Column names follow the landing format (docs/landing-format.md) so the metric definitions read
the same in silver as in the landed files. PII never reaches silver: `*_pseudonym` columns
hold a keyed HMAC-SHA256 of the landed value. Event tables are partitioned by event date;
the four slowly changing dimensions (users, anchors, products, prices) keep SCD type 2
history (`valid_from` inclusive, `valid_to` exclusive, null while current).
"""

from livelake.jobs.lake.registry import Column, Table, col, key, register

AMOUNT = "decimal(18,2)"

# Where each silver row came from: enough to find the landed line again.
LINEAGE = (
    key("source", doc="who delivered it: platform, taobao, retailrocket, olist"),
    key("delivery_date", "date", "day the line was delivered"),
    key("source_file", doc="landing file relative to the landing root"),
    key("line_number", "long", "1-based line in the decompressed file"),
    col(
        "extra_fields",
        "string",
        "JSON of the undeclared fields the line carried (schema drift): each name with "
        "`_pseudonym` and the HMAC of its value, never the value itself",
        free_text=True,
    ),
    key("run_id", doc="run that published the row"),
)

# SCD type 2 validity: a row describes the entity from valid_from until valid_to.
SCD2 = (
    key("valid_from", "timestamp", "first instant this version holds (its updated_at)"),
    col("valid_to", "timestamp", "instant the next version replaced it; null while current"),
    key("is_current", "boolean", "true for the entity's latest version"),
)


def _event_table(name: str, grain: str, columns: tuple[Column, ...], description: str) -> Table:
    return Table(
        layer="silver",
        name=name,
        grain=grain,
        columns=(
            key("event_id", doc="unique per event; a re-sent event repeats it"),
            key("event_type"),
            key("event_time", "timestamp", "when it happened (UTC)"),
            key("event_date", "date", "UTC date of event_time: the partition"),
            *columns,
            *LINEAGE,
        ),
        partition_by=("event_date",),
        keys=("event_id",),
        description=description,
    )


VIEWS = _event_table(
    "views",
    "one row per room enter or leave event",
    (
        key("user_id"),
        col("session_id", "string", "live session; null outside a live room (adapters)"),
        col("visit_id", "string", "pairs an enter with its leave"),
        col("dwell_seconds", "long", "seconds in the room (leave events only)"),
        col("channel", "string", "feed | follow | search | share"),
        col("device_pseudonym", "string", "HMAC-SHA256 of the device id"),
        col("ip_pseudonym", "string", "HMAC-SHA256 of the IP address"),
    ),
    "Room visits. Last write wins on a re-sent event_id (latest delivery, then line).",
)

INTERACTIONS = _event_table(
    "interactions",
    "one row per comment, like, share or gift",
    (
        key("user_id"),
        col("session_id", "string"),
        col("product_id", "string", "product the interaction was about, if any"),
        col("gift_value_cny", AMOUNT, "gift value (gift events only)"),
    ),
    "Engagement inside live rooms (互动).",
)

CART_EVENTS = _event_table(
    "cart_events",
    "one row per add-to-cart or remove-from-cart event",
    (
        key("user_id"),
        col("session_id", "string"),
        key("product_id"),
        col("quantity", "long"),
        col("unit_price_cny", AMOUNT),
    ),
    "Cart changes.",
)

ORDERS = _event_table(
    "orders",
    "one row per order status change (created, paid, cancelled)",
    (
        key("order_id"),
        key("user_id"),
        col("session_id", "string", "live session the order was placed in; null outside one"),
        key("product_id"),
        col("anchor_id", "string"),
        col("quantity", "long"),
        col("unit_price_cny", AMOUNT),
        col("coupon_cny", AMOUNT),
        col("amount_cny", AMOUNT, "paid amount = quantity x unit price - coupon"),
        col("payment_method", "string"),
        col("receiver_phone_pseudonym", "string", "HMAC-SHA256 of the receiver phone"),
        col("receiver_address_pseudonym", "string", "HMAC-SHA256 of the receiver address"),
    ),
    "Order lifecycle; event_type is the status the order moved to.",
)

USERS = Table(
    layer="silver",
    name="users",
    grain="one row per user per version (SCD2)",
    columns=(
        key("user_id"),
        col("user_name_pseudonym", "string", "HMAC-SHA256 of the user name"),
        col("phone_pseudonym", "string", "HMAC-SHA256 of the phone number"),
        col("region", "string"),
        col("registered_at", "timestamp"),
        col("membership_level", "string", "none | silver | gold | platinum"),
        col("device_type", "string", "ios | android | web"),
        col("device_pseudonym", "string", "HMAC-SHA256 of the device id"),
        key("updated_at", "timestamp"),
        *SCD2,
        *LINEAGE,
    ),
    keys=("user_id", "valid_from"),
    description="User profiles with history; PII pseudonymised.",
)

ANCHORS = Table(
    layer="silver",
    name="anchors",
    grain="one row per anchor per version (SCD2)",
    columns=(
        key("anchor_id"),
        col("anchor_name", "string", "public stage name (not PII)"),
        col("tier", "string", "head | mid | long_tail"),
        col("followers", "long"),
        col("main_category", "string"),
        col("professionalism_score", "double", "0-100"),
        col("registered_at", "timestamp"),
        key("updated_at", "timestamp"),
        *SCD2,
        *LINEAGE,
    ),
    keys=("anchor_id", "valid_from"),
    description="Streamer profiles with history.",
)

PRODUCTS = Table(
    layer="silver",
    name="products",
    grain="one row per product per version (SCD2)",
    columns=(
        key("product_id"),
        col("title", "string"),
        col("category", "string"),
        col("brand", "string"),
        col("list_price_cny", AMOUNT),
        col("attributes", "string", "JSON object as text"),
        key("updated_at", "timestamp"),
        *SCD2,
        *LINEAGE,
    ),
    keys=("product_id", "valid_from"),
    description="Catalog with history.",
)

PRICES = Table(
    layer="silver",
    name="prices",
    grain="one row per product price period (SCD2 by product and session)",
    columns=(
        key("product_id"),
        col("session_id", "string", "live session the price applies to; null = everywhere"),
        col("list_price_cny", AMOUNT),
        col("live_price_cny", AMOUNT),
        col("coupon_cny", AMOUNT),
        col("is_flash_sale", "boolean"),
        col("flash_sale_start", "timestamp"),
        col("flash_sale_end", "timestamp"),
        key("updated_at", "timestamp"),
        *SCD2,
        *LINEAGE,
    ),
    keys=("product_id", "valid_from"),
    description="Price and promotion history (价格锚定): valid_from/valid_to from the source.",
)

LIVE_SESSIONS = Table(
    layer="silver",
    name="live_sessions",
    grain="one row per live session (latest update wins)",
    columns=(
        key("session_id"),
        key("anchor_id"),
        col("category", "string"),
        col("title", "string"),
        key("started_at", "timestamp"),
        col("ended_at", "timestamp", "null while live"),
        key("session_date", "date", "UTC date the session started: the partition"),
        key("updated_at", "timestamp"),
        *LINEAGE,
    ),
    partition_by=("session_date",),
    keys=("session_id",),
    description="Live rooms.",
)

SESSION_PRODUCTS = Table(
    layer="silver",
    name="session_products",
    grain="one row per product explanation segment",
    columns=(
        key("segment_id"),
        key("session_id"),
        key("product_id"),
        key("explain_start", "timestamp"),
        col("explain_end", "timestamp"),
        col("explain_seconds", "long", "explain_end - explain_start"),
        key("segment_date", "date", "UTC date of explain_start: the partition"),
        key("updated_at", "timestamp"),
        *LINEAGE,
    ),
    partition_by=("segment_date",),
    keys=("segment_id",),
    description="Product explanation segments (商品展示时长).",
)

AFTER_SALES = Table(
    layer="silver",
    name="after_sales",
    grain="one row per after-sales case (latest status wins)",
    columns=(
        key("case_id"),
        key("order_id"),
        key("user_id"),
        col("product_id", "string"),
        col("case_type", "string", "refund | return"),
        col("reason", "string"),
        col("amount_cny", AMOUNT),
        key("requested_at", "timestamp"),
        col("resolved_at", "timestamp"),
        col("status", "string", "requested | approved | rejected"),
        key("requested_date", "date", "UTC date of requested_at: the partition"),
        key("updated_at", "timestamp"),
        *LINEAGE,
    ),
    partition_by=("requested_date",),
    keys=("case_id",),
    description="Refunds and returns with reasons.",
)

SOCIAL = Table(
    layer="silver",
    name="social",
    grain="one row per social edge event",
    columns=(
        key("edge_type", doc="follow | unfollow (user->anchor), share | invite (user->user)"),
        key("src_user_id"),
        key("dst_id", doc="anchor_id for follow/unfollow, user_id otherwise"),
        key("created_at", "timestamp"),
        key("created_date", "date", "UTC date of created_at: the partition"),
        key("updated_at", "timestamp"),
        *LINEAGE,
    ),
    partition_by=("created_date",),
    keys=("edge_type", "src_user_id", "dst_id", "created_at"),
    description="Follow graph and share / invite edges.",
)

SILVER: dict[str, Table] = {
    t.name: t
    for t in (
        USERS,
        ANCHORS,
        PRODUCTS,
        PRICES,
        LIVE_SESSIONS,
        SESSION_PRODUCTS,
        VIEWS,
        INTERACTIONS,
        CART_EVENTS,
        ORDERS,
        AFTER_SALES,
        SOCIAL,
    )
}

REASONS = (
    "malformed",
    "null_key",
    "unknown_fk",
    "negative_amount",
    "out_of_range",
    "invalid_value",
    "schema_drift",
    "too_late",
    "clock_skew",
)


def quarantine_table(name: str) -> Table:
    return Table(
        layer="quarantine",
        name=name,
        grain=f"one row per rejected {name} record",
        columns=(
            key("source"),
            key("delivery_date", "date"),
            key("source_file"),
            key("line_number", "long"),
            col("raw", "string", "the landed line exactly as delivered", free_text=True),
            key("reason", doc="one of: " + ", ".join(REASONS)),
            Column(
                "rule",
                "string",
                nullable=False,
                doc="the rule broken, in words, with the offending value",
                free_text=True,
            ),
            key("run_id"),
            key("quarantined_at", "timestamp"),
        ),
        partition_by=("delivery_date",),
        keys=("source_file", "line_number"),
        description=f"Rejected {name} records with the reason; nothing is dropped silently.",
    )


QUARANTINE = {name: quarantine_table(name) for name in SILVER}

register(*SILVER.values(), *QUARANTINE.values())
