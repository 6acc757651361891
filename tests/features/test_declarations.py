"""The declarations are the contract: enough features, the plan's drivers, sound metadata,
and gold tables whose columns come from them."""

from __future__ import annotations

import dataclasses

import pytest

import livelake.features as lf
from livelake.column_types import MONEY
from livelake.features import ENTITIES, FEATURES, Feature
from livelake.features.feature import ratio, windows
from livelake.lake.tables.gold import AGGREGATES, SNAPSHOTS, TRAINING_EXAMPLES


def test_at_least_forty_features_all_frozen_and_numeric():
    assert len(FEATURES) >= 40
    for f in FEATURES:
        assert dataclasses.is_dataclass(f) and f.__dataclass_params__.frozen
        assert f.dtype in {"long", "int", "double", MONEY}, f.reference  # all model inputs
        assert f.entity in ENTITIES
        assert f.table == f"gold/{f.entity}_features"
        assert f.source and all(s.startswith("silver/") for s in f.source)
        assert f.description and f.owner
        assert 0.0 <= f.max_null_fraction <= 1.0
        assert f.window_days is None or f.window_days in (1, 7, 30, 90)


@pytest.mark.parametrize(
    "reference",
    [
        "anchor:professionalism_score",  # the plan's four conversion drivers
        "product:explain_seconds_30d",
        "user:interactions_per_visit_30d",
        "anchor:interactions_per_visit_30d",
        "product:price_vs_min_30d",
        "product:discount_vs_ref_30d",
        "user:cart_to_pay_ratio_30d",
        "user:is_repeat_buyer",
        "user:purchase_days_90d",
        "user:short_visit_share_30d",  # dwell distribution
        "user:days_since_last_paid_order",  # recency / frequency / monetary
        "user:paid_orders_30d",
        "user:paid_gmv_cny_90d",
        "user:refund_rate_90d",
        "user:anchors_followed",  # follow / social reach
        "anchor:net_new_followers_30d",
        "user_category:interest_score_decayed",
    ],
)
def test_the_plans_features_are_declared(reference):
    assert lf.feature(reference).reference == reference


def test_category_interests_decay_with_a_fourteen_day_half_life():
    decays = [f for f in FEATURES if f.aggregation == "decay"]
    assert decays and all(f.half_life_days == 14.0 for f in decays)


def test_gold_columns_are_generated_from_the_declarations():
    for entity in ENTITIES:
        names = SNAPSHOTS[entity].column_names
        assert [f.name for f in lf.features_of(entity)] == names[
            len(names) - 1 - len(lf.features_of(entity)) : -1
        ]
        assert {m.name for m in lf.MEASURES[entity]} <= set(AGGREGATES[entity].column_names)
    columns = TRAINING_EXAMPLES.column_names
    assert {f.column for f in FEATURES} <= set(columns)
    assert {
        "user_id",
        "session_id",
        "product_id",
        "anchor_id",
        "example_date",
        "observed_at",
        "label",
    } <= set(columns)
    assert TRAINING_EXAMPLES.partition_by == ("example_date",)


def test_references_expand_and_unknown_ones_say_how_to_find_them():
    assert [f.name for f in lf.resolve(["anchor:*"])] == [f.name for f in lf.features_of("anchor")]
    with pytest.raises(lf.UnknownFeatureError, match="livelake features list"):
        lf.feature("user:views_forever")


def test_a_ratio_of_two_entities_is_refused():
    (users,) = windows(lf.MEASURES["user"][0], (7,), "x")
    (anchors,) = windows(lf.MEASURES["anchor"][0], (7,), "x")
    with pytest.raises(ValueError, match="one entity"):
        ratio("mixed", users, anchors, "no")
    assert isinstance(users, Feature)
