"""Feature declarations become range and null-rate expectations (pure, no Spark)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from livelake.jobs.quality.features import expectations_for_features


@dataclass(frozen=True)
class Feature:
    name: str
    table: str
    dtype: str = "double"
    min_value: float | None = None
    max_value: float | None = None
    max_null_fraction: float = 0.0
    description: str = ""


FEATURES = [
    Feature(
        "conversion_rate_30d",
        "gold/user_features",
        min_value=0.0,
        max_value=1.0,
        max_null_fraction=0.2,
    ),
    Feature("count_views_7d", "gold/user_features", "long", min_value=0.0),
    Feature("anchor_score", "gold/anchor_features", min_value=0.0, max_value=100.0),
    Feature("favourite_category", "gold/user_features", "string", max_null_fraction=1.0),
]


def test_only_the_tables_features_are_checked_with_their_declared_bounds():
    configs = expectations_for_features(FEATURES, "gold/user_features")
    assert [(c["type"], c["kwargs"]) for c in configs] == [
        (
            "expect_column_values_to_be_between",
            {"column": "conversion_rate_30d", "min_value": 0.0, "max_value": 1.0},
        ),
        ("expect_column_values_to_not_be_null", {"column": "conversion_rate_30d", "mostly": 0.8}),
        (
            "expect_column_values_to_be_between",
            {"column": "count_views_7d", "min_value": 0.0, "max_value": None},
        ),
        ("expect_column_values_to_not_be_null", {"column": "count_views_7d"}),
    ]
    assert {c["meta"]["severity"] for c in configs} == {"error"}


def test_a_feature_without_bounds_and_allowed_all_null_adds_nothing():
    assert expectations_for_features(FEATURES[3:], "gold/user_features") == []


def test_an_impossible_null_fraction_is_refused_with_the_feature_name():
    with pytest.raises(ValueError, match="count_views_7d"):
        expectations_for_features(
            [Feature("count_views_7d", "gold/user_features", max_null_fraction=1.5)],
            "gold/user_features",
        )


def test_counting_measures_of_a_daily_aggregate_are_not_negative():
    from livelake.jobs.quality.features import declared_measures, expectations_for_measures

    configs = expectations_for_measures(declared_measures(), "gold/agg_user_daily")
    columns = {c["kwargs"]["column"] for c in configs}
    assert {"visits", "paid_orders", "sessions_visited"} <= columns
    assert "net_follows" not in columns, "a sum of +1/-1 may be negative"
    assert {c["kwargs"]["min_value"] for c in configs} == {0}
