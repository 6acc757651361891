"""Maintenance compacts small files and vacuums unreferenced ones without changing rows."""

from __future__ import annotations

from datetime import date

import pytest
from deltalake import DeltaTable

from livelake.lake.read import read_table
from livelake.orchestration.backfill import backfill
from livelake.orchestration.maintenance import compact_all, vacuum_all
from tests.orchestration.landing import deliver_day


@pytest.fixture
def ctx(spark, lake_root):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    return JobContext.create(settings(), spark=spark, job="test")


@pytest.mark.slow  # every stage for several days, then compaction
def test_compact_then_vacuum_keeps_every_row_and_removes_old_files(ctx, lake_root, tmp_path):
    day = date(2026, 1, 1)
    for hour in (10, 11, 12):  # three late hourly deliveries: three small files, one day
        folder = deliver_day(tmp_path / "landing", day, views=hour - 7)
        (folder / f"events/views/views-{day}T10.jsonl.gz").rename(
            folder / f"events/views/views-{day}T{hour}-copy.jsonl.gz"
        )
        backfill(day, day, ctx=ctx, rerun=True)
    before = read_table("bronze/views").sort("source_file", "line_number")
    views = str(lake_root / "bronze/views")
    files_before = len(DeltaTable(views).file_uris())

    compacted = compact_all(ctx)
    deleted = vacuum_all(0, ctx)

    assert files_before == 3 and before.height == 3 + 4 + 5
    assert compacted["bronze/views"] == 3
    assert len(DeltaTable(views).file_uris()) == 1
    assert deleted["bronze/views"] >= 3
    assert read_table("bronze/views").sort("source_file", "line_number").equals(before)


def test_vacuum_refuses_a_negative_retention(ctx):
    with pytest.raises(ValueError, match="retention_hours must be >= 0"):
        vacuum_all(-1, ctx)
