"""The KPI mart on a hand-built day: every value below is computed by hand from kpi_data.py.

Day D = 2026-01-02. Room visits: v1 v2 (u1,s1), v3 (u2,s1), v4 (u3,s2), v6 (u4,s2), v5 (u2,s2).
Completed visits dwell 120, 600, 300, 60, 1800 s = 48 min. Carts (u1,s1,p1) (u2,s1,p1)
(u4,s2,p2), only u1's paid. Orders on D: o1 paid 75 (1 x 80 - 5 coupon, head anchor, 10h),
o2 created + cancelled (long tail), o3 paid 90 (2 x 45, no session or anchor, 22h).
"""

from __future__ import annotations

import pytest

from livelake import kpi_catalog
from livelake.jobs.gold.kpi import measures, metric_rows, targets
from livelake.lake.tables.kpi import KPI_DAILY, KPI_TARGETS
from tests.jobs.gold.kpi_data import DAY, silver_frames


@pytest.fixture(scope="module")
def amounts(spark):
    return measures(spark, silver_frames(spark), DAY)


@pytest.fixture(scope="module")
def mart(amounts):
    rows = metric_rows(amounts, DAY, "test-run")
    return {(r["metric"], r["breakdown"], r["breakdown_value"]): r for r in rows}


def value(mart, metric: str, breakdown: str = "all", of: str = "all") -> float | None:
    return mart[(metric, breakdown, of)]["value"]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("room_visits", 6.0),
        ("live_room_conversion_pct", 33.333333),  # u1 paid in s1: v1 v2 of 6
        ("add_to_cart_rate_pct", 66.666667),  # v1 v2 v3 v6 carted in their session: 4 / 6
        ("new_user_visit_share_pct", 33.333333),  # u2 registered D-1: v3 v5
        ("completed_visits", 5.0),
        ("avg_dwell_minutes", 9.6),  # 48 min / 5
        ("short_visit_share_pct", 40.0),  # 120 s and 60 s
        ("long_visit_share_pct", 40.0),  # 600 s and 1800 s
        ("carts", 3.0),
        ("cart_to_pay_pct", 33.333333),  # 1 / 3
        ("unpaid_cart_share_pct", 66.666667),
        ("cart_removal_rate_pct", 33.333333),  # 1 remove / 3 adds
        ("cart_value_cny", 280.0),  # 80 + 160 + 40
        ("gmv_cny", 165.0),  # 75 + 90
        ("paid_orders", 2.0),
        ("created_orders", 3.0),
        ("cancelled_orders", 1.0),
        ("aov_cny", 82.5),
        ("units_sold", 3.0),
        ("buyers", 2.0),
        ("payment_rate_pct", 66.666667),
        ("coupon_share_of_gmv_pct", 3.030303),  # 5 / 165
        ("price_anchoring_discount_pct", 15.0),  # list 100 + 2 x 50 = 200, live 80 + 90 = 170
        ("avg_selling_price_cny", 56.666667),  # 170 / 3 units
        ("repurchase_rate_30d_pct", 50.0),  # u1 also paid on D-10; u3 did not
        ("new_buyer_share_pct", 0.0),
        ("gmv_per_visit_cny", 27.5),  # 165 / 6
        ("interactions", 4.0),
        ("interactions_per_watch_minute", 0.083333),  # 4 / 48
        ("gift_value_cny", 10.0),
        ("interacting_users_per_100_visits", 50.0),  # u1 u2 u3 per 6 visits
        ("explained_products", 2.0),  # (s1,p1) (s2,p2)
        ("explain_minutes_per_product", 17.5),  # (600 + 300 + 1200) s / 60 / 2
        ("live_sessions", 2.0),
        ("live_hours", 3.5),  # 120 + 90 min
        ("visits_per_session", 3.0),
        ("gmv_per_live_hour_cny", 47.142857),  # 165 / 210 min x 60
        ("refund_rate_pct", 50.0),  # 1 refund / 2 paid orders
        ("after_sales_reason_quality_pct", 100.0),
        ("net_follower_growth", 1.0),  # 2 follows - 1 unfollow
        ("follows_per_100_visits", 33.333333),  # 2 follows / 6 visits
    ],
)
def test_overall_metric_equals_the_hand_computed_value(mart, metric, expected):
    assert value(mart, metric) == expected


