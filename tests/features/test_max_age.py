"""`max_age`: a value whose snapshot is older than its feature's limit at the label comes back
null, with `<entity>__as_of_date` showing which snapshot was found; the JVM-free and the
Spark joins agree, and a saved set rebuilds with the limits it was built with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

import livelake.retrieval as lr
from livelake.lake import RunContext
from livelake.lake.tables.gold import SNAPSHOTS
from livelake.retrieval.spark_pit import training_set_spark
from tests.publication import mark_published

D1, D2 = date(2026, 3, 1), date(2026, 3, 2)
FEATURES = ["user:paid_orders_7d", "user:visits_7d"]
# (user, as_of_date, paid_orders_7d, visits_7d); u2 has no snapshot after D1.
SNAPSHOT_ROWS = [("u1", D1, 1, 3), ("u1", D2, 2, 4), ("u2", D1, 5, 6)]


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


# Ages count from when a snapshot became usable: the D1 one at 03-02 00:00, D2 at 03-03 00:00.
LABELS = pl.DataFrame(
    {
        "user_id": ["u1", "u2", "u2", "u1", "u3"],
        "event_timestamp": [
            _at(3, 6),  # u1: D2 snapshot, 6 h old
            _at(3, 6),  # u2: D1 snapshot, 30 h old
            _at(4, 6),  # u2: D1 snapshot, 54 h old: beyond the default two days
            _at(5, 0),  # u1: D2 snapshot, exactly 48 h old: still within (Feast's bound too)
            _at(3, 6),  # u3: no snapshot at all
        ],
    }
)


@pytest.fixture
def snapshots(spark, lake):
    table = SNAPSHOTS["user"]
    rows = []
    for user_id, as_of_date, paid, visits in SNAPSHOT_ROWS:
        row = dict.fromkeys(table.column_names)
        row |= {"user_id": user_id, "as_of_date": as_of_date, "run_id": "inline"}
        row |= {"paid_orders_7d": paid, "visits_7d": visits}
        rows.append(tuple(row[c] for c in table.column_names))
    lake.append(table, spark.createDataFrame(rows, table.spark_schema()), RunContext(job="test"))
    mark_published(lake, table, max(r[1] for r in SNAPSHOT_ROWS))
    return lake


def _rows(frame: pl.DataFrame) -> list[tuple]:
    return frame.select("user__paid_orders_7d", "user__visits_7d", "user__as_of_date").rows()


def test_a_value_older_than_its_max_age_comes_back_null_with_its_snapshot_date(snapshots):
    assert _rows(lr.training_set(LABELS, FEATURES)) == [
        (2, 4, D2),
        (5, 6, D1),
        (None, None, D1),
        (2, 4, D2),
        (None, None, None),
    ]


def test_a_call_overrides_the_declared_max_age_for_all_or_some_features(snapshots):
    tight = lr.training_set(LABELS, FEATURES, max_age=timedelta(hours=12))
    assert _rows(tight) == [
        (2, 4, D2),
        (None, None, D1),
        (None, None, D1),
        (None, None, D2),
        (None, None, None),
    ]
    one = lr.training_set(LABELS, FEATURES, max_age={"user:paid_orders_7d": timedelta(hours=12)})
    assert _rows(one)[:3] == [(2, 4, D2), (None, 6, D1), (None, None, D1)]
    unlimited = lr.training_set(LABELS, FEATURES, max_age={"user:*": None})
    assert _rows(unlimited)[2] == (5, 6, D1)
    with pytest.raises(ValueError, match="max_age names 'product:live_price_cny'"):
        lr.training_set(LABELS, FEATURES, max_age={"product:live_price_cny": None})


def test_the_spark_join_gives_the_same_rows(spark, snapshots):
    labels = spark.createDataFrame(LABELS.to_pandas())
    for max_age in (None, timedelta(hours=12), {"user:paid_orders_7d": timedelta(hours=12)}):
        expected = lr.training_set(LABELS, FEATURES, max_age=max_age).to_arrow().to_pylist()
        got = training_set_spark(labels, FEATURES, snapshots, max_age=max_age)
        assert got.toArrow().to_pylist() == expected, max_age


def test_a_saved_set_rebuilds_with_the_max_age_it_was_built_with(snapshots, tmp_path):
    saved = tmp_path / "train"
    original = lr.training_set(LABELS, FEATURES, max_age=timedelta(hours=12), save_to=saved)
    manifest = lr.TrainingSetManifest.load(saved)
    assert manifest.max_age_seconds == dict.fromkeys(FEATURES, 43_200.0)
    assert lr.rebuild_training_set(saved).equals(original)
