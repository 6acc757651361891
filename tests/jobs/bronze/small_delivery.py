"""A tiny landing delivery for tests of bronze and of the daily DAG.

One source's day: three view lines (the second is not JSON) in hour 10, an empty hourly file
for hour 11, a users export with two rows under a header, and a manifest.
"""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

DAY = date(2026, 1, 1)
VIEW = (
    '{"event_id":"e%d","event_type":"enter","event_time":"2026-01-01T10:00:00.000Z",'
    '"user_id":"u1","session_id":"s1","visit_id":"v%d"}'
)


def deliver(landing: Path, day: date = DAY, source: str = "platform") -> Path:
    """Write the delivery of `source` for `day` under `landing`; returns its folder."""
    folder = landing / source / f"dt={day.isoformat()}"
    (folder / "events/views").mkdir(parents=True)
    (folder / "exports").mkdir(parents=True)
    lines = "\n".join([VIEW % (1, 1), "{not json", VIEW % (2, 2)]) + "\n"
    (folder / "events/views/views-2026-01-01T10.jsonl.gz").write_bytes(
        gzip.compress(lines.encode(), mtime=0)
    )
    (folder / "events/views/views-2026-01-01T11.jsonl.gz").write_bytes(gzip.compress(b"", mtime=0))
    (folder / "exports/users.csv").write_text("user_id,region\nu1,east\nu2,\n")
    (folder / "_manifest.json").write_text("{}")
    return folder
