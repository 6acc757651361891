"""Tiny landing deliveries for orchestration tests (docs/landing-format.md layout)."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

VIEW = (
    '{{"event_id":"e-{day}-{n}","event_type":"enter","event_time":"{day}T10:00:00.000Z",'
    '"user_id":"u{n}","session_id":"s1","visit_id":"v{n}"}}'
)


def deliver_day(landing: Path, day: date, views: int = 2) -> Path:
    """One platform delivery for `day`: `views` view events and a two-row users export."""
    folder = landing / "platform" / f"dt={day.isoformat()}"
    (folder / "events/views").mkdir(parents=True, exist_ok=True)
    (folder / "exports").mkdir(parents=True, exist_ok=True)
    lines = "\n".join(VIEW.format(day=day.isoformat(), n=n) for n in range(views)) + "\n"
    (folder / f"events/views/views-{day.isoformat()}T10.jsonl.gz").write_bytes(
        gzip.compress(lines.encode(), mtime=0)
    )
    (folder / "exports/users.csv").write_text(f"user_id,region\nu-{day}-1,east\nu-{day}-2,\n")
    return folder
