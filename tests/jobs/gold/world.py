"""A tiny fixed live-commerce world, written straight into the silver tables.

Three days (D1..D3), two anchors, two products, three users: the lake the gold contract
tests share (the `built` fixture, tests/built_lake.py). The value tests build their
own tiny worlds inline (tests/jobs/gold/test_features.py, test_aggregates.py); the row
helpers are in tests/jobs/gold/silver_rows.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.jobs.gold.silver_rows import T0, at, cny, order, view, write_silver

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)


DIMENSIONS: dict[str, list[dict[str, Any]]] = {
    "anchors": [
        {
            "anchor_id": "a1",
            "tier": "head",
            "followers": 1000,
            "professionalism_score": 90.0,
            "main_category": "beauty",
            "registered_at": T0,
        },
        {
            "anchor_id": "a2",
            "tier": "long_tail",
            "followers": 10,
            "professionalism_score": 40.0,
            "main_category": "food",
            "registered_at": T0,
        },
    ],
    "products": [
        {"product_id": "p1", "category": "beauty", "list_price_cny": cny(100)},
        {"product_id": "p2", "category": "food", "list_price_cny": cny(50)},
    ],
    "prices": [
        {
            "product_id": "p1",
            "list_price_cny": cny(100),
            "live_price_cny": cny(80),
            "valid_from": at(D1, "00:00"),
            "valid_to": at(D2, "12:00"),
            "is_current": False,
            "is_flash_sale": False,
        },
        {
            "product_id": "p1",
            "list_price_cny": cny(100),
            "live_price_cny": cny(70),
            "valid_from": at(D2, "12:00"),
            "valid_to": at(D3, "08:00"),
            "is_current": False,
            "is_flash_sale": True,
        },
        {
            "product_id": "p1",
            "list_price_cny": cny(100),
            "live_price_cny": cny(90),
            "valid_from": at(D3, "08:00"),
            "is_flash_sale": False,
        },
        {
            "product_id": "p2",
            "list_price_cny": cny(50),
            "live_price_cny": cny(45),
            "valid_from": at(D1, "00:00"),
            "is_flash_sale": False,
        },
    ],
    "users": [
        {
            "user_id": "u1",
            "membership_level": "gold",
            "registered_at": at(date(2026, 1, 1), "09:00"),
        },
        {
            "user_id": "u2",
            "membership_level": "none",
            "registered_at": at(date(2026, 2, 1), "09:00"),
        },
        {"user_id": "u3", "membership_level": "silver", "registered_at": at(D2, "09:00")},
    ],
}

SESSIONS = [
    {
        "session_id": "s1",
        "anchor_id": "a1",
        "category": "beauty",
        "started_at": at(D1, "10:00"),
        "ended_at": at(D1, "12:00"),
    },
    {
        "session_id": "s2",
        "anchor_id": "a2",
        "category": "food",
        "started_at": at(D2, "20:00"),
        "ended_at": at(D2, "21:00"),
    },
    {
        "session_id": "s3",
        "anchor_id": "a1",
        "category": "beauty",
        "started_at": at(D3, "10:00"),
        "ended_at": at(D3, "11:00"),
    },
]

SEGMENTS = [
    {
        "segment_id": "g1",
        "session_id": "s1",
        "product_id": "p1",
        "explain_start": at(D1, "10:10"),
        "explain_end": at(D1, "10:20"),
    },
    {
        "segment_id": "g2",
        "session_id": "s1",
        "product_id": "p2",
        "explain_start": at(D1, "10:30"),
        "explain_end": at(D1, "10:35"),
    },
    {
        "segment_id": "g3",
        "session_id": "s2",
        "product_id": "p2",
        "explain_start": at(D2, "20:10"),
        "explain_end": at(D2, "20:30"),
    },
    {
        "segment_id": "g4",
        "session_id": "s3",
        "product_id": "p1",
        "explain_start": at(D3, "10:05"),
        "explain_end": at(D3, "10:15"),
    },
]

VIEWS = [
    *view("u1", "s1", D1, "10:05", "10:25"),
    *view("u2", "s1", D1, "10:06", "10:08"),
    *view("u1", "s2", D2, "20:05", "20:06"),
    *view("u3", "s2", D2, "20:10", "20:40"),
    *view("u1", "s3", D3, "10:00", "10:30"),
    *view("u2", "s3", D3, "10:02", "10:03"),
]

INTERACTIONS = [
    {
        "user_id": "u1",
        "session_id": "s1",
        "product_id": "p1",
        "event_type": "comment",
        "event_time": at(D1, "10:12"),
    },
    {"user_id": "u1", "session_id": "s1", "event_type": "like", "event_time": at(D1, "10:13")},
    {
        "user_id": "u1",
        "session_id": "s1",
        "event_type": "gift",
        "event_time": at(D1, "10:14"),
        "gift_value_cny": cny(10.5),
    },
    {"user_id": "u2", "session_id": "s3", "event_type": "like", "event_time": at(D3, "10:02")},
]

CARTS = [
    {
        "user_id": "u1",
        "session_id": "s1",
        "product_id": "p1",
        "event_type": "add",
        "event_time": at(D1, "10:15"),
        "quantity": 1,
    },
    {
        "user_id": "u2",
        "session_id": "s1",
        "product_id": "p1",
        "event_type": "add",
        "event_time": at(D1, "10:07"),
        "quantity": 1,
    },
    {
        "user_id": "u3",
        "session_id": "s2",
        "product_id": "p2",
        "event_type": "add",
        "event_time": at(D2, "20:15"),
        "quantity": 1,
    },
    {
        "user_id": "u3",
        "session_id": "s2",
        "product_id": "p2",
        "event_type": "remove",
        "event_time": at(D2, "20:16"),
        "quantity": 1,
    },
]

ORDERS = [
    order("o1", "u1", "p1", "s1", "a1", D1, "10:16", "created", 80),
    order("o1", "u1", "p1", "s1", "a1", D1, "10:17", "paid", 80),
    order("o2", "u3", "p2", "s2", "a2", D2, "20:20", "created", 45),
    order("o2", "u3", "p2", "s2", "a2", D2, "20:21", "paid", 45),
    order("o3", "u1", "p1", "s3", "a1", D3, "10:10", "created", 90),
    order("o3", "u1", "p1", "s3", "a1", D3, "10:11", "paid", 90),
    order("o4", "u2", "p1", "s3", "a1", D3, "10:03", "created", 90),
    order("o4", "u2", "p1", "s3", "a1", D3, "10:04", "cancelled", 90),
]

AFTER_SALES = [
    {
        "case_id": "c1",
        "order_id": "o1",
        "user_id": "u1",
        "product_id": "p1",
        "case_type": "refund",
        "amount_cny": cny(80),
        "requested_at": at(D3, "09:00"),
        "status": "requested",
    },
]

SOCIAL = [
    {"edge_type": "follow", "src_user_id": "u1", "dst_id": "a1", "created_at": at(D1, "10:20")},
    {"edge_type": "follow", "src_user_id": "u3", "dst_id": "a2", "created_at": at(D2, "20:30")},
    {"edge_type": "unfollow", "src_user_id": "u1", "dst_id": "a1", "created_at": at(D3, "10:20")},
    {"edge_type": "follow", "src_user_id": "u2", "dst_id": "a1", "created_at": at(D3, "10:02")},
    {"edge_type": "share", "src_user_id": "u1", "dst_id": "u2", "created_at": at(D3, "10:21")},
]

EVENTS: dict[str, list[dict[str, Any]]] = {
    "live_sessions": SESSIONS,
    "session_products": SEGMENTS,
    "views": VIEWS,
    "interactions": INTERACTIONS,
    "cart_events": CARTS,
    "orders": ORDERS,
    "after_sales": AFTER_SALES,
    "social": SOCIAL,
}


def write_world(spark, lake) -> None:
    """Every silver table of the world, all three days."""
    for name, rows in {**DIMENSIONS, **EVENTS}.items():
        write_silver(spark, lake, name, rows)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
