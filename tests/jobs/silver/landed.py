"""Hand-written landing deliveries for the silver tests, following docs/landing-format.md.

`Delivery` collects lines per stream/hour and rows per export, then writes them in the
landing layout (gzipped hourly JSON lines, CSV exports with a header) for bronze to ingest.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from livelake.lake.tables.silver import EXPORTS
from livelake.landing import COLUMNS

# The header a source writes: the declared landing field order (docs/landing-format.md).
# The rows the tests write follow it, so adding a field means adding its value to them.
HEADERS = {name: ",".join(COLUMNS[name]) for name in EXPORTS}


def event(event_id: str, time: str, user_id: str | None = "u1", **fields: object) -> str:
    """One JSON event line; `time` like '2026-01-02T10:00:00.000Z'."""
    record: dict[str, object] = {"event_id": event_id, "event_time": time, "user_id": user_id}
    record["event_type"] = "enter"
    record["session_id"] = "s1"
    record.update(fields)
    return json.dumps(record, separators=(",", ":"))


@dataclass
class Delivery:
    day: date
    source: str = "platform"
    events: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    exports: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def lines(self, stream: str, hour: int, *lines: str) -> Delivery:
        self.events.setdefault((stream, hour), []).extend(lines)
        return self

    def rows(self, table: str, *rows: str, header: str | None = None) -> Delivery:
        self.exports.setdefault(table, []).extend(rows)
        if header:
            self.headers[table] = header
        return self

    def write(self, landing: Path) -> Path:
        folder = landing / self.source / f"dt={self.day.isoformat()}"
        for (stream, hour), lines in self.events.items():
            name = f"{stream}-{self.day.isoformat()}T{hour:02d}.jsonl.gz"
            path = folder / "events" / stream / name
            path.parent.mkdir(parents=True, exist_ok=True)
            text = "".join(line + "\n" for line in lines)
            path.write_bytes(gzip.compress(text.encode(), mtime=0))
        for table, rows in self.exports.items():
            path = folder / "exports" / f"{table}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            header = self.headers.get(table, HEADERS[table])
            path.write_text(header + "\n" + "".join(r + "\n" for r in rows))
        (folder / "_manifest.json").parent.mkdir(parents=True, exist_ok=True)
        (folder / "_manifest.json").write_text(json.dumps({"source": self.source}))
        return folder


def bronze_frame(spark, stream: str, lines: list[str], day: date, hour: int = 10, header=None):
    """Bronze rows of one landed file, as bronze ingest would have written them."""
    from datetime import datetime

    from livelake.lake.tables.bronze import BRONZE

    if stream in HEADERS or header is not None:
        name = f"platform/dt={day.isoformat()}/exports/{stream}.csv"
        header = header or HEADERS[stream]
        first_line = 2
    else:
        folder = f"platform/dt={day.isoformat()}/events/{stream}"
        name = f"{folder}/{stream}-{day.isoformat()}T{hour:02d}.jsonl.gz"
        first_line = 1
    now = datetime(2026, 1, 1)
    rows = [
        ("platform", day, name, first_line + i, line, header, "sha", now, "bronze-run")
        for i, line in enumerate(lines)
    ]
    return spark.createDataFrame(rows, BRONZE[stream].spark_schema())


def outcome(conformed, *columns: str):
    """(silver rows as tuples of `columns`, quarantine (line, reason) pairs, duplicate lines)."""
    silver = sorted(
        (tuple(r) for r in conformed.silver.select(*columns).collect()), key=lambda t: str(t)
    )
    quarantine = sorted((r["line_number"], r["reason"]) for r in conformed.quarantine.collect())
    duplicates = sorted(r["line_number"] for r in conformed.duplicates.collect())
    return silver, quarantine, duplicates
