"""Bronze lands every delivered line verbatim, once, with its provenance."""

from __future__ import annotations

import gzip
from dataclasses import replace

import pytest

from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.jobs.quality.audit import audit_day
from livelake.lake.read import read_table
from tests.jobs.bronze.small_delivery import DAY, VIEW, deliver


@pytest.fixture
def ctx(spark, lake_root):
    from livelake.config import settings

    return JobContext.create(settings(), spark=spark, job="test")


def test_every_line_lands_with_file_and_line_number(ctx, lake_root, tmp_path):
    deliver(tmp_path / "landing")
    report = ingest.run(ctx, DAY)

    assert report.status == "ok"
    assert report.message == "3 file(s) delivered, 0 already ingested before"
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


def test_a_truncated_gzip_is_rejected_by_name_and_nothing_of_the_day_is_committed(
    ctx, lake_root, tmp_path
):
    folder = deliver(tmp_path / "landing")
    lines = "".join(VIEW % (i, i) + "\n" for i in range(3, 2003)).encode()
    whole = gzip.compress(lines, mtime=0)
    bad = folder / "events/views/views-2026-01-01T12.jsonl.gz"
    bad.write_bytes(whole[: len(whole) // 2])

    report = ingest.run(ctx, DAY)

    assert report.status == "failed"
    assert report.message.startswith(
        "platform/dt=2026-01-01/events/views/views-2026-01-01T12.jsonl.gz: corrupt or truncated "
        "gzip"
    )
    assert "Nothing of bronze for 2026-01-01 was committed" in report.message
    # users was staged before views failed, then aborted: both tables exist, empty
    assert read_table("bronze/users").height == read_table("bronze/views").height == 0
    ledger = read_table("audit/ingest_ledger")
    assert ledger.select("source_file", "outcome").rows() == [
        ("platform/dt=2026-01-01/events/views/views-2026-01-01T12.jsonl.gz", "rejected")
    ]
    assert 0 < ledger["rows"][0] < 2000
    assert ledger["reason"][0].startswith("corrupt or truncated gzip")
    audit = audit_day(str(lake_root), DAY)
    assert [r["source_file"] for r in audit.rejected_files] == [ledger["source_file"][0]]
    assert audit.blocking_failure  # `livelake audit --day` exits 1

    bad.write_bytes(whole)  # delivered again, whole
    assert ingest.run(ctx, DAY).status == "ok"
    assert read_table("bronze/views").height == 3 + 2000
    assert audit_day(str(lake_root), DAY).rejected_files == []
