"""Writing the landing format (docs/landing-format.md), shared by the generator and adapters.

Byte-for-byte deterministic: gzip headers carry mtime 0 and no file name, JSON keys keep
the declared column order, CSV uses `\\n` line ends (bronze splits lines on `\\n`).

The format's field tables in docs/landing-format.md are generated from silver's declarations:
`python -m livelake.landing` rewrites them (a test fails when they are stale).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from livelake.lake.tables.silver import EXPORTS, SILVER, STREAMS, Field

if TYPE_CHECKING:  # imported where frames are built: silver's parser and the DAG files
    import polars as pl  # (through it) need only the declarations of this module

FORMAT_VERSION = 1
#: Field order of every stream and export (docs/landing-format.md), from silver's declarations.
COLUMNS: dict[str, tuple[str, ...]] = {name: tuple(t.field_names) for name, t in SILVER.items()}
#: Fields holding instants (stored as epoch milliseconds until written).
TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(t.time_fields) for name, t in SILVER.items()
}


def header_columns(header: str) -> list[str]:
    """Column names of a CSV header line (BOM, quotes and blanks removed)."""
    return [c.strip().strip('"') for c in header.lstrip("\ufeff").split(",")]


def iso_ms(column: str) -> pl.Expr:
    """Epoch milliseconds -> `2026-01-03T14:05:09.123Z` (null stays null)."""
    import polars as pl

    return (
        pl.from_epoch(pl.col(column), time_unit="ms")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .alias(column)
    )


def to_landing_columns(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Select the declared columns in order, formatting epoch-ms instants as ISO text."""
    import polars as pl

    columns = COLUMNS[name]
    times = TIME_COLUMNS[name]
    return frame.select([iso_ms(c) if c in times else pl.col(c) for c in columns])


def jsonl_lines(frame: pl.DataFrame) -> list[bytes]:
    """One JSON object per row, keys in column order, nulls as `null`."""
    if frame.height == 0:
        return []
    buffer = io.BytesIO()
    frame.write_ndjson(buffer)
    return buffer.getvalue().rstrip(b"\n").split(b"\n")


def csv_lines(frame: pl.DataFrame) -> list[bytes]:
    """Header plus one RFC 4180 line per row (fields quoted only when needed)."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, line_terminator="\n", quote_style="necessary", null_value="")
    return buffer.getvalue().rstrip(b"\n").split(b"\n")


def stream_file(stream: str, delivery: date, hour: int) -> str:
    """Relative path of an hourly event file inside a delivery folder."""
    return f"events/{stream}/{stream}-{delivery.isoformat()}T{hour:02d}.jsonl.gz"


def export_file(table: str) -> str:
    return f"exports/{table}.csv"


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: mtime 0, no file name in the header."""
    return gzip.compress(data, compresslevel=3, mtime=0)


@dataclass
class Delivery:
    """One `<landing>/<source>/dt=<day>/` folder being written, and its manifest."""

    root: Path
    source: str
    delivery_date: date
    header: dict[str, object] = field(default_factory=dict)
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    expected_clean_rows: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.root / self.source / f"dt={self.delivery_date.isoformat()}"

    def write(self, relative: str, lines: list[bytes], defects: list[dict[str, object]]) -> None:
        """Write one file (gzipped if it ends in .gz) and record it in the manifest.
        `rows` counts data lines: a CSV's header line is not a row."""
        data = b"".join(line + b"\n" for line in lines)
        if relative.endswith(".gz"):
            data = gzip_bytes(data)
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[relative] = {
            "rows": len(lines) - 1 if relative.endswith(".csv") and lines else len(lines),
            "sha256": hashlib.sha256(data).hexdigest(),
            "defects": sorted(defects, key=lambda d: (d.get("line") or 0, str(d["kind"]))),
        }

    def add_clean(self, table: str, by_date: dict[str, int]) -> None:
        counts = self.expected_clean_rows.setdefault(table, {})
        for day, n in by_date.items():
            counts[day] = counts.get(day, 0) + int(n)

    def close(self, extra: dict[str, object] | None = None) -> Path:
        """Write `_manifest.json` (sorted keys, so identical runs give identical bytes)."""
        manifest = {
            "source": self.source,
            "delivery_date": self.delivery_date.isoformat(),
            "format_version": FORMAT_VERSION,
            **self.header,
            **(extra or {}),
            "files": dict(sorted(self.files.items())),
            "expected_clean_rows": {
                t: dict(sorted(v.items())) for t, v in sorted(self.expected_clean_rows.items())
            },
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "_manifest.json"
        path.write_text(json.dumps(manifest, indent=1, sort_keys=False) + "\n")
        return path


DOC = Path(__file__).resolve().parents[1] / "docs" / "landing-format.md"
_COMMON_EVENT_FIELDS = 4  # event_id, event_type, event_time, user_id
_GENERATED = re.compile(
    r"(<!-- generated: (?P<name>\w+) .*?-->\n)(?P<body>.*?)(<!-- end generated -->)", re.S
)


def _described(f: Field) -> str:
    notes = []
    if f.allowed:
        notes.append("/".join(f"`{v}`" for v in f.allowed))
    if f.range is not None:
        notes.append(f"{f.range[0]:g}-{f.range[1]:g}")
    if f.doc:
        notes.append(f.doc)
    if f.pseudonym:
        notes.append("PII")
    return f"`{f.name}`" + (f" ({'; '.join(notes)})" if notes else "")


def doc_tables() -> dict[str, str]:
    """The markdown field tables of the streams and the exports."""
    streams = ["| stream | event_type | further fields |", "|---|---|---|"]
    for name in STREAMS:
        table = SILVER[name]
        types = ", ".join(f"`{t}`" for t in table.column("event_type").allowed)
        further = ", ".join(_described(f) for f in table.fields[_COMMON_EVENT_FIELDS:])
        streams.append(f"| {name} | {types} | {further} |")
    exports = ["| table | columns (key first) |", "|---|---|"]
    for name in EXPORTS:
        exports.append(f"| {name} | {', '.join(_described(f) for f in SILVER[name].fields)} |")
    return {"streams": "\n".join(streams) + "\n", "exports": "\n".join(exports) + "\n"}


def render_doc(text: str) -> str:
    """`text` with every generated block replaced by its table from the declarations."""
    tables = doc_tables()
    return _GENERATED.sub(lambda m: m[1] + tables[m["name"]] + m[4], text)


if __name__ == "__main__":
    DOC.write_text(render_doc(DOC.read_text()))
    sys.stdout.write(f"rewrote the generated tables of {DOC}\n")
