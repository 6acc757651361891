"""Readers resolve versions through audit/published_runs (JVM-free)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from livelake.lake import LakeError, RunContext, table
from livelake.lake.published import published_version_at, published_versions
from livelake.lake.read import read_table
from livelake.lake.tables.audit import PUBLISHED_RUNS

DAY = date(2026, 1, 2)


def _published(lake, day: date, version: int) -> None:
    lake.append_records(
        PUBLISHED_RUNS,
        [
            {
                "run_id": f"run-{version}",
                "day": day,
                "stage": "silver",
                "table_name": "audit/dirty_days",
                "table_version": version,
                "rows": 1,
                "published_at": datetime.now(UTC),
            }
        ],
        RunContext(job="test"),
    )


def test_a_read_sees_the_last_published_version_not_a_later_commit_unless_told(
    lake, commit_dirty_day, lake_root
):
    first = commit_dirty_day(1)
    _published(lake, DAY, first)
    commit_dirty_day(2)  # committed, but its run never recorded a publication

    assert published_versions(str(lake_root)) == {"audit/dirty_days": first}
    rows = read_table("audit/dirty_days", engine="arrow")
    assert rows.column("rows").to_pylist() == [1]
    latest = read_table("audit/dirty_days", engine="arrow", consistent=False)
    assert sorted(latest.column("rows").to_pylist()) == [1, 2]
    pinned = read_table("audit/dirty_days", engine="arrow", as_of_version=first + 1)
    assert sorted(pinned.column("rows").to_pylist()) == [1, 2]


def test_tables_without_publications_are_read_at_their_latest_commit(lake, lake_root):
    """Bronze and the audit ledgers are written directly: no gate names their versions."""
    assert not table("audit/stage_runs").published_by_gate
    assert not table("bronze/views").published_by_gate
    assert table("audit/reconciliation").published_by_gate
    assert table("quarantine/views").published_by_gate
    lake.append_records(
        table("audit/stage_runs"),
        [
            {
                "day": DAY,
                "stage": "silver",
                "status": "ok",
                "message": "",
                "seconds": 1.0,
                "code_version": "test",
                "run_id": "r1",
                "finished_at": datetime(2026, 1, 3, tzinfo=UTC),
            }
        ],
        RunContext(job="test"),
    )
    rows = read_table("audit/stage_runs", engine="arrow")
    assert rows.column("stage").to_pylist() == ["silver"]


def test_published_versions_as_of_a_day_ignore_later_days(lake, commit_dirty_day, lake_root):
    first = commit_dirty_day(1)
    _published(lake, DAY, first)
    second = commit_dirty_day(2)
    _published(lake, date(2026, 1, 3), second)
    assert published_versions(str(lake_root), day=DAY) == {"audit/dirty_days": first}
    assert published_versions(str(lake_root)) == {"audit/dirty_days": second}


def test_a_table_never_published_is_refused_by_a_consistent_read(lake, commit_dirty_day, lake_root):
    commit_dirty_day(1)
    with pytest.raises(LakeError, match="no gated publication"):
        read_table("audit/dirty_days")


def test_the_version_known_at_a_time_is_the_one_last_published_by_then(
    lake, commit_dirty_day, lake_root
):
    first = commit_dirty_day(1)
    _published(lake, DAY, first)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    _published(lake, DAY, commit_dirty_day(2))
    assert published_version_at("audit/dirty_days", between, str(lake_root)) == first
    with pytest.raises(LakeError) as raised:
        published_version_at("silver/views", between, str(lake_root))
    assert str(raised.value) == (
        f"silver/views was not published at or before {between.isoformat()} "
        "(audit/published_runs: it has none yet); ask for a later time"
    )
