"""Tiny landing deliveries for orchestration tests (docs/landing-format.md layout)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

VIEW = (
    '{{"event_id":"e-{day}-{n}","event_type":"enter","event_time":"{day}T10:00:00.000Z",'
    '"user_id":"u{n}","session_id":"s1","visit_id":"v{n}"}}'
)


def deliver_day(landing: Path, day: date, views: int = 2) -> Path:
    """One platform delivery for `day`: `views` view events, a two-row users export and the
    manifest that completes the delivery (written last)."""
    folder = landing / "platform" / f"dt={day.isoformat()}"
    (folder / "events/views").mkdir(parents=True, exist_ok=True)
    (folder / "exports").mkdir(parents=True, exist_ok=True)
    lines = "\n".join(VIEW.format(day=day.isoformat(), n=n) for n in range(views)) + "\n"
    (folder / f"events/views/views-{day.isoformat()}T10.jsonl.gz").write_bytes(
        gzip.compress(lines.encode(), mtime=0)
    )
    (folder / "exports/users.csv").write_text(f"user_id,region\nu-{day}-1,east\nu-{day}-2,\n")
    manifest = {"source": "platform", "delivery_date": day.isoformat(), "format_version": 1}
    (folder / "_manifest.json").write_text(json.dumps(manifest) + "\n")
    return folder
