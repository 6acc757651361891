"""`read_table(as_of=...)` goes by the commit times the Delta log records, so a copied lake
(file modification times reset) reads the same rows as the original."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from livelake.lake import LakeError
from livelake.lake.read import delta_table, read_table
from livelake.lake.tables.audit import DIRTY_DAYS

DAY = date(2026, 1, 2)


def _rows(root, as_of) -> list[int]:
    data = read_table("audit/dirty_days", engine="arrow", as_of=as_of, lake_root=str(root))
    return sorted(data.column("rows").to_pylist())


def test_as_of_reads_the_same_rows_on_a_copy_with_new_file_times(
    lake, commit_dirty_day, lake_root, tmp_path
):
    commit_dirty_day(1)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    commit_dirty_day(2)
    copied = tmp_path / "copied"
    shutil.copytree(lake_root, copied, copy_function=shutil.copy)
    for log in copied.glob("**/_delta_log/*"):
        os.utime(log)

    assert _rows(lake_root, between) == [1]
    assert _rows(copied, between) == [1]
    assert _rows(copied, between.replace(tzinfo=None)) == [1]  # naive means UTC
    assert _rows(copied, datetime.now(UTC)) == [1, 2]


def test_as_of_before_the_first_commit_is_an_error(lake, commit_dirty_day, lake_root):
    commit_dirty_day(1)
    first = delta_table(DIRTY_DAYS).history()[-1]["timestamp"]
    before = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=first - 1)
    with pytest.raises(LakeError) as raised:
        _rows(lake_root, before)
    starts = before + timedelta(milliseconds=1)
    assert str(raised.value) == (
        f"audit/dirty_days has no commit at or before {before.isoformat()}: its log starts at "
        f"{starts.isoformat()}"
    )
