"""A tiny hand-built silver lake for the KPI tests: every figure in test_kpi.py is computed
by hand from these rows (see the comments there)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from livelake.lake.tables.gold import CONVERSION_SCORES
from livelake.lake.tables.silver import SILVER

DAY = date(2026, 1, 2)
PARTITION_FROM = {
    "event_date": "event_time",
    "session_date": "started_at",
    "segment_date": "explain_start",
    "requested_date": "requested_at",
    "created_date": "created_at",
}
DEFAULTS: dict[str, Any] = {
    "source": "platform",
    "delivery_date": DAY,
    "source_file": "hand-built",
    "run_id": "hand-built",
    "valid_from": datetime(2025, 1, 1, tzinfo=UTC),
    "is_current": True,
}


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def cny(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def complete(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill the lineage, keys and partitions the tests do not care about."""
    declared = SILVER[name]
    out = []
    for i, given in enumerate(rows, start=1):
        row = {c: None for c in declared.column_names}
        row.update({k: v for k, v in DEFAULTS.items() if k in row})
        row["line_number"] = i
        if "event_id" in row:
            row["event_id"] = f"{name}-{i}"
        row.update(given)
        for partition, source in PARTITION_FROM.items():
            if partition in row and row[partition] is None:
                row[partition] = row[source].date()
        if "updated_at" in row and row["updated_at"] is None:
            row["updated_at"] = row.get("valid_from") or row.get("created_at") or at(0)
        if "explain_seconds" in row and row["explain_seconds"] is None:
            row["explain_seconds"] = int((row["explain_end"] - row["explain_start"]).seconds)
        out.append(row)
    return out


