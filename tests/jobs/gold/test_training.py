"""Training examples: who saw what, the label, and features strictly as of D-1."""

from __future__ import annotations

import pyarrow.compute as pc

from livelake.features import ENTITIES, ENTITY_KEYS, features_of
from livelake.lake.read import read_arrow
from livelake.lake.tables.gold import SNAPSHOTS, TRAINING_EXAMPLES
from tests.jobs.gold.silver_rows import at
from tests.jobs.gold.world import D1, D2, D3


def _examples(day) -> dict[tuple, dict]:
    data = read_arrow(TRAINING_EXAMPLES, filter=pc.field("example_date") == day).to_pylist()
    return {(r["user_id"], r["session_id"], r["product_id"]): r for r in data}


def test_one_example_per_user_session_and_product_shown_with_its_label(built_ctx):
    d3 = _examples(D3)
    assert set(d3) == {("u1", "s3", "p1"), ("u2", "s3", "p1")}
    assert d3[("u1", "s3", "p1")]["label"] == 1  # o3 paid in s3
    assert d3[("u2", "s3", "p1")]["label"] == 0  # o4 cancelled
    assert d3[("u1", "s3", "p1")]["observed_at"] == at(D3, "10:05")  # entered 10:00, shown 10:05
    assert (d3[("u1", "s3", "p1")]["anchor_id"], d3[("u1", "s3", "p1")]["category"]) == (
        "a1",
        "beauty",
    )
    d2 = _examples(D2)
    assert {k: r["label"] for k, r in d2.items()} == {
        ("u1", "s2", "p2"): 0,
        ("u3", "s2", "p2"): 1,
    }


def test_examples_of_d_carry_features_of_d_minus_1_never_of_d(built_ctx):
    example = _examples(D3)[("u1", "s3", "p1")]
    # o3 was paid on D3 and p1's price moved to 90 on D3: neither may be visible
    assert example["user__paid_orders_7d"] == 1
    assert example["product__live_price_cny"] == 70.0
    assert example["user_category__visits_decayed"] == 1.0 * 2 ** (-1 / 14)
    for day in (D2, D3):
        as_of = day - (D2 - D1)
        for entity in ENTITIES:
            keys = ENTITY_KEYS[entity]
            data = read_arrow(SNAPSHOTS[entity], filter=pc.field("as_of_date") == as_of)
            snapshot = {tuple(r[k] for k in keys): r for r in data.to_pylist()}
            for row in _examples(day).values():
                before = snapshot.get(tuple(row[k] for k in keys), {})
                for f in features_of(entity):
                    assert row[f.column] == before.get(f.name), (day, entity, f.column)
