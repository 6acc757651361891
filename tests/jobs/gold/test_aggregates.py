"""Daily aggregates: each test writes a tiny silver world inline and compares whole rows of
`gold/agg_<entity>_daily` (tests/jobs/gold/gold_rows.py runs the builders)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.jobs.gold.gold_rows import aggregate
from tests.jobs.gold.silver_rows import (
    at,
    cart,
    cny,
    edge,
    interaction,
    live,
    order,
    price,
    refund,
    segment,
    view,
    write_rows,
)

DAY = date(2026, 3, 3)
BEFORE = DAY - timedelta(days=1)


def test_user_day_adds_up_views_interactions_orders_and_social(ctx):
    write_rows(
        ctx.lake,
        views=[
            *view("u1", "s1", DAY, "10:05", "10:25"),  # 1200 s: long (600 s or more)
            *view("u1", "s2", DAY, "20:00", "20:02"),  # 120 s: short (under 180 s)
            *view("u1", "s2", DAY, "21:00", "21:09", dwell_known=False),  # a visit, no dwell
            *view("u2", "s1", DAY, "10:06", "10:10"),  # 240 s: neither
            *view("u2", "s1", BEFORE, "23:00", "23:50"),  # the day before: not counted
        ],
        interactions=[
            interaction("u1", "s1", DAY, "10:12", "comment"),
            interaction("u1", "s1", DAY, "10:13", "like"),
            interaction("u1", "s1", DAY, "10:14", "gift", gift_cny=cny(10.5)),
            interaction("u1", "s1", DAY, "10:15", "gift", gift_cny=None),  # value unknown
        ],
        cart_events=[
            cart("u1", "s1", "p1", DAY, "10:15", "add"),
            cart("u1", "s1", "p2", DAY, "10:16", "add"),
            cart("u1", "s1", "p2", DAY, "10:17", "remove"),
        ],
        orders=[
            order("o1", "u1", "p1", "s1", "a1", DAY, "10:16", "created", 80),
            order("o1", "u1", "p1", "s1", "a1", DAY, "10:17", "paid", 80),
            order("o2", "u2", "p1", "s1", "a1", DAY, "10:08", "created", 80),
            order("o2", "u2", "p1", "s1", "a1", DAY, "10:09", "cancelled", 80),
        ],
        # asked today about an order paid before: counted on the day it is asked
        after_sales=[refund("c1", "o0", "u2", "p1", 45, DAY, "09:00")],
        social=[
            edge("follow", "u1", "a1", DAY, "10:20"),
            edge("follow", "u1", "a2", DAY, "10:21"),
            edge("unfollow", "u1", "a2", DAY, "10:22"),
            edge("share", "u1", "u2", DAY, "10:23"),
        ],
    )

    assert aggregate(ctx, DAY, "user")["user"] == [
        {
            "user_id": "u1",
            "day": DAY,
            "visits": 3,
            "sessions_visited": 2,  # s1, s2
            "dwell_seconds": 1200 + 120,
            "dwell_visits": 2,
            "short_visits": 1,
            "long_visits": 1,
            "interactions": 4,
            "comments": 1,
            "likes": 1,
            "gifts": 2,
            "gift_value_cny": cny(10.5),
            "cart_adds": 2,
            "cart_removes": 1,
            "orders_created": 1,
            "paid_orders": 1,
            "paid_gmv_cny": cny(80),
            "cancelled_orders": 0,
            "refund_cases": 0,
            "refund_amount_cny": cny(0),
            "net_follows": 2 - 1,
            "shares_sent": 1,
            "invites_sent": 0,
        },
        {
            "user_id": "u2",
            "day": DAY,
            "visits": 1,
            "sessions_visited": 1,
            "dwell_seconds": 240,
            "dwell_visits": 1,
            "short_visits": 0,
            "long_visits": 0,
            "interactions": 0,
            "comments": 0,
            "likes": 0,
            "gifts": 0,
            "gift_value_cny": cny(0),
            "cart_adds": 0,
            "cart_removes": 0,
            "orders_created": 1,
            "paid_orders": 0,
            "paid_gmv_cny": cny(0),
            "cancelled_orders": 1,
            "refund_cases": 1,
            "refund_amount_cny": cny(45),
            "net_follows": 0,
            "shares_sent": 0,  # u1's share to u2 is u1's
            "invites_sent": 0,
        },
    ]


def test_anchor_product_and_category_days_use_the_session_and_product_lookups(ctx):
    """Views, interactions and segments take the anchor and category of their live session
    (one started the day before included), carts and orders the category of their product."""
    write_rows(
        ctx.lake,
        live_sessions=[
            # started the day before: its air time counted then, its events of today today
            live("s0", "a1", "beauty", at(BEFORE, "23:00"), at(DAY, "01:00")),
            live("s1", "a1", "beauty", at(DAY, "10:00"), at(DAY, "11:00")),
            live("s2", "a2", None, at(DAY, "20:00"), None),  # no category, still on air
        ],
        products=[
            {"product_id": "p1", "category": "beauty", "list_price_cny": cny(100)},
            {"product_id": "p2", "category": "food", "list_price_cny": cny(50)},
        ],
        # two versions of p1 valid during the day; p2 has no price
        prices=[
            price("p1", 100, 70, at(BEFORE, "12:00"), at(DAY, "08:00")),
            price("p1", 100, 90, at(DAY, "08:00")),
        ],
        session_products=[
            segment("g1", "s1", "p1", at(DAY, "10:10"), at(DAY, "10:20")),
            segment("g2", "s2", "p1", at(DAY, "20:10"), None),  # still explained: no seconds
        ],
        views=[
            *view("u1", "s0", DAY, "00:10", "00:40"),
            *view("u1", "s1", DAY, "10:05", "10:25"),
            *view("u2", "s1", DAY, "10:06", "10:08"),
            *view("u2", "s2", DAY, "20:05", "20:06"),
        ],
        interactions=[
            interaction("u1", "s1", DAY, "10:14", "gift", product="p1", gift_cny=cny(10.5)),
            interaction("u2", "s2", DAY, "20:05", "like", product=None),
        ],
        cart_events=[cart("u1", "s1", "p1", DAY, "10:15", "add")],
        orders=[
            order("o1", "u1", "p1", "s1", "a1", DAY, "10:16", "created", 90),
            order("o1", "u1", "p1", "s1", "a1", DAY, "10:17", "paid", 90),
            order("o2", "u2", "p2", "s2", "a2", DAY, "20:20", "paid", 45),
        ],
        after_sales=[refund("c1", "o0", "u2", "p1", 80, DAY, "09:00")],
        social=[
            edge("follow", "u2", "a1", DAY, "10:07"),
            edge("unfollow", "u1", "a1", DAY, "10:30"),
            edge("follow", "u1", "a2", DAY, "20:30"),
        ],
    )

    days = aggregate(ctx, DAY, "anchor", "product", "user_category")

    assert days["anchor"] == [
        {
            "anchor_id": "a1",
            "day": DAY,
            "visits": 3,  # u1 in s0 and s1, u2 in s1
            "viewers": 2,
            "dwell_seconds": 1800 + 1200 + 120,
            "interactions": 1,
            "gift_value_cny": cny(10.5),
            "paid_orders": 1,
            "paid_gmv_cny": cny(90),
            "sessions": 1,  # s1 (s0 started the day before)
            "live_seconds": 3600,
            "explain_seconds": 600,
            "net_follows": 1 - 1,
        },
        {
            "anchor_id": "a2",
            "day": DAY,
            "visits": 1,
            "viewers": 1,
            "dwell_seconds": 60,
            "interactions": 1,
            "gift_value_cny": cny(0),
            "paid_orders": 1,
            "paid_gmv_cny": cny(45),
            "sessions": 1,
            "live_seconds": 0,  # s2 has not ended
            "explain_seconds": 0,  # nor has g2
            "net_follows": 1,
        },
    ]
    assert days["product"] == [
        {
            "product_id": "p1",
            "day": DAY,
            "explain_seconds": 600,
            "explain_segments": 2,
            "sessions_shown": 2,
            "interactions": 1,  # the like is about no product
            "cart_adds": 1,
            "paid_orders": 1,
            "paid_units": 1,
            "paid_gmv_cny": cny(90),
            "buyers": 1,
            "refund_cases": 1,
            "min_live_price_cny": 70.0,  # until 08:00
            "max_list_price_cny": 100.0,
        },
        {
            "product_id": "p2",
            "day": DAY,
            "explain_seconds": 0,
            "explain_segments": 0,
            "sessions_shown": 0,
            "interactions": 0,
            "cart_adds": 0,
            "paid_orders": 1,
            "paid_units": 1,
            "paid_gmv_cny": cny(45),
            "buyers": 1,
            "refund_cases": 0,
            "min_live_price_cny": None,  # no price version
            "max_list_price_cny": None,
        },
    ]
    # u2's visit to s2 (no category) counts for a2 above but for no category
    assert days["user_category"] == [
        {
            "user_id": "u1",
            "category": "beauty",
            "day": DAY,
            "visits": 2,
            "cart_adds": 1,
            "paid_orders": 1,
        },
        {
            "user_id": "u2",
            "category": "beauty",
            "day": DAY,
            "visits": 1,
            "cart_adds": 0,
            "paid_orders": 0,
        },
        {
            "user_id": "u2",
            "category": "food",
            "day": DAY,
            "visits": 0,
            "cart_adds": 0,
            "paid_orders": 1,
        },
    ]
