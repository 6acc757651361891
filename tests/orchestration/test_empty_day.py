"""A day with nothing delivered, run with allow_empty_days: no gold table publishes that day
as if it had been measured, except the feature snapshots, which the next day needs."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from livelake.lake.read import read_table
from livelake.orchestration.tasks import execute_day
from tests.orchestration.landing import deliver_day

D1, D2 = date(2026, 1, 1), date(2026, 1, 2)


def context(spark):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    settings.cache_clear()
    return JobContext.create(settings(), spark=spark, job="test")


@pytest.mark.slow  # every stage for a delivered day, then for an empty one
def test_an_empty_day_publishes_snapshots_and_no_aggregates_examples_or_kpis(
    spark, lake_root, tmp_path, monkeypatch
):
    deliver_day(tmp_path / "landing", D1)
    statuses = {r.stage: r.status for r in execute_day(context(spark), D1)}
    assert statuses == {stage: "ok" for stage in statuses} | {
        "score": "nothing_to_do",
        "experiments": "nothing_to_do",  # the small delivery runs no experiment
    }
    monkeypatch.setenv("LIVELAKE_ALLOW_EMPTY_DAYS", "true")

    reports = execute_day(context(spark), D2)

    assert [(r.stage, r.status) for r in reports] == [
        ("bronze", "nothing_to_do"),
        ("silver", "nothing_to_do"),
        ("aggregates", "nothing_to_do"),
        ("features", "ok"),
        ("training", "nothing_to_do"),
        ("score", "nothing_to_do"),  # no model was trained
        ("kpi", "nothing_to_do"),
        ("experiments", "nothing_to_do"),
    ]
    skipped = {r.stage: r.message for r in reports if r.stage in ("aggregates", "kpi")}
    assert skipped["aggregates"] == (
        "nothing was delivered on 2026-01-02 (bronze holds no lines delivered 2026-01-02): "
        "no daily aggregates of 2026-01-02 published; late data for the day, delivered "
        "later, builds them then"
    )
    assert "no KPI rows of 2026-01-02" in skipped["kpi"]
    published = read_table("audit/published_runs").select("day", "stage").unique()
    stages_of = {d: set(published.filter(pl.col("day") == d)["stage"]) for d in (D1, D2)}
    assert stages_of == {
        D1: {"silver", "aggregates", "features", "training", "kpi"},
        D2: {"features"},
    }
    snapshots = read_table("gold/user_features")
    assert snapshots.filter(pl.col("as_of_date") == D2).height == (
        snapshots.filter(pl.col("as_of_date") == D1).height
    )