@pytest.mark.parametrize(
    ("metric", "breakdown", "of", "expected"),
    [
        ("live_room_conversion_pct", "anchor_tier", "head", 66.666667),  # v1 v2 of v1 v2 v3
        ("live_room_conversion_pct", "anchor_tier", "long_tail", 0.0),
        ("live_room_conversion_pct", "region", "east", 66.666667),  # u1 east as of D: v1 v2 v4
        ("live_room_conversion_pct", "region", "west", 0.0),
        ("gmv_cny", "anchor_tier", "head", 75.0),
        ("gmv_cny", "anchor_tier", "unknown", 90.0),  # o3: no anchor, no session
        ("gmv_cny", "anchor_tier", "long_tail", 0.0),  # o2 was cancelled
        ("gmv_cny", "hour_of_day", "22", 90.0),
        ("gmv_cny", "category", "food", 90.0),
        ("avg_dwell_minutes", "device", "ios", 6.0),  # u1: (120 + 600) s / 2
        ("avg_dwell_minutes", "device", "android", 17.5),  # u2: (300 + 1800) s / 2
        ("avg_dwell_minutes", "hour_of_day", "20", 15.5),  # leaves at 20h: 60 s and 1800 s
        ("new_follows", "anchor_tier", "head", 2.0),
        ("refund_rate_pct", "category", "beauty", 100.0),  # o1 refunded, p1 beauty
    ],
)
def test_breakdown_value_equals_the_hand_computed_value(mart, metric, breakdown, of, expected):
    assert value(mart, metric, breakdown, of) == expected


def test_the_calibration_monitor_holds_the_models_scores_against_what_was_paid_per_tier(mart):
    # Scored on D: (u1,s1,p1) 0.30 paid (o1), (u2,s1,p1) 0.10, (u3,s2,p2) 0.05; s1 is a1's
    # (head), s2 a2's (long tail). The 0.90 of D-1's sessions is not D's.
    assert value(mart, "scored_exposures") == 3.0
    assert value(mart, "predicted_conversion_pct") == 15.0  # (0.30 + 0.10 + 0.05) / 3
    assert value(mart, "observed_scored_conversion_pct") == 33.333333  # 1 of 3 paid
    by_tier = {
        tier: (
            value(mart, "predicted_conversion_pct", "anchor_tier", tier),
            value(mart, "observed_scored_conversion_pct", "anchor_tier", tier),
        )
        for tier in ("head", "long_tail")
    }
    assert by_tier == {"head": (20.0, 50.0), "long_tail": (5.0, 0.0)}


def test_the_user_version_valid_at_the_end_of_the_day_decides_the_region(mart):
    assert not [k for k in mart if k[1] == "region" and k[2] == "south"]


def test_events_of_other_days_are_not_counted(mart):
    # u4's leave event on D-1 (999 s) is outside D: 5 visits, not 6.
    assert mart[("completed_visits", "all", "all")]["numerator"] == 5.0


def test_plan_targets_and_gaps_ride_along(mart):
    conversion = mart[("live_room_conversion_pct", "all", "all")]
    assert (conversion["target_value"], conversion["gap_to_target"]) == (4.5, 28.833333)
    assert mart[("avg_dwell_minutes", "all", "all")]["gap_to_target"] == pytest.approx(3.1)
    assert mart[("gmv_cny", "all", "all")]["target_value"] is None


def test_the_mart_has_more_than_200_metric_breakdown_series(mart):
    pairs = {(metric, breakdown) for metric, breakdown, _ in mart}
    assert len(pairs) == len(kpi_catalog.series()) >= 200
    assert len(mart) > len(pairs)


def test_a_zero_denominator_gives_no_value_rather_than_an_error(mart):
    # Sessions have no device, so visitors per session is not offered by device at all,
    # and no buyer in the unknown tier of a fact means a null, not a division error.
    assert not [k for k in mart if k[0] == "visits_per_session" and k[1] == "device"]
    assert value(mart, "aov_cny", "anchor_tier", "long_tail") is None


def test_day_over_day_change_compares_with_the_previous_day(amounts):
    previous = {("gmv_cny", "all", "all"): 110.0}
    rows = metric_rows(amounts, DAY, "test-run", previous)
    gmv = next(r for r in rows if (r["metric"], r["breakdown"]) == ("gmv_cny", "all"))
    assert (gmv["previous_value"], gmv["day_over_day_change_pct"]) == (110.0, 50.0)


def test_mart_rows_fit_the_declared_tables(spark, mart):
    assert all(set(row) == set(KPI_DAILY.column_names) for row in mart.values())
    assert targets(spark, "r").columns == KPI_TARGETS.column_names


def test_targets_hold_every_plan_milestone(spark):
    rows = {(r["metric"], r["milestone"]): r["target_value"] for r in targets(spark, "r").collect()}
    assert rows == {
        ("live_room_conversion_pct", "phase_1"): 4.5,
        ("live_room_conversion_pct", "phase_2"): 5.5,
        ("live_room_conversion_pct", "phase_3"): 6.0,
        ("add_to_cart_rate_pct", "plan"): 3.2,
        ("repurchase_rate_30d_pct", "plan"): 28.0,
        ("avg_dwell_minutes", "plan"): 6.5,
    }
