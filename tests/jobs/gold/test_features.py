"""Feature snapshots: values by hand on tiny worlds written inline (whole rows), and on the
shared world (tests/jobs/gold/world.py): incremental == full, no silver history read."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pyarrow.compute as pc
import pytest

from livelake.features import ENTITIES, ENTITY_KEYS, features_of
from livelake.jobs.gold import aggregates, features, training
from livelake.lake.read import delta_table, read_arrow
from livelake.lake.tables.gold import SNAPSHOTS
from livelake.lake.tables.silver import SILVER
from tests.jobs.gold.gold_rows import features_as_of
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
from tests.jobs.gold.world import D1, D2, D3, DIMENSIONS

DECAY = 2 ** (-1 / 14)  # a day's weight in the decayed features (14-day half-life)
DAY = date(2026, 3, 31)


def snapshot(entity: str, day, lake_root=None) -> dict[tuple, dict]:
    data = read_arrow(SNAPSHOTS[entity], filter=pc.field("as_of_date") == day)
    keys = ENTITY_KEYS[entity]
    return {tuple(r[k] for k in keys): r for r in data.to_pylist()}


def test_user_features_by_hand(ctx):
    """u1 was active 30 days ago, a week ago and today, each just outside the next shorter
    window (7 days: today and the 6 before; 30 days: today and the 29 before); u2 only
    yesterday."""
    thirty_days_ago, week_ago = DAY - timedelta(days=30), DAY - timedelta(days=7)
    yesterday = DAY - timedelta(days=1)
    new_year, ten_days_ago = date(2026, 1, 1), DAY - timedelta(days=10)
    write_rows(
        ctx.lake,
        users=[
            {"user_id": "u1", "membership_level": "gold", "registered_at": at(new_year, "09:00")},
            {"user_id": "u2", "membership_level": None, "registered_at": at(ten_days_ago, "09:00")},
        ],
        views=[
            *view("u1", "s0", thirty_days_ago, "10:00", "10:30"),  # 1800 s
            *view("u1", "s1", week_ago, "20:05", "20:06"),  # 60 s: short (under 180 s)
            *view("u1", "s2", DAY, "10:00", "10:20"),  # 1200 s: long (600 s or more)
            *view("u2", "s9", yesterday, "10:02", "10:04"),  # 120 s: short
            *view("u2", "s9", yesterday, "11:00", "11:05", dwell_known=False),  # no dwell
        ],
        interactions=[
            interaction("u1", "s0", thirty_days_ago, "10:10", "like"),
            interaction("u1", "s1", week_ago, "20:05", "gift", gift_cny=None),  # value unknown
            interaction("u1", "s2", DAY, "10:05", "comment", product="p1"),
            interaction("u1", "s2", DAY, "10:06", "like"),
            interaction("u1", "s2", DAY, "10:07", "gift", gift_cny=cny(10.5)),
        ],
        cart_events=[
            cart("u1", "s1", "p1", week_ago, "20:05", "add"),
            cart("u1", "s2", "p2", DAY, "10:08", "add"),
            cart("u1", "s2", "p2", DAY, "10:09", "remove"),
        ],
        orders=[
            order("o1", "u1", "p1", "s0", "a1", thirty_days_ago, "10:20", "paid", 100),
            order("o2", "u1", "p1", "s1", "a1", week_ago, "20:06", "created", 80),
            order("o2", "u1", "p1", "s1", "a1", week_ago, "20:06", "paid", 80),
            order("o3", "u1", "p2", "s2", "a1", DAY, "10:10", "created", 90),
            order("o3", "u1", "p2", "s2", "a1", DAY, "10:11", "cancelled", 90),
        ],
        after_sales=[refund("c1", "o1", "u1", "p1", 100, DAY, "09:00")],
        social=[
            edge("follow", "u1", "a1", thirty_days_ago, "10:15"),
            edge("unfollow", "u1", "a1", DAY, "10:12"),
            edge("follow", "u1", "a2", DAY, "10:13"),
            edge("share", "u1", "u2", DAY, "10:14"),
        ],
    )

    active = [thirty_days_ago, week_ago, yesterday, DAY]
    rows = features_as_of(ctx, DAY, active, "user")["user"]

    u1 = {
        "user_id": "u1",
        "as_of_date": DAY,
        "visits_1d": 1,
        "visits_7d": 1,
        "visits_30d": 1 + 1,
        "visits_90d": 1 + 1 + 1,
        "sessions_visited_7d": 1,
        "dwell_seconds_7d": 1200,
        "dwell_seconds_30d": 60 + 1200,
        "dwell_visits_30d": 2,
        "short_visits_30d": 1,
        "long_visits_30d": 1,
        "avg_dwell_seconds_30d": (60 + 1200) / 2,
        "short_visit_share_30d": 1 / 2,
        "long_visit_share_30d": 1 / 2,
        "interactions_7d": 3,
        "interactions_30d": 1 + 3,
        "comments_7d": 1,
        "likes_7d": 1,  # today's; the like 30 days ago is outside
        "gifts_30d": 2,
        "gift_value_cny_30d": cny(10.5),  # the other gift's value is unknown
        "interactions_per_visit_30d": 4 / 2,
        "cart_adds_7d": 1,
        "cart_adds_30d": 1 + 1,
        "cart_removes_30d": 1,
        "paid_orders_7d": 0,
        "paid_orders_30d": 1,
        "paid_orders_90d": 1 + 1,
        "paid_gmv_cny_30d": cny(80),
        "paid_gmv_cny_90d": cny(100 + 80),
        "cart_to_pay_ratio_30d": 1 / 2,
        "avg_order_value_cny_90d": (100 + 80) / 2,
        "cancelled_orders_30d": 1,
        "refund_cases_90d": 1,
        "refund_rate_90d": 1 / 2,
        "purchase_days_90d": 2,
        "lifetime_paid_orders": 2,
        "lifetime_paid_gmv_cny": cny(100 + 80),
        "is_repeat_buyer": 1,
        "days_since_last_visit": 0,
        "days_since_last_paid_order": 7,
        "anchors_followed": 1 - 1 + 1,
        "shares_sent_30d": 1,
        "invites_sent_30d": 0,
        "engagement_decayed": 3 + 1 * DECAY**7 + 1 * DECAY**30,
        "days_since_registration": (DAY - new_year).days,
        "membership_rank": 2,  # gold
    }
    u2 = {
        "user_id": "u2",
        "as_of_date": DAY,
        "visits_1d": 0,
        "visits_7d": 2,
        "visits_30d": 2,
        "visits_90d": 2,
        "sessions_visited_7d": 1,
        "dwell_seconds_7d": 120,
        "dwell_seconds_30d": 120,
        "dwell_visits_30d": 1,  # the visit without a dwell is no dwell visit
        "short_visits_30d": 1,
        "long_visits_30d": 0,
        "avg_dwell_seconds_30d": 120.0,
        "short_visit_share_30d": 1.0,
        "long_visit_share_30d": 0.0,
        "interactions_7d": 0,
        "interactions_30d": 0,
        "comments_7d": 0,
        "likes_7d": 0,
        "gifts_30d": 0,
        "gift_value_cny_30d": cny(0),
        "interactions_per_visit_30d": 0.0,
        "cart_adds_7d": 0,
        "cart_adds_30d": 0,
        "cart_removes_30d": 0,
        "paid_orders_7d": 0,
        "paid_orders_30d": 0,
        "paid_orders_90d": 0,
        "paid_gmv_cny_30d": cny(0),
        "paid_gmv_cny_90d": cny(0),
        "cart_to_pay_ratio_30d": None,  # ratios over nothing are null, not 0
        "avg_order_value_cny_90d": None,
        "cancelled_orders_30d": 0,
        "refund_cases_90d": 0,
        "refund_rate_90d": None,
        "purchase_days_90d": 0,
        "lifetime_paid_orders": 0,
        "lifetime_paid_gmv_cny": cny(0),
        "is_repeat_buyer": 0,
        "days_since_last_visit": 1,
        "days_since_last_paid_order": None,  # never paid
        "anchors_followed": 0,
        "shares_sent_30d": 0,  # u1's share to u2 is u1's
        "invites_sent_30d": 0,
        "engagement_decayed": 0.0,
        "days_since_registration": (DAY - ten_days_ago).days,
        "membership_rank": None,  # membership level unknown
    }
    assert [r["user_id"] for r in rows] == ["u1", "u2"]
    assert rows[0] == pytest.approx(u1)
    assert rows[1] == pytest.approx(u2)


def test_product_price_anchoring_and_explanation_time_by_hand(ctx):
    """p1 was 80, then 70 on a flash sale from yesterday noon, and is 90 since midnight;
    p2, of unknown list price, is on a flash sale at 45 and nothing else happened to it."""
    yesterday = DAY - timedelta(days=1)
    write_rows(
        ctx.lake,
        products=[
            {"product_id": "p1", "category": "beauty", "list_price_cny": cny(100)},
            {"product_id": "p2", "category": "food", "list_price_cny": None},
        ],
        prices=[
            price("p1", 100, 80, at(yesterday, "00:00"), at(yesterday, "12:00")),
            price("p1", 100, 70, at(yesterday, "12:00"), at(DAY, "00:00"), flash_sale=True),
            price("p1", 100, 90, at(DAY, "00:00")),
            price("p2", None, 45, at(yesterday, "00:00"), flash_sale=True),
        ],
        session_products=[
            segment("g1", "s1", "p1", at(yesterday, "10:10"), at(yesterday, "10:20")),  # 600 s
            segment("g2", "s2", "p1", at(DAY, "10:05"), at(DAY, "10:15")),  # 600 s
            segment("g3", "s2", "p1", at(DAY, "10:30"), None),  # still explained: no seconds
        ],
        interactions=[
            interaction("u1", "s2", DAY, "10:06", "comment", product="p1"),
            interaction("u2", "s2", DAY, "10:07", "like", product=None),  # about no product
        ],
        cart_events=[
            cart("u1", "s1", "p1", yesterday, "10:12", "add"),
            cart("u2", "s2", "p1", DAY, "10:08", "add"),
        ],
        orders=[
            order("o1", "u1", "p1", "s1", "a1", yesterday, "12:30", "paid", 70),
            order("o2", "u2", "p1", "s2", "a1", DAY, "10:09", "paid", 90),
            order("o3", "u1", "p1", "s2", "a1", DAY, "10:10", "created", 90),
        ],
        after_sales=[refund("c1", "o1", "u1", "p1", 70, DAY, "09:00")],
    )

    rows = features_as_of(ctx, DAY, [yesterday, DAY], "product")["product"]

    p1 = {
        "product_id": "p1",
        "as_of_date": DAY,
        "explain_seconds_7d": 600 + 600,
        "explain_seconds_30d": 600 + 600,
        "explain_segments_30d": 3,
        "sessions_shown_30d": 1 + 1,  # s1 yesterday, s2 today
        "avg_explain_seconds_30d": (600 + 600) / 3,
        "interactions_7d": 1,
        "cart_adds_30d": 2,
        "paid_orders_7d": 2,
        "paid_orders_30d": 2,
        "paid_orders_90d": 2,
        "paid_units_30d": 2,
        "paid_gmv_cny_30d": cny(70 + 90),
        "buyer_days_30d": 1 + 1,
        "cart_to_pay_ratio_30d": 2 / 2,
        "orders_per_explain_minute_30d": 2 / ((600 + 600) / 60),
        "refund_cases_90d": 1,
        "refund_rate_90d": 1 / 2,
        "live_price_cny": 90.0,
        "list_price_cny": 100.0,
        "min_live_price_cny_30d": 70.0,  # yesterday's flash sale
        "max_list_price_cny_30d": 100.0,
        "price_vs_min_30d": 90 / 70,
        "discount_vs_ref_30d": 1 - 90 / 100,
        "is_flash_sale": 0,
    }
    p2 = {
        "product_id": "p2",
        "as_of_date": DAY,
        "explain_seconds_7d": 0,
        "explain_seconds_30d": 0,
        "explain_segments_30d": 0,
        "sessions_shown_30d": 0,
        "avg_explain_seconds_30d": None,
        "interactions_7d": 0,
        "cart_adds_30d": 0,
        "paid_orders_7d": 0,
        "paid_orders_30d": 0,
        "paid_orders_90d": 0,
        "paid_units_30d": 0,
        "paid_gmv_cny_30d": cny(0),
        "buyer_days_30d": 0,
        "cart_to_pay_ratio_30d": None,
        "orders_per_explain_minute_30d": None,
        "refund_cases_90d": 0,
        "refund_rate_90d": None,
        "live_price_cny": 45.0,
        "list_price_cny": None,  # unknown
        "min_live_price_cny_30d": 45.0,
        "max_list_price_cny_30d": None,
        "price_vs_min_30d": 45 / 45,
        "discount_vs_ref_30d": None,  # no reference price
        "is_flash_sale": 1,
    }
    assert [r["product_id"] for r in rows] == ["p1", "p2"]
    assert rows[0] == pytest.approx(p1)
    assert rows[1] == pytest.approx(p2)


def test_anchor_and_category_interest_features_by_hand(ctx):
    """a1 streamed beauty ten days ago and today; a2 started a food stream tonight."""
    ten_days_ago = DAY - timedelta(days=10)
    write_rows(
        ctx.lake,
        anchors=[
            {"anchor_id": "a1", "tier": "head", "followers": 1000, "professionalism_score": 90.0},
            {
                "anchor_id": "a2",
                "tier": "long_tail",
                "followers": 10,
                "professionalism_score": None,
            },
        ],
        products=[{"product_id": "p1", "category": "beauty", "list_price_cny": cny(100)}],
        live_sessions=[
            live("s1", "a1", "beauty", at(ten_days_ago, "10:00"), at(ten_days_ago, "12:00")),
            live("s2", "a1", "beauty", at(DAY, "10:00"), at(DAY, "11:00")),
            live("s3", "a2", "food", at(DAY, "20:00"), None),  # still on air
        ],
        session_products=[
            segment("g1", "s1", "p1", at(ten_days_ago, "10:10"), at(ten_days_ago, "10:20")),
            segment("g2", "s2", "p1", at(DAY, "10:05"), at(DAY, "10:20")),
        ],
        views=[
            *view("u1", "s1", ten_days_ago, "10:05", "10:25"),  # 1200 s
            *view("u1", "s2", DAY, "10:00", "10:30"),  # 1800 s
            *view("u2", "s2", DAY, "10:02", "10:03"),  # 60 s
            *view("u1", "s3", DAY, "20:05", "20:06"),  # 60 s
        ],
        interactions=[
            interaction("u1", "s1", ten_days_ago, "10:12", "comment"),
            interaction("u1", "s2", DAY, "10:14", "gift", gift_cny=cny(10.5)),
            interaction("u2", "s2", DAY, "10:02", "like"),
        ],
        cart_events=[cart("u1", "s2", "p1", DAY, "10:15", "add")],
        orders=[
            order("o1", "u1", "p1", "s1", "a1", ten_days_ago, "10:16", "paid", 80),
            order("o2", "u1", "p1", "s2", "a1", DAY, "10:16", "paid", 90),
            order("o3", "u2", "p1", "s2", "a1", DAY, "10:03", "created", 90),
            order("o3", "u2", "p1", "s2", "a1", DAY, "10:04", "cancelled", 90),
        ],
        social=[
            edge("follow", "u1", "a1", ten_days_ago, "10:20"),
            edge("unfollow", "u1", "a1", DAY, "10:20"),
            edge("follow", "u2", "a1", DAY, "10:02"),
            edge("follow", "u2", "a2", DAY, "20:10"),
        ],
    )

    rows = features_as_of(ctx, DAY, [ten_days_ago, DAY], "anchor", "user_category")

    a1 = {
        "anchor_id": "a1",
        "as_of_date": DAY,
        "professionalism_score": 90.0,
        "followers": 1000,
        "tier_rank": 3,  # head
        "visits_7d": 2,
        "visits_30d": 1 + 2,
        "viewer_days_30d": 1 + 2,
        "dwell_seconds_30d": 1200 + 1800 + 60,
        "avg_dwell_seconds_30d": (1200 + 1800 + 60) / 3,
        "interactions_7d": 2,
        "interactions_30d": 1 + 2,
        "interactions_per_visit_30d": 3 / 3,
        "gift_value_cny_30d": cny(10.5),
        "paid_orders_7d": 1,
        "paid_orders_30d": 1 + 1,
        "paid_gmv_cny_30d": cny(80 + 90),
        "conversion_rate_30d": 2 / 3,
        "sessions_30d": 2,
        "live_seconds_30d": 7200 + 3600,
        "explain_seconds_30d": 600 + 900,
        "explain_share_30d": (600 + 900) / (7200 + 3600),
        "net_new_followers_30d": 1 - 1 + 1,
    }
    a2 = {
        "anchor_id": "a2",
        "as_of_date": DAY,
        "professionalism_score": None,  # not scored
        "followers": 10,
        "tier_rank": 1,  # long tail
        "visits_7d": 1,
        "visits_30d": 1,
        "viewer_days_30d": 1,
        "dwell_seconds_30d": 60,
        "avg_dwell_seconds_30d": 60.0,
        "interactions_7d": 0,
        "interactions_30d": 0,
        "interactions_per_visit_30d": 0.0,
        "gift_value_cny_30d": cny(0),
        "paid_orders_7d": 0,
        "paid_orders_30d": 0,
        "paid_gmv_cny_30d": cny(0),
        "conversion_rate_30d": 0.0,
        "sessions_30d": 1,
        "live_seconds_30d": 0,  # s3 has not ended
        "explain_seconds_30d": 0,
        "explain_share_30d": None,  # no air time yet
        "net_new_followers_30d": 1,
    }
    anchors = rows["anchor"]
    assert [r["anchor_id"] for r in anchors] == ["a1", "a2"]
    assert anchors[0] == pytest.approx(a1)
    assert anchors[1] == pytest.approx(a2)

    # decayed with a 14-day half-life: ten days ago weighs DECAY**10, today 1
    u1_beauty = (DECAY**10 + 1) + 3 * 1 + 5 * (DECAY**10 + 1)
    u1_food = 1.0
    categories = rows["user_category"]
    assert [(r["user_id"], r["category"]) for r in categories] == [
        ("u1", "beauty"),
        ("u1", "food"),
        ("u2", "beauty"),
    ]
    assert categories[0] == pytest.approx(
        {
            "user_id": "u1",
            "category": "beauty",
            "as_of_date": DAY,
            "visits_decayed": DECAY**10 + 1,
            "cart_adds_decayed": 1.0,
            "paid_orders_decayed": DECAY**10 + 1,
            "interest_score_decayed": u1_beauty,
            "interest_share": u1_beauty / (u1_beauty + u1_food),
            "visits_30d": 2,
        }
    )
    assert categories[1] == pytest.approx(
        {
            "user_id": "u1",
            "category": "food",
            "as_of_date": DAY,
            "visits_decayed": 1.0,
            "cart_adds_decayed": 0.0,
            "paid_orders_decayed": 0.0,
            "interest_score_decayed": u1_food,
            "interest_share": u1_food / (u1_beauty + u1_food),
            "visits_30d": 1,
        }
    )
    assert categories[2] == pytest.approx(
        {
            "user_id": "u2",
            "category": "beauty",
            "as_of_date": DAY,
            "visits_decayed": 1.0,
            "cart_adds_decayed": 0.0,
            "paid_orders_decayed": 0.0,  # cancelled, never paid
            "interest_score_decayed": 1.0,
            "interest_share": 1.0,
            "visits_30d": 1,
        }
    )


def _by_key_and_day(frame, keys) -> dict[tuple, dict]:
    return {
        (*(r[k] for k in keys), r["as_of_date"]): r.asDict() for r in frame.drop("run_id").collect()
    }


def _assert_same_values(entity, mine: dict[tuple, dict], theirs: dict[tuple, dict]) -> None:
    assert mine.keys() == theirs.keys()
    for key, row in mine.items():
        for f in features_of(entity):
            a, b = row[f.name], theirs[key][f.name]
            if isinstance(a, float) or isinstance(b, float):
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), (key, f.reference)
            else:
                assert a == b, (key, f.reference)


@pytest.mark.parametrize("entity", ENTITIES)
def test_a_stretch_of_days_built_at_once_equals_building_each_from_the_day_before(
    built_ctx, entity
):
    """Late data rebuilds D1..D3 in one frame: each day must hold what building it from the
    snapshot before gives (carried values stepped, windows slid, the SCD2 rows of each day),
    whether the stretch starts from a snapshot or from the aggregate history."""
    keys = list(ENTITY_KEYS[entity])
    day_by_day, previous, frames = {}, None, {}
    for day in (D1, D2, D3):
        frames[day] = previous = features.build(built_ctx, entity, day, day, previous).cache()
        day_by_day |= _by_key_and_day(previous, keys)
    assert {key[-1] for key in day_by_day} == {D1, D2, D3}

    from_history = features.build(built_ctx, entity, D1, D3, previous=None)
    _assert_same_values(entity, _by_key_and_day(from_history, keys), day_by_day)
    from_snapshot = features.build(built_ctx, entity, D2, D3, previous=frames[D1])
    later = {key: row for key, row in day_by_day.items() if key[-1] > D1}
    _assert_same_values(entity, _by_key_and_day(from_snapshot, keys), later)
    for frame in frames.values():
        frame.unpersist()


@pytest.mark.parametrize("entity", ENTITIES)
def test_incremental_snapshot_equals_full_recomputation(built_ctx, entity):
    keys = list(ENTITY_KEYS[entity])
    full = features.build(built_ctx, entity, D3, D3, previous=None).drop("run_id")
    incremental = snapshot(entity, D3)
    rows = full.collect()
    assert len(rows) == len(incremental)
    for row in rows:
        published = incremental[tuple(row[k] for k in keys)]
        for f in features_of(entity):
            mine, theirs = row[f.name], published[f.name]
            if isinstance(mine, float) or isinstance(theirs, float):
                assert mine == pytest.approx(theirs, rel=1e-9, abs=1e-9), f.reference
            else:
                assert mine == theirs, f.reference


def _silver_files() -> dict[str, list[str]]:
    """Local paths of every data file of every silver table the world wrote, by table (it
    runs no experiment)."""
    return {
        name: [uri.removeprefix("file://") for uri in delta_table(table).file_uris()]
        for name, table in SILVER.items()
        if name not in ("experiments", "assignments")
    }


def test_a_day_reads_only_its_own_silver_partitions_counted_by_file_access(copy_ctx):
    """Every silver file gets an old access time; after D4's aggregates, features and training
    the kernel's access times (relatime) show which files were opened: only the dimensions
    (valid-as-of lookups) and D3's live_sessions (sessions D4 events may belong to), never
    the event history."""
    d4 = D3 + timedelta(days=1)
    files = _silver_files()
    long_ago = 1_000_000_000  # 2001: older than any write, so the next read updates atime
    for path in (p for paths in files.values() for p in paths):
        os.utime(path, (long_ago, long_ago))
    for stage in (aggregates, features, training):
        assert stage.run(copy_ctx, d4).status == "ok"
    opened = {
        name: [p for p in paths if os.stat(p).st_atime > long_ago] for name, paths in files.items()
    }
    history = {
        name: [p for p in paths if f"={D3.isoformat()}/" not in p or name != "live_sessions"]
        for name, paths in files.items()
        if name not in DIMENSIONS
    }
    assert sum(len(p) for p in history.values()) >= 19  # D1..D3 partitions hold files
    assert {n: p for n, p in opened.items() if p and n not in DIMENSIONS} == {
        "live_sessions": [p for p in files["live_sessions"] if f"={D3.isoformat()}/" in p]
    }
    assert all(not set(opened[n]) & set(paths) for n, paths in history.items())
    u1 = snapshot("user", d4)[("u1",)]
    assert (u1["visits_1d"], u1["visits_7d"], u1["days_since_last_visit"]) == (0, 3, 1)
    assert u1["engagement_decayed"] == pytest.approx(3 * DECAY**3, abs=1e-12)
