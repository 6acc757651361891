"""Drift: metrics measured in one pass, compared with the trailing days of published runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from livelake.jobs.quality.drift import DriftPolicy, drift_expectations
from livelake.jobs.quality.metrics import compute_metrics
from livelake.lake import RunContext
from livelake.lake.tables.audit import METRIC_HISTORY, PUBLISHED_RUNS
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import view_row

DAY = date(2026, 1, 10)


def test_metrics_of_a_table_come_from_one_pass(views_frame):
    df = views_frame([view_row("e1", dwell_seconds=10), view_row("e2", dwell_seconds=None)])
    rows = pa.Table.from_pandas(df.toPandas(), schema=VIEWS.arrow_schema(), preserve_index=False)
    found = {(m.column, m.metric): m.value for m in compute_metrics(rows, VIEWS, date(2026, 1, 2))}
    assert found[("*", "row_count")] == 2.0
    assert found[("dwell_seconds", "mean")] == 10.0
    assert found[("dwell_seconds", "null_fraction")] == 0.5
    assert found[("user_id", "distinct_count")] == 1.0
    assert found[("event_date", "day_row_count")] == 2.0
    assert ("line_number", "mean") not in found  # lineage is not tracked


def _history(lake, day, run_id, mean, published=True, column="dwell_seconds", metric="mean"):
    now = datetime.now(UTC)
    run = RunContext(job="test", run_id=run_id)
    lake.append_records(
        METRIC_HISTORY,
        [
            {
                "run_id": run_id,
                "day": day,
                "stage": "silver",
                "table_name": "silver/views",
                "column_name": column,
                "metric": metric,
                "value": mean,
                "recorded_at": now,
            }
        ],
        run,
    )
    if published:
        lake.append_records(
            PUBLISHED_RUNS,
            [
                {
                    "run_id": run_id,
                    "day": day,
                    "stage": "silver",
                    "table_name": "silver/views",
                    "table_version": 1,
                    "rows": 10,
                    "published_at": now,
                }
            ],
            run,
        )


def test_the_baseline_uses_only_published_runs_of_the_trailing_days(lake, lake_root):
    for offset, mean in ((1, 40.0), (2, 50.0), (3, 30.0), (9, 5000.0)):
        _history(lake, DAY - timedelta(days=offset), f"r{offset}", mean)
    _history(lake, DAY - timedelta(days=1), "refused", 9000.0, published=False)

    [check] = drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy())
    assert check["type"] == "expect_column_mean_to_be_between"
    # 30, 50, 40 on the three days before DAY: mean 40, trend 50 at DAY; 40 - 50%, 50 + 50%
    assert check["kwargs"] == {"column": "dwell_seconds", "min_value": 20.0, "max_value": 75.0}
    assert check["meta"]["severity"] == "warn"


def _seed(lake, values, column="dwell_seconds", metric="mean"):
    """One published run per day before DAY, oldest first, with `values` of one metric."""
    for offset, value in enumerate(reversed(values), start=1):
        _history(lake, DAY - timedelta(days=offset), f"r{offset}", value, True, column, metric)


def _bounds(lake_root, expectation_type):
    (check,) = [
        e
        for e in drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy())
        if e["type"] == expectation_type
    ]
    return check["kwargs"]["min_value"], check["kwargs"]["max_value"]


MEAN = "expect_column_mean_to_be_between"
DISTINCT = "expect_column_unique_value_count_to_be_between"


def test_a_window_still_filling_raises_no_warning(lake, lake_root):
    # A 30-day window on a young lake: its mean grows by 10 a day, so DAY's 80 is normal
    # (the trailing mean, 40, alone would have flagged it: at most 60).
    _seed(lake, [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0])
    low, high = _bounds(lake_root, MEAN)
    assert (low, high) == (20.0, 120.0)
    assert low <= 80.0 <= high


def test_distinct_ids_that_grow_with_the_data_raise_no_warning(lake, lake_root):
    _seed(lake, [100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 160.0], "user_id", "distinct_count")
    low, high = _bounds(lake_root, DISTINCT)
    assert (low, high) == (65, 256)
    assert low <= 170 <= high


def test_a_collapse_or_a_shift_after_a_steady_history_raises_one_warning(lake, lake_root):
    _seed(lake, [50.0, 52.0, 48.0, 50.0, 51.0, 49.0, 50.0])
    low, high = _bounds(lake_root, MEAN)
    assert round(low, 6) == 24.785714 and high == 75.0  # trend 49.57, mean 50
    assert not low <= 5.0 <= high  # collapsed to a tenth
    assert not low <= 100.0 <= high  # distribution shifted: doubled


def test_a_key_is_not_drift_checked(lake, lake_root):
    # event_id is the key of silver/views: its distinct count is the row count, and its
    # uniqueness an error rule of its own.
    _seed(lake, [100.0, 200.0, 300.0], "event_id", "distinct_count")
    assert drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy()) == []


def test_too_short_a_history_checks_nothing(lake, lake_root):
    _history(lake, DAY - timedelta(days=1), "r1", 40.0)
    assert drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy()) == []
