"""Writing the landing format (docs/landing-format.md), shared by the generator and adapters.

Byte-for-byte deterministic: gzip headers carry mtime 0 and no file name, JSON keys keep
the declared column order, CSV uses `\\n` line ends (bronze splits lines on `\\n`).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

FORMAT_VERSION = 1
STREAMS = ("views", "interactions", "cart_events", "orders")
EXPORTS = (
    "users",
    "anchors",
    "products",
    "prices",
    "live_sessions",
    "session_products",
    "after_sales",
    "social",
)

#: Column order of every stream and export, exactly as docs/landing-format.md declares.
STREAM_COLUMNS: dict[str, tuple[str, ...]] = {
    "views": (
        "event_id",
        "event_type",
        "event_time",
        "user_id",
        "session_id",
        "visit_id",
        "dwell_seconds",
        "channel",
        "device_id",
        "ip",
    ),
    "interactions": (
        "event_id",
        "event_type",
        "event_time",
        "user_id",
        "session_id",
        "product_id",
        "gift_value_cny",
    ),
    "cart_events": (
        "event_id",
        "event_type",
        "event_time",
        "user_id",
        "session_id",
        "product_id",
        "quantity",
        "unit_price_cny",
    ),
    "orders": (
        "event_id",
        "event_type",
        "event_time",
        "user_id",
        "order_id",
        "session_id",
        "product_id",
        "anchor_id",
        "quantity",
        "unit_price_cny",
        "coupon_cny",
        "amount_cny",
        "payment_method",
        "receiver_phone",
        "receiver_address",
    ),
}
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "user_id",
        "user_name",
        "phone",
        "region",
        "registered_at",
        "membership_level",
        "device_type",
        "device_id",
        "updated_at",
    ),
    "anchors": (
        "anchor_id",
        "anchor_name",
        "tier",
        "followers",
        "main_category",
        "professionalism_score",
        "registered_at",
        "updated_at",
    ),
    "products": (
        "product_id",
        "title",
        "category",
        "brand",
        "list_price_cny",
        "attributes",
        "updated_at",
    ),
    "prices": (
        "product_id",
        "valid_from",
        "valid_to",
        "list_price_cny",
        "live_price_cny",
        "coupon_cny",
        "is_flash_sale",
        "flash_sale_start",
        "flash_sale_end",
        "session_id",
        "updated_at",
    ),
    "live_sessions": (
        "session_id",
        "anchor_id",
        "category",
        "title",
        "started_at",
        "ended_at",
        "updated_at",
    ),
    "session_products": (
        "segment_id",
        "session_id",
        "product_id",
        "explain_start",
        "explain_end",
        "updated_at",
    ),
    "after_sales": (
        "case_id",
        "order_id",
        "user_id",
        "product_id",
        "case_type",
        "reason",
        "amount_cny",
        "requested_at",
        "resolved_at",
        "status",
        "updated_at",
    ),
    "social": ("edge_type", "src_user_id", "dst_id", "created_at", "updated_at"),
}
#: Columns holding instants, per stream/export (stored as epoch milliseconds until written).
TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "views": ("event_time",),
    "interactions": ("event_time",),
    "cart_events": ("event_time",),
    "orders": ("event_time",),
    "users": ("registered_at", "updated_at"),
    "anchors": ("registered_at", "updated_at"),
    "products": ("updated_at",),
    "prices": ("valid_from", "valid_to", "flash_sale_start", "flash_sale_end", "updated_at"),
    "live_sessions": ("started_at", "ended_at", "updated_at"),
    "session_products": ("explain_start", "explain_end", "updated_at"),
    "after_sales": ("requested_at", "resolved_at", "updated_at"),
    "social": ("created_at", "updated_at"),
}


def iso_ms(column: str) -> pl.Expr:
    """Epoch milliseconds -> `2026-01-03T14:05:09.123Z` (null stays null)."""
    return (
        pl.from_epoch(pl.col(column), time_unit="ms")
        .dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .alias(column)
    )


def to_landing_columns(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Select the declared columns in order, formatting epoch-ms instants as ISO text."""
    columns = STREAM_COLUMNS.get(name) or EXPORT_COLUMNS[name]
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
