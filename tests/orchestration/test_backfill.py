"""`livelake backfill`: days in order, resumes where it stopped, safe to re-run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from deltalake import write_deltalake
from typer.testing import CliRunner

from livelake.cli import app
from livelake.lake.read import read_table
from livelake.lake.tables.audit import STAGE_RUNS
from livelake.orchestration.backfill import backfill, downstream_days, stages_to_run
from tests.orchestration.landing import deliver_day

D1, D2, D3 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)


@pytest.fixture
def ctx(spark, lake_root):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    return JobContext.create(settings(), spark=spark, job="test")


@pytest.mark.slow  # every stage for several days
def test_a_second_backfill_of_the_same_days_skips_them_and_changes_nothing(ctx, tmp_path):
    for day in (D1, D2, D3):
        deliver_day(tmp_path / "landing", day)

    first = backfill(D1, D3, ctx=ctx)
    versions = {t: read_table(t).height for t in ("bronze/views", "bronze/users")}
    second = backfill(D1, D3, ctx=ctx)

    assert first.ok and first.ran_days == [D1, D2, D3]
    assert second.ok and second.ran_days == [] and second.skipped_days == [D1, D2, D3]
    assert (
        {t: read_table(t).height for t in versions}
        == versions
        == {
            "bronze/views": 6,
            "bronze/users": 6,
        }
    )
    assert read_table("bronze/views").sort("delivery_date")["delivery_date"].unique().to_list() == [
        D1,
        D2,
        D3,
    ]


@pytest.mark.slow  # every stage for several days
def test_a_failed_day_stops_the_backfill_and_the_next_run_resumes_there(ctx, tmp_path):
    for day in (D1, D2, D3):
        deliver_day(tmp_path / "landing", day)
    mystery = deliver_day(tmp_path / "landing", D2) / "exports/mystery.csv"
    mystery.write_text("a\n1\n")

    stopped = backfill(D1, D3, ctx=ctx)
    assert not stopped.ok
    assert (stopped.failed.day, stopped.failed.stage) == (D2, "bronze")
    assert stopped.ran_days == [D1]
    assert read_table("bronze/views")["delivery_date"].unique().to_list() == [D1]

    mystery.unlink()
    resumed = backfill(D1, D3, ctx=ctx)
    assert resumed.ok
    assert (resumed.skipped_days, resumed.ran_days) == ([D1], [D2, D3])
    assert read_table("bronze/views").height == 6


@pytest.mark.slow  # every stage for several days
def test_rerun_recomputes_a_done_day(ctx, tmp_path):
    deliver_day(tmp_path / "landing", D1)
    backfill(D1, D1, ctx=ctx)

    again = backfill(D1, D1, ctx=ctx, rerun=True)

    assert again.ran_days == [D1]
    assert read_table("bronze/views").height == 2, "re-ingesting the same files adds nothing"
    runs = read_table("audit/stage_runs").filter(pl.col("stage") == "bronze").sort("finished_at")
    assert (
        runs.select("day", "stage", "status").rows()
        == [(D1, "bronze", "started"), (D1, "bronze", "ok")] * 2
    )


def test_resume_starts_at_the_first_stage_not_done():
    stages = ["bronze", "silver", "aggregates", "features"]
    assert stages_to_run(stages, {"bronze", "silver", "features"}, rerun=False) == [
        "aggregates",
        "features",
    ]
    assert stages_to_run(stages, set(stages), rerun=False) == []
    assert stages_to_run(stages, set(stages), rerun=True) == stages


def _features_ran_on(lake_root: Path, days: list[date]) -> None:
    rows = [
        {
            "run_id": "r",
            "day": day,
            "stage": "features",
            "status": "ok",
            "code_version": "old",
            "message": "",
            "seconds": 1.0,
            "finished_at": datetime(2026, 2, 1, tzinfo=UTC),
        }
        for day in days
    ]
    write_deltalake(
        str(lake_root / STAGE_RUNS.qualified_name),
        pa.Table.from_pylist(rows, schema=STAGE_RUNS.arrow_schema()),
        partition_by=["day"],
    )


def test_snapshots_whose_window_includes_a_rerun_day_are_the_downstream_days(lake_root):
    _features_ran_on(lake_root, [D1 + timedelta(days=i) for i in range(10)])  # D1..D10

    assert downstream_days(str(lake_root), [D3], after=D3, window_days=4) == [
        D3 + timedelta(days=i) for i in (1, 2, 3, 4)
    ]
    assert downstream_days(str(lake_root), [D2, D3], after=D3, window_days=1) == [
        D3 + timedelta(days=1)
    ]
    assert downstream_days(str(lake_root), [], after=D3, window_days=90) == []
    assert downstream_days(str(lake_root), [D1 + timedelta(days=9)], D1 + timedelta(9), 5) == []


@pytest.mark.slow  # every stage for several days
def test_backfill_command_reports_skipped_days(ctx, tmp_path):
    deliver_day(tmp_path / "landing", D1)
    backfill(D1, D1, ctx=ctx)

    result = CliRunner().invoke(
        app, ["backfill", "--start", "2026-01-01", "--end", "2026-01-01"], env={"COLUMNS": "200"}
    )

    assert result.exit_code == 0, result.output
    assert "2026-01-01 already done with this code: skipped" in result.output
    assert "0 day(s) run, 1 already done, 0 recomputed" in result.output


def test_backfill_command_rejects_an_inverted_range(lake_root):
    result = CliRunner().invoke(app, ["backfill", "--start", "2026-01-02", "--end", "2026-01-01"])
    assert result.exit_code == 2
    assert "--end 2026-01-01 is before --start 2026-01-02" in result.output
