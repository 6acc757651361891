"""Rows of `silver/views` for the gate tests: one valid leave event of DAY, changed per test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

DAY = date(2026, 1, 2)


def view_row(event_id: str | None, **changes: Any) -> dict[str, Any]:
    """One valid `silver/views` leave event of DAY; `changes` override single fields."""
    row = {
        "event_id": event_id,
        "event_type": "leave",
        "event_time": datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
        "event_date": DAY,
        "user_id": "u1",
        "session_id": "s1",
        "visit_id": f"v-{event_id}",
        "dwell_seconds": 42,
        "channel": "feed",
        "device_pseudonym": None,
        "ip_pseudonym": None,
        "source": "platform",
        "delivery_date": DAY,
        "source_file": "platform/dt=2026-01-02/events/views/views-2026-01-02T10.jsonl.gz",
        "line_number": 1,
        "extra_fields": None,
        "run_id": "test",
    }
    row.update(changes)
    return row
