"""Bronze lands every delivered line verbatim, once, with its provenance."""

from __future__ import annotations

from dataclasses import replace

import pytest

from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.lake.read import read_table
from tests.jobs.bronze.small_delivery import DAY, deliver


@pytest.fixture
def ctx(spark, lake_root):
    from livelake.config import settings

    return JobContext.create(settings(), spark=spark, job="test")


def test_every_line_lands_with_file_and_line_number(ctx, lake_root, tmp_path):
    deliver(tmp_path / "landing")
    report = ingest.run(ctx, DAY)

    assert report.status == "ok"
    views = read_table("bronze/views").sort("line_number")
    assert views["line_number"].to_list() == [1, 2, 3]
    assert views["raw"][1] == "{not json"
    assert set(views["source_file"]) == {
        "platform/dt=2026-01-01/events/views/views-2026-01-01T10.jsonl.gz"
    }
    users = read_table("bronze/users").sort("line_number")
    assert users["line_number"].to_list() == [2, 3], "CSV header is not a record"
    assert users["raw"].to_list() == ["u1,east", "u2,"]
    assert set(users["header"]) == {"user_id,region"}


def test_reingesting_the_same_files_is_a_recorded_no_op(ctx, lake_root, tmp_path):
    deliver(tmp_path / "landing")
    ingest.run(ctx, DAY)
    version = ctx.lake.version(ingest.BRONZE["views"])
    second = ingest.run(ctx, DAY)

    assert ctx.lake.version(ingest.BRONZE["views"]) == version
    assert read_table("bronze/views").height == 3
    ledger = read_table("audit/ingest_ledger")
    outcomes = ledger.group_by("outcome").len().sort("outcome").rows()
    assert outcomes == [("ingested", 3), ("skipped_already_ingested", 3)]
    assert "3 already ingested" in second.message


def test_empty_hourly_file_is_ledgered_with_zero_rows(ctx, lake_root, tmp_path):
    deliver(tmp_path / "landing")
    ingest.run(ctx, DAY)
    ledger = read_table("audit/ingest_ledger")
    empty = ledger.filter(ledger["source_file"].str.ends_with("T11.jsonl.gz"))
    assert empty["rows"].to_list() == [0]


def test_a_file_outside_the_landing_layout_fails_the_stage_naming_it(ctx, lake_root, tmp_path):
    folder = deliver(tmp_path / "landing")
    (folder / "exports/mystery.csv").write_text("a\n1\n")
    report = ingest.run(ctx, DAY)
    assert report.status == "failed"
    assert "platform/dt=2026-01-01/exports/mystery.csv" in report.message
    assert not ctx.lake.exists(ingest.BRONZE["views"])


def test_a_day_without_deliveries_is_refused_unless_empty_days_are_allowed(ctx):
    report = ingest.run(ctx, DAY)
    assert report.status == "failed"
    assert report.message.startswith(f"no source delivered a file for {DAY} under ")
    assert "nothing of the day was published" in report.message
    assert "--allow-empty" in report.message

    allowed = replace(ctx, settings=ctx.settings.model_copy(update={"allow_empty_days": True}))
    assert ingest.run(allowed, DAY).status == "nothing_to_do"
