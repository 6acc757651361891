"""Lake test fixtures: one small audit table to commit versions of."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from livelake.lake import RunContext
from livelake.lake.tables.audit import DIRTY_DAYS

DAY = date(2026, 1, 2)


@pytest.fixture
def commit_dirty_day(lake):
    """Append one `audit/dirty_days` row with `rows` to the test lake; returns the version."""

    def commit(rows: int) -> int:
        record = {
            "run_id": "r",
            "delivery_date": DAY,
            "table_name": "silver/views",
            "event_date": DAY,
            "rows": rows,
            "recorded_at": datetime.now(UTC),
        }
        return lake.append_records(DIRTY_DAYS, [record], RunContext(job="test")).version

    return commit
