"""The generated platform meets the plan's figures, measured with livelake.generator.calibration."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from livelake.generator.calibration import RELATIONS, evaluate_duckdb, register_landing


@pytest.fixture(scope="module")
def measured(calibration_landing: Path) -> dict:
    con = duckdb.connect()
    assert sorted(register_landing(con, calibration_landing)) == sorted(RELATIONS)
    return evaluate_duckdb(con)


def test_live_room_conversion_is_2_8_percent_within_10_percent(measured: dict) -> None:
    assert measured["live_room_conversion"] == pytest.approx(0.028, rel=0.10)


def test_conversion_by_anchor_tier_matches_the_plan(measured: dict) -> None:
    by_tier = measured["conversion_by_anchor_tier"]
    assert set(by_tier) == {"head", "mid", "long_tail"}
    assert 0.035 <= by_tier["head"] <= 0.040
    assert 0.015 <= by_tier["mid"] <= 0.025
    assert by_tier["long_tail"] < 0.01


def test_1_5_percent_of_visits_add_to_the_cart_within_10_percent(measured: dict) -> None:
    # The carting visits are a fixed share of each day's buyers, so the figure carries the
    # conversion's sampling noise: sd 0.048 pp (3.2% relative) over 24 seeds; 10% is 3 sd.
    assert measured["add_to_cart_rate"] == pytest.approx(0.015, rel=0.10)


def test_most_visits_are_shorter_than_three_minutes(measured: dict) -> None:
    assert measured["short_visit_share"] > 0.60


def test_85_percent_of_carted_items_are_never_paid(measured: dict) -> None:
    assert measured["unpaid_cart_share"] == pytest.approx(0.85, abs=0.03)


def test_18_percent_of_buyers_repurchase_within_30_days(measured: dict) -> None:
    assert measured["repurchase_within_30_days"] == pytest.approx(0.18, rel=0.10)


def test_interest_half_life_is_14_days_within_3(measured: dict) -> None:
    assert measured["interest_half_life_days"] == pytest.approx(14.0, abs=3.0)
