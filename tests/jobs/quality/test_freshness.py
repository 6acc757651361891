"""Freshness: a run for day D must bring rows of D (within the declared lag), on Spark."""

from __future__ import annotations

from datetime import timedelta

import pytest

from livelake.jobs.publish import GateFailedError, publish
from livelake.jobs.quality.declared import freshness_expectations
from livelake.lake.registry import Table, key
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import DAY, view_row

DAILY = Table(
    layer="gold",
    name="gate_test_daily",
    grain="one row per entity per day",
    columns=(key("entity_id"), key("day", "date")),
    partition_by=("day",),
    keys=("entity_id", "day"),
)
SUITE = """{"name": "gold.gate_test_daily", "expectations": [],
 "meta": {"livelake": {"freshness": {"max_lag_days": 0, "severity": "error"}}}}"""


@pytest.fixture
def ctx(spark, lake_root, tmp_path, monkeypatch):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    (tmp_path / "suites" / "gold").mkdir(parents=True)
    (tmp_path / "suites" / "gold" / "gate_test_daily.json").write_text(SUITE)
    monkeypatch.setenv("LIVELAKE_EXPECTATIONS_DIR", str(tmp_path / "suites"))
    settings.cache_clear()
    return JobContext.create(settings(), job="test", spark=spark).job("aggregates", DAY)


def test_the_rule_defaults_to_the_date_partition_and_reaches_back_the_lag():
    [rule] = freshness_expectations(VIEWS, DAY, {"freshness": {"max_lag_days": 1}})
    assert rule["type"] == "expect_column_max_to_be_between"
    assert rule["kwargs"] == {"column": "event_date", "min_value": "2026-01-01"}
    assert rule["meta"]["severity"] == "error"
    assert "latest event_date >= 2026-01-01" in rule["meta"]["rule"]


def test_a_run_that_brings_only_older_days_is_refused(ctx):
    stale = DAY - timedelta(days=1)
    df = ctx.spark.createDataFrame([("x1", stale), ("x2", stale)], "entity_id string, day date")
    staged = ctx.lake.stage(DAILY, df, "replace_partitions", [stale])
    before = ctx.lake.version(DAILY)

    with pytest.raises(GateFailedError) as refused:
        publish(ctx, "aggregates", DAY, [staged])

    assert ctx.lake.version(DAILY) == before
    [failure] = refused.value.verdict.failures
    assert failure.startswith(
        "gold/gate_test_daily: expect_column_max_to_be_between(day) [error] — fresh: the run "
        "for 2026-01-02 brings rows of 2026-01-02 (latest day >= 2026-01-02); "
        'observed "2026-01-01"'
    )


def test_rows_of_the_day_next_to_late_rows_are_fresh(ctx):
    late = DAY - timedelta(days=2)
    df = ctx.spark.createDataFrame([("x1", late), ("x1", DAY)], "entity_id string, day date")
    staged = ctx.lake.stage(DAILY, df, "replace_partitions", [late, DAY])

    assert [c.table for c in publish(ctx, "aggregates", DAY, [staged]).commits] == [
        DAILY.qualified_name
    ]


def test_stale_silver_events_are_recorded_as_a_warning_and_publish(job_ctx, views_frame):
    yesterday = DAY - timedelta(days=1)
    rows = [view_row("e1", event_date=yesterday), view_row("e2", event_date=yesterday)]
    staged = job_ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [yesterday])

    publication = publish(job_ctx, "silver", DAY, [staged])

    assert [c.table for c in publication.commits] == ["silver/views"]
    [warning] = publication.gate.failures
    assert warning.startswith(
        "silver/views: expect_column_max_to_be_between(event_date) [warn] — fresh"
    )


def test_an_empty_day_leaves_aggregate_statistics_to_the_no_collapse_rule(ctx):
    empty = ctx.spark.createDataFrame([], "entity_id string, day date")
    staged = ctx.lake.stage(DAILY, empty, "replace_partitions", [DAY])

    publication = publish(ctx, "aggregates", DAY, [staged])

    assert publication.gate.passed and len(publication.commits) == 1
    assert publication.gate.failures == []
