"""Feature snapshots: hand-computed values, incremental == full, no silver history read."""

from __future__ import annotations

import os
from datetime import timedelta

import pyarrow.compute as pc
import pytest

from livelake.features import ENTITIES, ENTITY_KEYS, features_of
from livelake.jobs.gold import aggregates, features, training
from livelake.lake.read import delta_table, read_arrow
from livelake.lake.tables.gold import SNAPSHOTS
from livelake.lake.tables.silver import SILVER
from tests.jobs.gold.world import D1, D2, D3, DIMENSIONS

DECAY = 2 ** (-1 / 14)


def snapshot(entity: str, day, lake_root=None) -> dict[tuple, dict]:
    data = read_arrow(SNAPSHOTS[entity], filter=pc.field("as_of_date") == day)
    keys = ENTITY_KEYS[entity]
    return {tuple(r[k] for k in keys): r for r in data.to_pylist()}


def test_user_features_by_hand(built_ctx):
    u1 = snapshot("user", D3)[("u1",)]
    expected = {
        "visits_1d": 1,
        "visits_7d": 3,
        "dwell_seconds_7d": 1200 + 60 + 1800,
        "avg_dwell_seconds_30d": 1020.0,
        "short_visit_share_30d": 1 / 3,
        "long_visit_share_30d": 2 / 3,
        "interactions_7d": 3,
        "gift_value_cny_30d": 10.5,
        "interactions_per_visit_30d": 1.0,
        "paid_orders_7d": 2,
        "paid_gmv_cny_90d": 170.0,
        "cart_to_pay_ratio_30d": 2.0,
        "avg_order_value_cny_90d": 85.0,
        "refund_cases_90d": 1,
        "refund_rate_90d": 0.5,
        "purchase_days_90d": 2,
        "lifetime_paid_orders": 2,
        "is_repeat_buyer": 1,
        "days_since_last_visit": 0,
        "days_since_last_paid_order": 0,
        "anchors_followed": 0,
        "shares_sent_30d": 1,
        "days_since_registration": 61,
        "membership_rank": 2,
    }
    assert {k: u1[k] for k in expected} == pytest.approx(expected)
    assert u1["engagement_decayed"] == pytest.approx(3 * DECAY**2, abs=1e-12)
    u2 = snapshot("user", D3)[("u2",)]
    assert (
        u2["days_since_last_paid_order"],
        u2["refund_rate_90d"],
        u2["avg_dwell_seconds_30d"],
    ) == (
        None,
        None,
        90.0,
    )
    assert snapshot("user", D2)[("u1",)]["days_since_last_paid_order"] == 1


def test_product_price_anchoring_and_explanation_time_by_hand(built_ctx):
    by_day = {day: snapshot("product", day)[("p1",)] for day in (D1, D2, D3)}
    assert [by_day[d]["live_price_cny"] for d in (D1, D2, D3)] == [80.0, 70.0, 90.0]
    assert [by_day[d]["min_live_price_cny_30d"] for d in (D1, D2, D3)] == [80.0, 70.0, 70.0]
    assert by_day[D3]["price_vs_min_30d"] == pytest.approx(90 / 70)
    assert by_day[D3]["discount_vs_ref_30d"] == pytest.approx(0.1)
    assert by_day[D2]["is_flash_sale"] == 1
    p1 = by_day[D3]
    assert (p1["explain_seconds_7d"], p1["avg_explain_seconds_30d"]) == (1200, 600.0)
    assert p1["orders_per_explain_minute_30d"] == pytest.approx(2 / 20)


def test_anchor_and_category_interest_features_by_hand(built_ctx):
    a1 = snapshot("anchor", D3)[("a1",)]
    assert (a1["professionalism_score"], a1["tier_rank"], a1["visits_30d"]) == (90.0, 3, 4)
    assert (a1["conversion_rate_30d"], a1["live_seconds_30d"], a1["net_new_followers_30d"]) == (
        0.5,
        10800,
        1,
    )
    assert a1["explain_share_30d"] == pytest.approx(1500 / 10800)
    interests = snapshot("user_category", D3)
    beauty, food = interests[("u1", "beauty")], interests[("u1", "food")]
    assert beauty["visits_decayed"] == pytest.approx(DECAY**2 + 1, abs=1e-12)
    assert food["visits_decayed"] == pytest.approx(DECAY, abs=1e-12)
    score = (DECAY**2 + 1) + 3 * DECAY**2 + 5 * (DECAY**2 + 1)
    assert beauty["interest_score_decayed"] == pytest.approx(score, abs=1e-12)
    assert beauty["interest_share"] + food["interest_share"] == pytest.approx(1.0)


@pytest.mark.parametrize("entity", ENTITIES)
def test_incremental_snapshot_equals_full_recomputation(built_ctx, entity):
    keys = list(ENTITY_KEYS[entity])
    full = features.build(built_ctx, entity, D3, previous=None).drop("run_id")
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
    """Local paths of every data file of every silver table, by table."""
    return {
        name: [uri.removeprefix("file://") for uri in delta_table(table).file_uris()]
        for name, table in SILVER.items()
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
