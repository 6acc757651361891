"""Tests that write a gated table directly record what its stage would: an
`audit/published_runs` row naming the version, so default (consistent) reads see it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from livelake.lake import Lake, RunContext, Table
from livelake.lake.read import delta_table
from livelake.lake.tables.audit import PUBLISHED_RUNS


def mark_published(lake: Lake, table: Table, day: date, rows: int = 0) -> int:
    """Record the table's latest version as published for `day`; returns the version."""
    version = delta_table(table, lake_root=lake.lake_root).version()
    record = {
        "run_id": "test",
        "day": day,
        "stage": "test",
        "table_name": table.qualified_name,
        "table_version": version,
        "rows": rows,
        "published_at": datetime.now(UTC),
    }
    lake.append_records(PUBLISHED_RUNS, [record], RunContext(job="test"))
    return version
