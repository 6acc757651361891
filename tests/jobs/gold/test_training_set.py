"""The point-in-time API on the built world: read, training_set on every engine, the Spark
twin, and leakage at the exact snapshot boundary."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

import livelake.features as lf
import livelake.retrieval as lr
from livelake.retrieval.pit import to_arrow
from livelake.retrieval.spark_pit import training_set_spark
from tests.jobs.gold.silver_rows import at
from tests.jobs.gold.world import D1, D2, D3

FEATURES = [
    "user:paid_orders_7d",
    "user:days_since_last_paid_order",
    "product:live_price_cny",
    "anchor:visits_30d",
    "user_category:visits_decayed",
]


def _labels() -> pl.DataFrame:
    d4 = D3 + timedelta(days=1)
    rows = [
        # the label at the paying instant of o3 (D3 10:11) must not see o3
        ("u1", "p1", "a1", "beauty", at(D3, "10:11")),
        # from D4 00:00 the snapshot of D3 is usable and shows it
        ("u1", "p1", "a1", "beauty", at(d4, "00:00")),
        # the D2 snapshot becomes usable exactly at D3 00:00
        ("u1", "p1", "a1", "beauty", at(D3, "00:00")),
        ("u1", "p1", "a1", "beauty", at(D3, "00:00") - timedelta(microseconds=1)),
        ("u3", "p2", "a2", "food", at(D2, "12:00")),  # u3 registered on D2: no D1 user features
        ("u9", "p9", None, None, at(D3, "12:00")),  # unknown everywhere
    ]
    return pl.DataFrame(
        rows,
        schema={
            "user_id": pl.String,
            "product_id": pl.String,
            "anchor_id": pl.String,
            "category": pl.String,
            "event_timestamp": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )


def test_read_returns_the_latest_snapshot_or_the_one_as_of_a_day(built_ctx):
    latest = lr.read("user", columns=["paid_orders_7d"])
    assert latest.columns == ["user_id", "as_of_date", "paid_orders_7d"]
    assert set(latest["as_of_date"]) == {D3}
    old = lr.read("user", as_of=D2, columns=["paid_orders_7d"], engine="pandas")
    assert dict(zip(old.user_id, old.paid_orders_7d, strict=True)) == {"u1": 1, "u2": 0, "u3": 1}
    assert str(old.paid_orders_7d.dtype) == "int64[pyarrow]"  # no copy, no float coercion
    with pytest.raises(LookupError, match="no snapshot on or before"):
        lr.read("user", as_of=D1 - timedelta(days=1))


def test_a_label_sees_only_snapshots_usable_strictly_before_it(built_ctx):
    out = lr.training_set(_labels(), FEATURES).to_dicts()
    assert [r["user__paid_orders_7d"] for r in out] == [1, 2, 1, 1, None, None]
    assert [r["product__live_price_cny"] for r in out] == [70.0, 90.0, 70.0, 80.0, 45.0, None]
    assert [r["user__days_since_last_paid_order"] for r in out][:4] == [1, 0, 1, 0]
    assert out[0]["user_category__visits_decayed"] == pytest.approx(2 ** (-1 / 14))
    assert out[0]["anchor__visits_30d"] == 2


def test_every_engine_and_the_spark_path_give_the_same_rows(built_ctx):
    expected = lr.training_set(_labels(), FEATURES).to_arrow().to_pylist()
    for engine in ("duckdb", "pandas", "arrow"):
        got = to_arrow(lr.training_set(_labels().to_pandas(), FEATURES, engine=engine))
        assert got.to_pylist() == expected, engine
    labels = built_ctx.spark.createDataFrame(_labels().to_pandas())
    spark_rows = training_set_spark(labels, FEATURES, built_ctx.lake).toArrow().to_pylist()
    assert spark_rows == expected


def test_labels_without_the_needed_keys_get_a_clear_error(built_ctx):
    with pytest.raises(KeyError, match=r"labels need column\(s\) \['anchor_id'\]"):
        lr.training_set(_labels().drop("anchor_id"), ["anchor:visits_30d"])
    with pytest.raises(lf.UnknownFeatureError, match="user:nope"):
        lr.training_set(_labels(), ["user:nope"])


def test_naive_timestamps_are_taken_as_utc(built_ctx):
    naive = _labels().with_columns(pl.col("event_timestamp").dt.replace_time_zone(None))
    assert (
        lr.training_set(naive, FEATURES)
        .drop("event_timestamp")
        .equals(lr.training_set(_labels(), FEATURES).drop("event_timestamp"))
    )
