"""Daily aggregates: hand-computed measures for the tiny world (tests/jobs/gold/world.py)."""

from __future__ import annotations

from livelake.features import ENTITY_KEYS
from livelake.lake.read import read_arrow
from livelake.lake.tables.gold import AGGREGATES
from tests.jobs.gold.world import D1, D3


def _rows(entity: str, day) -> dict[tuple, dict]:
    keys = ENTITY_KEYS[entity]
    data = read_arrow(AGGREGATES[entity]).to_pylist()
    return {tuple(r[k] for k in keys): r for r in data if r["day"] == day}


def test_user_day_adds_up_views_interactions_orders_and_social(built_ctx):
    u1 = _rows("user", D1)[("u1",)]
    assert (u1["visits"], u1["dwell_seconds"], u1["long_visits"], u1["short_visits"]) == (
        1,
        1200,
        1,
        0,
    )
    assert (u1["interactions"], u1["comments"], u1["gifts"], u1["gift_value_cny"]) == (
        3,
        1,
        1,
        10.5,
    )
    assert (u1["orders_created"], u1["paid_orders"], u1["paid_gmv_cny"]) == (1, 1, 80.0)
    assert (u1["net_follows"], u1["refund_cases"], u1["cart_adds"]) == (1, 0, 1)
    u2 = _rows("user", D1)[("u2",)]
    assert (u2["visits"], u2["short_visits"], u2["paid_orders"]) == (1, 1, 0)
    assert set(_rows("user", D1)) == {("u1",), ("u2",)}


def test_anchor_product_and_category_days_use_the_session_and_product_lookups(built_ctx):
    a1 = _rows("anchor", D3)[("a1",)]
    assert (a1["visits"], a1["viewers"], a1["sessions"], a1["live_seconds"]) == (2, 2, 1, 3600)
    assert (a1["paid_orders"], a1["paid_gmv_cny"], a1["net_follows"]) == (1, 90.0, 0)
    p1 = _rows("product", D3)[("p1",)]
    assert (p1["explain_seconds"], p1["paid_orders"], p1["refund_cases"]) == (600, 1, 1)
    # two price versions of p1 were valid during D3: 70 until 08:00, then 90
    assert (p1["min_live_price_cny"], p1["max_list_price_cny"]) == (70.0, 100.0)
    beauty = _rows("user_category", D3)[("u1", "beauty")]
    assert (beauty["visits"], beauty["cart_adds"], beauty["paid_orders"]) == (1, 0, 1)
