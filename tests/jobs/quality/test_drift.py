"""Drift: metrics measured in one pass, compared with the trailing days of published runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa

from livelake.jobs.quality.drift import DriftPolicy, drift_expectations
from livelake.jobs.quality.metrics import compute_metrics
from livelake.lake import RunContext
from livelake.lake.tables.audit import METRIC_HISTORY, PUBLISHED_RUNS
from livelake.lake.tables.silver import VIEWS

from .conftest import view_row

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


def _history(lake, day, run_id, mean, published=True):
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
                "column_name": "dwell_seconds",
                "metric": "mean",
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
    assert check["kwargs"] == {"column": "dwell_seconds", "min_value": 20.0, "max_value": 60.0}
    assert check["meta"]["severity"] == "warn"


def test_too_short_a_history_checks_nothing(lake, lake_root):
    _history(lake, DAY - timedelta(days=1), "r1", 40.0)
    assert drift_expectations(str(lake_root), VIEWS, DAY, DriftPolicy()) == []
