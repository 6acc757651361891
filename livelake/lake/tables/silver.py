"""Silver: the fourteen conformed tables (the twelve dimensions, A/B experiments and their
assignments), each declared once, and their quarantines.

A silver table is declared by the fields its landed lines carry (type, rules, allowed values,
pseudonym, the names a source may use) and the columns its transform derives (dates, SCD2
validity), in silver column order. From that one declaration come the registry table
(schema, keys, partitions, foreign keys), the parser (`jobs/silver/parsing.py`), the landing
column order (`livelake/landing.py`, docs/landing-format.md), the gate's value-set, bounds
and foreign-key expectations (`jobs/quality/derived.py`) and `livelake tables`. The suite files
`expectations/silver/*.json` keep only rules a person writes by hand.

Column names follow the landing format so the metric definitions read the same in silver as
in the landed files. PII never reaches silver: `*_pseudonym` columns hold a keyed HMAC-SHA256
of the landed value. Event tables are partitioned by event date; the four slowly changing
dimensions (users, anchors, products, prices) keep SCD type 2 history (`valid_from`
inclusive, `valid_to` exclusive, null while current).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from livelake.column_types import MONEY
from livelake.lake.registry import Column, ForeignKey, Table, col, key, register

MAX_AMOUNT_CNY = 1_000_000
#: A source is its landing folder's name: `platform` (the generator), an adapter (`olist`) or a
#: source mapping's name (livelake/sources), so any such name is a source.
SOURCE_NAME = r"^[a-z][a-z0-9_]{0,39}$"
LandedType = Literal["string", "timestamp", "long", "double", "amount", "boolean"]
_SILVER_TYPES = {"amount": MONEY}

# Names sources use for the PII fields besides their declared ones (matched ignoring case):
# a source that renames `phone` to `mobile_phone` still gets it pseudonymised as the phone.
PHONE_ALIASES = ("mobile_phone", "mobile", "phone_number", "cellphone", "tel", "telephone")
NAME_ALIASES = ("name", "username", "nickname", "full_name")
DEVICE_ALIASES = ("device", "deviceid", "device_uuid", "idfa", "imei")
IP_ALIASES = ("ip_address", "ipaddress", "client_ip", "remote_addr")
ADDRESS_ALIASES = ("address", "shipping_address", "delivery_address")

# docs/landing-format.md: ids of the live room may be null only for events outside one, which
# only the non-live adapters deliver; on the platform they are required (null -> null_key).
LIVE_PLATFORM = "source = 'platform'"
AFTER_SALES_REASONS = (
    "quality",
    "not_as_described",
    "size",
    "changed_mind",
    "late_delivery",
    "damaged",
    "cancelled_by_seller",
    "other",
)
TO_ANCHOR = "edge_type IN ('follow', 'unfollow')"


@dataclass(frozen=True)
class Field:
    """One landed field: its silver column and the rules a landed line must keep.

    A line that breaks a rule is quarantined with the rule's reason; the gate re-checks the
    published column against the same allowed values and bounds.
    """

    name: str
    type: LandedType = "string"
    doc: str = ""
    required: bool = False
    required_if: str | None = None  # SQL condition under which the field is required
    allowed: tuple[str, ...] = ()
    pseudonym: str | None = None  # PII: silver keeps only this HMAC column
    range: tuple[float, float] | None = None
    # Other names a source may send the field under (matched, like the name, ignoring case).
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in get_args(LandedType):
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")

    @property
    def bounds(self) -> tuple[float, float] | None:
        if self.type == "amount":
            return (0, MAX_AMOUNT_CNY)
        return self.range

    def column(self) -> Column:
        """The silver column this field fills (its pseudonym for PII)."""
        if self.pseudonym:
            return col(self.pseudonym, "string", f"HMAC-SHA256 of the landed {self.name}")
        return Column(
            self.name,
            _SILVER_TYPES.get(self.type, self.type),
            nullable=not self.required,
            doc=self.doc,
            allowed=self.allowed,
            bounds=self.bounds,
        )


@dataclass(frozen=True)
class SilverTable(Table):
    """A silver table with the landed fields it is parsed from (see `silver_table`)."""

    fields: tuple[Field, ...] = ()
    csv: bool = False  # a daily CSV export; else a JSON-lines event stream
    event_time: str | None = None  # late / clock-skew rules apply to this field

    @property
    def field_names(self) -> list[str]:
        """The landed fields, in landing column order."""
        return [f.name for f in self.fields]

    @property
    def landed_names(self) -> dict[str, str]:
        """Every lower-case name a landed field may carry -> the declared field it fills."""
        return {n.lower(): f.name for f in self.fields for n in (f.name, *f.aliases)}

    @property
    def time_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.type == "timestamp"]


# Where each silver row came from: enough to find the landed line again.
LINEAGE = (
    Column(
        "source",
        "string",
        nullable=False,
        doc="who delivered it: the landing folder's name (platform, olist, taobao, or any "
        "source mapping's name)",
    ),
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

VALID_TO = col("valid_to", "timestamp", "instant the next version replaced it; null while current")
IS_CURRENT = key("is_current", "boolean", "true for the entity's latest version")
# SCD type 2 validity derived from updated_at: a row describes the entity from valid_from
# until valid_to.
SCD2 = (
    key("valid_from", "timestamp", "first instant this version holds (its updated_at)"),
    VALID_TO,
    IS_CURRENT,
)


def silver_table(
    name: str,
    grain: str,
    columns: tuple[Field | Column, ...],
    *,
    keys: tuple[str, ...],
    description: str,
    csv: bool,
    partition_by: tuple[str, ...] = (),
    foreign_keys: tuple[tuple[str, str] | tuple[str, str, str], ...] = (),
    event_time: str | None = None,
) -> SilverTable:
    """Declare a silver table: landed `Field`s and derived `Column`s in silver column order
    (lineage appended), foreign keys as (column, silver table[, SQL condition])."""
    return SilverTable(
        layer="silver",
        name=name,
        grain=grain,
        columns=(*(c.column() if isinstance(c, Field) else c for c in columns), *LINEAGE),
        partition_by=partition_by,
        keys=keys,
        description=description,
        foreign_keys=tuple(ForeignKey(fk[0], f"silver/{fk[1]}", *fk[2:]) for fk in foreign_keys),
        fields=tuple(c for c in columns if isinstance(c, Field)),
        csv=csv,
        event_time=event_time,
    )


def _event_fields(event_types: tuple[str, ...]) -> tuple[Field | Column, ...]:
    """What every event line carries, and the UTC event date silver partitions by."""
    return (
        Field("event_id", required=True, doc="unique per event; a re-sent event repeats it"),
        Field("event_type", required=True, allowed=event_types),
        Field("event_time", "timestamp", required=True, doc="when it happened (UTC)"),
        key("event_date", "date", "UTC date of event_time: the partition"),
        Field("user_id", required=True),
    )


def event_table(
    name: str,
    grain: str,
    event_types: tuple[str, ...],
    columns: tuple[Field | Column, ...],
    foreign_keys: tuple[tuple[str, str], ...],
    description: str,
) -> SilverTable:
    return silver_table(
        name,
        grain,
        (*_event_fields(event_types), *columns),
        keys=("event_id",),
        partition_by=("event_date",),
        foreign_keys=(("user_id", "users"), *foreign_keys),
        event_time="event_time",
        csv=False,
        description=description,
    )


def _live_room_id(name: str, doc: str = "") -> Field:
    return Field(name, required_if=LIVE_PLATFORM, doc=doc)


VIEWS = event_table(
    "views",
    "one row per room enter or leave event",
    ("enter", "leave"),
    (
        _live_room_id(
            "session_id", "live session; null outside a live room, sent by adapters only"
        ),
        Field("visit_id", doc="pairs an enter with its leave"),
        # At most a day in one room.
        Field("dwell_seconds", "long", "seconds in the room; leave events only", range=(0, 86_400)),
        Field("channel", allowed=("feed", "follow", "search", "share")),
        Field("device_id", pseudonym="device_pseudonym", aliases=DEVICE_ALIASES),
        Field("ip", pseudonym="ip_pseudonym", aliases=IP_ALIASES),
    ),
    (("session_id", "live_sessions"),),
    "Room visits. Last write wins on a re-sent event_id (latest delivery, then line).",
)

INTERACTIONS = event_table(
    "interactions",
    "one row per comment, like, share or gift",
    ("comment", "like", "share", "gift"),
    (
        _live_room_id("session_id"),
        Field("product_id", doc="product the interaction was about, if any"),
        Field("gift_value_cny", "amount", "gift value; gift events only"),
    ),
    (("session_id", "live_sessions"), ("product_id", "products")),
    "Engagement inside live rooms (互动).",
)

CART_EVENTS = event_table(
    "cart_events",
    "one row per add-to-cart or remove-from-cart event",
    ("add", "remove"),
    (
        _live_room_id("session_id"),
        Field("product_id", required=True),
        Field("quantity", "long"),
        Field("unit_price_cny", "amount"),
    ),
    (("session_id", "live_sessions"), ("product_id", "products")),
    "Cart changes.",
)

ORDERS = event_table(
    "orders",
    "one row per order status change (created, paid, cancelled)",
    ("created", "paid", "cancelled"),
    (
        Field("order_id", required=True),
        _live_room_id("session_id", "live session the order was placed in; null outside one"),
        Field("product_id", required=True),
        _live_room_id("anchor_id"),
        Field("quantity", "long"),
        Field("unit_price_cny", "amount"),
        Field("coupon_cny", "amount"),
        Field("amount_cny", "amount", "paid amount = quantity x unit price - coupon"),
        Field("payment_method"),
        Field("receiver_phone", pseudonym="receiver_phone_pseudonym", aliases=PHONE_ALIASES),
        Field("receiver_address", pseudonym="receiver_address_pseudonym", aliases=ADDRESS_ALIASES),
    ),
    (("session_id", "live_sessions"), ("product_id", "products"), ("anchor_id", "anchors")),
    "Order lifecycle; event_type is the status the order moved to.",
)

USERS = silver_table(
    "users",
    "one row per user per version (SCD2)",
    (
        Field("user_id", required=True),
        Field("user_name", pseudonym="user_name_pseudonym", aliases=NAME_ALIASES),
        Field("phone", pseudonym="phone_pseudonym", aliases=PHONE_ALIASES),
        Field("region"),
        Field("registered_at", "timestamp"),
        Field("membership_level", allowed=("none", "silver", "gold", "platinum")),
        Field("device_type", allowed=("ios", "android", "web")),
        Field("device_id", pseudonym="device_pseudonym", aliases=DEVICE_ALIASES),
        Field("updated_at", "timestamp", required=True),
        *SCD2,
    ),
    keys=("user_id", "valid_from"),
    csv=True,
    description="User profiles with history; PII pseudonymised.",
)

ANCHORS = silver_table(
    "anchors",
    "one row per anchor per version (SCD2)",
    (
        Field("anchor_id", required=True),
        Field("anchor_name", doc="public stage name, not PII"),
        Field("tier", allowed=("head", "mid", "long_tail")),
        Field("followers", "long"),
        Field("main_category"),
        Field("professionalism_score", "double", range=(0, 100)),
        Field("registered_at", "timestamp"),
        Field("updated_at", "timestamp", required=True),
        *SCD2,
    ),
    keys=("anchor_id", "valid_from"),
    csv=True,
    description="Streamer profiles with history.",
)

PRODUCTS = silver_table(
    "products",
    "one row per product per version (SCD2)",
    (
        Field("product_id", required=True),
        Field("title"),
        Field("category"),
        Field("brand"),
        Field("list_price_cny", "amount"),
        Field("attributes", doc="JSON object as text"),
        Field("updated_at", "timestamp", required=True),
        *SCD2,
    ),
    keys=("product_id", "valid_from"),
    csv=True,
    description="Catalog with history.",
)

PRICES = silver_table(
    "prices",
    "one row per product price period (SCD2 by product and session)",
    (
        Field("product_id", required=True),
        # The source sends each period's validity; silver keeps it and derives is_current.
        Field("valid_from", "timestamp", "first instant this price holds", required=True),
        Field("valid_to", "timestamp", "instant the next price replaced it; null while current"),
        Field("list_price_cny", "amount"),
        Field("live_price_cny", "amount"),
        Field("coupon_cny", "amount"),
        Field("is_flash_sale", "boolean", "`true` or `false`"),
        Field("flash_sale_start", "timestamp"),
        Field("flash_sale_end", "timestamp"),
        Field("session_id", doc="live session the price applies to; null = everywhere"),
        Field("updated_at", "timestamp", required=True),
        IS_CURRENT,
    ),
    keys=("product_id", "valid_from"),
    foreign_keys=(("product_id", "products"), ("session_id", "live_sessions")),
    csv=True,
    description="Price and promotion history (价格锚定): valid_from/valid_to from the source.",
)

LIVE_SESSIONS = silver_table(
    "live_sessions",
    "one row per live session (latest update wins)",
    (
        Field("session_id", required=True),
        Field("anchor_id", required=True),
        Field("category"),
        Field("title"),
        Field(
            "scheduled_start",
            "timestamp",
            "start the anchor announced beforehand, 直播预告; null if not announced",
        ),
        Field("started_at", "timestamp", required=True),
        Field("ended_at", "timestamp", "null while live"),
        key("session_date", "date", "UTC date the session started: the partition"),
        Field("updated_at", "timestamp", required=True),
    ),
    keys=("session_id",),
    partition_by=("session_date",),
    foreign_keys=(("anchor_id", "anchors"),),
    csv=True,
    description="Live rooms.",
)

SESSION_PRODUCTS = silver_table(
    "session_products",
    "one row per product explanation segment",
    (
        Field("segment_id", required=True),
        Field("session_id", required=True),
        Field("product_id", required=True),
        Field("explain_start", "timestamp", required=True),
        Field("explain_end", "timestamp"),
        col("explain_seconds", "long", "explain_end - explain_start"),
        key("segment_date", "date", "UTC date of explain_start: the partition"),
        Field("updated_at", "timestamp", required=True),
    ),
    keys=("segment_id",),
    partition_by=("segment_date",),
    foreign_keys=(("session_id", "live_sessions"), ("product_id", "products")),
    csv=True,
    description="Product explanation segments (商品展示时长).",
)

AFTER_SALES = silver_table(
    "after_sales",
    "one row per after-sales case (latest status wins)",
    (
        Field("case_id", required=True),
        Field("order_id", required=True),
        Field("user_id", required=True),
        Field("product_id"),
        Field("case_type", allowed=("refund", "return")),
        Field("reason", allowed=AFTER_SALES_REASONS),
        Field("amount_cny", "amount"),
        Field("requested_at", "timestamp", required=True),
        Field("resolved_at", "timestamp"),
        Field("status", allowed=("requested", "approved", "rejected")),
        key("requested_date", "date", "UTC date of requested_at: the partition"),
        Field("updated_at", "timestamp", required=True),
    ),
    keys=("case_id",),
    partition_by=("requested_date",),
    foreign_keys=(("user_id", "users"), ("product_id", "products")),
    csv=True,
    description="Refunds and returns with reasons.",
)

SOCIAL = silver_table(
    "social",
    "one row per social edge event",
    (
        Field(
            "edge_type",
            required=True,
            allowed=("follow", "unfollow", "share", "invite"),
            doc="follow and unfollow: user to anchor; share and invite: user to user",
        ),
        Field("src_user_id", required=True),
        Field("dst_id", required=True, doc="anchor_id for follow/unfollow, user_id otherwise"),
        Field("created_at", "timestamp", required=True),
        key("created_date", "date", "UTC date of created_at: the partition"),
        Field("updated_at", "timestamp", required=True),
    ),
    keys=("edge_type", "src_user_id", "dst_id", "created_at"),
    partition_by=("created_date",),
    foreign_keys=(
        ("src_user_id", "users"),
        ("dst_id", "anchors", TO_ANCHOR),
        ("dst_id", "users", f"NOT ({TO_ANCHOR})"),
    ),
    csv=True,
    description="Follow graph and share / invite edges.",
)

#: Metrics an experiment may name (its primary metric and guardrails), per unit of analysis.
EXPERIMENT_METRICS = (
    "paid_orders_per_unit",
    "conversion_per_visit",
    "dwell_seconds_per_visit",
    "refund_rate",
    "short_visit_share",
)

EXPERIMENTS = silver_table(
    "experiments",
    "one row per experiment (latest update wins)",
    (
        Field("experiment_id", required=True),
        Field("hypothesis", doc="what the change should do, in words"),
        Field("unit_type", required=True, allowed=("live_session", "user")),
        Field(
            "variants",
            required=True,
            doc="name:share pairs joined by a vertical bar, control first, shares summing to 1",
        ),
        Field("start_at", "timestamp", required=True, doc="first instant a unit may be exposed"),
        Field("end_at", "timestamp", required=True, doc="instant exposure stops, exclusive"),
        Field("primary_metric", required=True, allowed=EXPERIMENT_METRICS),
        Field("guardrail_metrics", doc="metrics that must not get worse, joined by a vertical bar"),
        key("start_date", "date", "UTC date of start_at: the partition"),
        Field("updated_at", "timestamp", required=True),
    ),
    keys=("experiment_id",),
    partition_by=("start_date",),
    csv=True,
    description="A/B experiment definitions: unit, variants with traffic shares, window, metrics.",
)

ASSIGNMENTS = silver_table(
    "assignments",
    "one row per unit assigned to an experiment (its first exposure)",
    (
        Field("experiment_id", required=True),
        Field("unit_id", required=True, doc="a session_id or user_id, as the experiment's unit"),
        Field("variant", required=True),
        Field("exposed_at", "timestamp", required=True, doc="the unit's first exposure"),
        key("exposure_date", "date", "UTC date of exposed_at: the partition"),
        Field("updated_at", "timestamp", required=True),
    ),
    keys=("experiment_id", "unit_id"),
    partition_by=("exposure_date",),
    foreign_keys=(("experiment_id", "experiments"),),
    csv=True,
    description="Who saw which variant from when; one variant per unit and experiment, exposed "
    "inside the experiment's window, in its declared variants.",
)

SILVER: dict[str, SilverTable] = {
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
        EXPERIMENTS,
        ASSIGNMENTS,
    )
}
#: The landed streams (JSON lines, hourly files) and daily exports (CSV), in landing order.
STREAMS = tuple(name for name, t in SILVER.items() if not t.csv)
EXPORTS = tuple(name for name, t in SILVER.items() if t.csv)

QUARANTINE_REASONS = (
    "malformed",
    "null_key",
    "unknown_fk",
    "negative_amount",
    "out_of_range",
    "invalid_value",
    "too_late",
    "clock_skew",
    "conflicting_assignment",
    "outside_window",
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
            Column(
                "reason",
                "string",
                nullable=False,
                doc="one of: " + ", ".join(QUARANTINE_REASONS),
                allowed=QUARANTINE_REASONS,
            ),
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