def silver_rows() -> dict[str, list[dict[str, Any]]]:
    """The twelve silver tables (prices unused by the mart) of one small live-commerce day."""
    old = datetime(2025, 6, 1, tzinfo=UTC)
    users = [
        # u1 moved from south to east at noon on D-1: the mart must use east.
        {
            "user_id": "u1",
            "region": "south",
            "device_type": "ios",
            "registered_at": old,
            "valid_to": at(12, day=DAY - timedelta(days=1)),
            "is_current": False,
        },
        {
            "user_id": "u1",
            "region": "east",
            "device_type": "ios",
            "registered_at": old,
            "valid_from": at(12, day=DAY - timedelta(days=1)),
        },
        {
            "user_id": "u2",
            "region": "west",
            "device_type": "android",
            "registered_at": at(9, day=DAY - timedelta(days=1)),
        },  # new: registered within 7 days
        {"user_id": "u3", "region": "east", "device_type": "web", "registered_at": old},
        {"user_id": "u4", "region": "north", "device_type": "ios", "registered_at": old},
    ]
    anchors = [
        {"anchor_id": "a1", "tier": "head", "main_category": "beauty", "followers": 1000},
        {"anchor_id": "a2", "tier": "long_tail", "main_category": "food", "followers": 10},
    ]
    products = [
        {"product_id": "p1", "category": "beauty", "list_price_cny": cny(100)},
        {"product_id": "p2", "category": "food", "list_price_cny": cny(50)},
    ]
    sessions = [
        {
            "session_id": "s1",
            "anchor_id": "a1",
            "category": "beauty",
            "started_at": at(10),
            "ended_at": at(12),
        },
        {
            "session_id": "s2",
            "anchor_id": "a2",
            "category": "food",
            "started_at": at(20),
            "ended_at": at(21, 30),
        },
    ]

    def view(
        user: str, session: str, kind: str, time: datetime, visit: str, dwell: int | None = None
    ) -> dict[str, Any]:
        return {
            "user_id": user,
            "session_id": session,
            "event_type": kind,
            "event_time": time,
            "visit_id": visit,
            "dwell_seconds": dwell,
        }

    views = [
        view("u1", "s1", "enter", at(10, 5), "v1"),
        view("u1", "s1", "leave", at(10, 7), "v1", 120),
        view("u1", "s1", "enter", at(11, 0), "v2"),
        view("u1", "s1", "leave", at(11, 10), "v2", 600),
        view("u2", "s1", "enter", at(10, 30), "v3"),
        view("u2", "s1", "leave", at(10, 35), "v3", 300),
        view("u3", "s2", "enter", at(20, 10), "v4"),
        view("u3", "s2", "leave", at(20, 11), "v4", 60),
        view("u4", "s2", "enter", at(20, 15), "v6"),  # still watching: no leave
        view("u2", "s2", "enter", at(20, 20), "v5"),
        view("u2", "s2", "leave", at(20, 50), "v5", 1800),
        view("u4", "s1", "leave", at(23, day=DAY - timedelta(days=1)), "v0", 999),  # D-1
    ]

    def cart(
        user: str, session: str, product: str, kind: str, time: datetime, qty: int, price: float
    ) -> dict[str, Any]:
        return {
            "user_id": user,
            "session_id": session,
            "product_id": product,
            "event_type": kind,
            "event_time": time,
            "quantity": qty,
            "unit_price_cny": cny(price),
        }

    cart_events = [
        cart("u1", "s1", "p1", "add", at(10, 6), 1, 80),
        cart("u2", "s1", "p1", "add", at(10, 33), 2, 80),
        cart("u2", "s1", "p1", "remove", at(10, 34), 2, 80),
        cart("u4", "s2", "p2", "add", at(20, 16), 1, 40),
    ]

    def order(
        oid: str,
        user: str,
        session: str | None,
        product: str,
        anchor: str | None,
        kind: str,
        time: datetime,
        qty: int,
        price: float,
        coupon: float,
    ) -> dict[str, Any]:
        return {
            "order_id": oid,
            "user_id": user,
            "session_id": session,
            "product_id": product,
            "anchor_id": anchor,
            "event_type": kind,
            "event_time": time,
            "quantity": qty,
            "unit_price_cny": cny(price),
            "coupon_cny": cny(coupon),
            "amount_cny": cny(qty * price - coupon),
        }

    orders = [
        order("o0", "u1", "s0", "p2", "a2", "paid", at(9, day=DAY - timedelta(days=10)), 1, 50, 0),
        order("o1", "u1", "s1", "p1", "a1", "created", at(10, 9), 1, 80, 5),
        order("o1", "u1", "s1", "p1", "a1", "paid", at(10, 10), 1, 80, 5),
        order("o2", "u4", "s2", "p2", "a2", "created", at(20, 17), 1, 40, 0),
        order("o2", "u4", "s2", "p2", "a2", "cancelled", at(20, 30), 1, 40, 0),
        order("o3", "u3", None, "p2", None, "created", at(22, 0), 2, 45, 0),
        order("o3", "u3", None, "p2", None, "paid", at(22, 1), 2, 45, 0),
    ]
    interactions = [
        {"user_id": "u1", "session_id": "s1", "event_type": "comment", "event_time": at(10, 6)},
        {"user_id": "u1", "session_id": "s1", "event_type": "like", "event_time": at(10, 6)},
        {
            "user_id": "u2",
            "session_id": "s1",
            "event_type": "gift",
            "event_time": at(10, 31),
            "product_id": "p1",
            "gift_value_cny": cny(10),
        },
        {"user_id": "u3", "session_id": "s2", "event_type": "share", "event_time": at(20, 10)},
    ]
    segments = [
        {
            "segment_id": "g1",
            "session_id": "s1",
            "product_id": "p1",
            "explain_start": at(10, 0),
            "explain_end": at(10, 10),
        },
        {
            "segment_id": "g2",
            "session_id": "s1",
            "product_id": "p1",
            "explain_start": at(11, 0),
            "explain_end": at(11, 5),
        },
        {
            "segment_id": "g3",
            "session_id": "s2",
            "product_id": "p2",
            "explain_start": at(20, 0),
            "explain_end": at(20, 20),
        },
    ]
    after_sales = [
        {
            "case_id": "c1",
            "order_id": "o1",
            "user_id": "u1",
            "product_id": "p1",
            "case_type": "refund",
            "reason": "quality",
            "amount_cny": cny(75),
            "requested_at": at(18),
            "status": "requested",
        },
    ]
    social = [
        {"edge_type": "follow", "src_user_id": "u1", "dst_id": "a1", "created_at": at(10, 20)},
        {"edge_type": "follow", "src_user_id": "u2", "dst_id": "a1", "created_at": at(10, 41)},
        {"edge_type": "unfollow", "src_user_id": "u3", "dst_id": "a2", "created_at": at(20, 12)},
        {"edge_type": "share", "src_user_id": "u1", "dst_id": "u2", "created_at": at(10, 50)},
    ]
    tables = {
        "users": users,
        "anchors": anchors,
        "products": products,
        "prices": [],
        "live_sessions": sessions,
        "session_products": segments,
        "views": views,
        "interactions": interactions,
        "cart_events": cart_events,
        "orders": orders,
        "after_sales": after_sales,
        "social": social,
    }
    return {name: complete(name, rows) for name, rows in tables.items()}


def score(user: str, session: str, product: str, p: float, day: date = DAY) -> dict[str, Any]:
    """A row of gold/conversion_scores: the model's probability for an exposure of `day`."""
    return {
        "user_id": user,
        "session_id": session,
        "product_id": product,
        "anchor_id": None,
        "session_date": day,
        "as_of_date": day - timedelta(days=1),
        "score": p,
        "model_id": "m1",
        "model_card": "models/conversion_baseline/m1/model_card.html",
        "run_id": "hand-built",
    }


# The calibration monitor's predictions: u1 paid for p1 in s1 (o1); u2 and u3 did not.
SCORES = [
    score("u1", "s1", "p1", 0.30),
    score("u2", "s1", "p1", 0.10),
    score("u3", "s2", "p2", 0.05),
    score("u1", "s1", "p1", 0.90, DAY - timedelta(days=1)),  # another day's sessions
]


def silver_frames(spark) -> dict:
    """The hand-built tables as Spark DataFrames with their declared schemas: the silver
    tables and the model's scores, the relations the KPI catalog reads."""
    frames = {
        name: spark.createDataFrame(
            [tuple(r[c] for c in SILVER[name].column_names) for r in rows],
            SILVER[name].spark_schema(),
        )
        for name, rows in silver_rows().items()
    }
    frames["conversion_scores"] = spark.createDataFrame(
        [tuple(r[c] for c in CONVERSION_SCORES.column_names) for r in SCORES],
        CONVERSION_SCORES.spark_schema(),
    )
    return frames
