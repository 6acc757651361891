"""A mapped log and its landing, day by day: what source mappings and code adapters share.

A mapping (or an adapter) turns a log into an `Adapted`: stream frames and export frames already in
landing columns (instants as epoch ms; exports carry a `_delivery_ms` saying which day first
needs the row), plus every input row it could not map, with a reason. `land` writes one
delivery per day under `<landing>/<source>/dt=<day>/`, each with a manifest holding the
clean counts and the unmapped rows of that day — nothing is dropped silently.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from livelake.lake.tables.silver import EXPORTS, STREAMS
from livelake.landing import (
    COLUMNS,
    TIME_COLUMNS,
    Delivery,
    csv_lines,
    export_file,
    jsonl_lines,
    stream_file,
    to_landing_columns,
)

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
#: Unmapped rows listed one by one in a manifest (the rest are counted).
UNMAPPED_EXAMPLES = 20


@dataclass
class Adapted:
    """An adapter's output before landing."""

    source: str
    streams: dict[str, pl.DataFrame] = field(default_factory=dict)
    exports: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: columns: source_file, line, reason, day_ms (nullable: no usable time)
    unmapped: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={
                "source_file": pl.String,
                "line": pl.Int64,
                "reason": pl.String,
                "day_ms": pl.Int64,
            }
        )
    )
    notes: list[str] = field(default_factory=list)
    input_rows: int = 0


@dataclass
class IngestReport:
    source: str
    deliveries: list[Path]
    rows: Counter[str]
    unmapped: Counter[str]
    input_rows: int
    #: reason -> (file, line) of its first unmapped row, to show where to look
    first_unmapped: dict[str, tuple[str, int]] = field(default_factory=dict)


def complete(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Add every declared column the adapter has no value for, as null."""
    columns = COLUMNS[name]
    times = TIME_COLUMNS[name]
    missing = [
        pl.lit(None, dtype=pl.Int64 if c in times else pl.String).alias(c)
        for c in columns
        if c not in frame.columns
    ]
    return frame.with_columns(missing)


def unmapped_rows(frame: pl.DataFrame, reason_column: str = "reason") -> pl.DataFrame:
    """Normalise an adapter's rejected rows to the `Adapted.unmapped` schema."""
    return frame.select(
        pl.col("source_file").cast(pl.String),
        pl.col("line").cast(pl.Int64),
        pl.col(reason_column).cast(pl.String).alias("reason"),
        pl.col("day_ms").cast(pl.Int64),
    )


def land(adapted: Adapted, landing_root: Path, inputs: list[Path]) -> IngestReport:
    """Write one delivery per day that has events or exports. Unmapped rows are reported in
    the delivery of their own day when they have one, else in the run's first delivery.
    Landing a day again replaces that day's delivery: one call carries a day's whole input."""
    day_of = (pl.col("event_time") // DAY_MS * DAY_MS).alias("_day")
    streams = {n: f.with_columns(day_of) for n, f in adapted.streams.items() if f.height}
    exports = {
        n: f.with_columns((pl.col("_delivery_ms") // DAY_MS * DAY_MS).alias("_day"))
        for n, f in adapted.exports.items()
        if f.height
    }
    days = set()
    for frame in [*streams.values(), *exports.values()]:
        days |= set(frame["_day"].unique().to_list())
    first_day = min(days) if days else None
    own_day = pl.col("day_ms") // DAY_MS * DAY_MS
    unmapped = adapted.unmapped.with_columns(
        pl.when(own_day.is_in(sorted(days)))
        .then(own_day)
        .otherwise(pl.lit(first_day))
        .alias("_day")
    )
    header = {
        "adapter": {
            "format": adapted.source,
            "inputs": [
                {"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
                for p in inputs
            ],
            "notes": adapted.notes,
        }
    }
    written: list[Path] = []
    rows: Counter[str] = Counter()
    for day_ms in sorted(days):
        day = date.fromisoformat(str(np.datetime64(int(day_ms), "ms").astype("datetime64[D]")))
        delivery = Delivery(Path(landing_root), adapted.source, day, header=header)
        shutil.rmtree(delivery.folder, ignore_errors=True)
        for name in STREAMS:
            if name not in streams:
                continue
            today = (
                streams[name]
                .filter(pl.col("_day") == day_ms)
                .sort(["event_time", "event_id"], maintain_order=True)
            )
            for hour, part in _by_hour(today):
                lines = jsonl_lines(to_landing_columns(complete(part, name), name))
                delivery.write(stream_file(name, day, int(hour)), lines, [])
                rows[name] += len(lines)
            if today.height:
                delivery.add_clean(name, {day.isoformat(): today.height})
        for name in EXPORTS:
            if name not in exports:
                continue
            today = exports[name].filter(pl.col("_day") == day_ms)
            if today.height == 0:
                continue
            lines = csv_lines(to_landing_columns(complete(today, name), name))
            delivery.write(export_file(name), lines, [])
            delivery.add_clean(name, {day.isoformat(): today.height})
            rows[name] += today.height
        mine = unmapped.filter(pl.col("_day") == day_ms).sort(["source_file", "line"])
        written.append(delivery.close({"unmapped": _unmapped_summary(mine)}))
    return IngestReport(
        adapted.source,
        written,
        rows,
        Counter(dict(adapted.unmapped.group_by("reason").len().iter_rows())),
        adapted.input_rows,
        {
            reason: (source_file, line)
            for reason, source_file, line in adapted.unmapped.sort("source_file", "line")
            .group_by("reason", maintain_order=True)
            .first()
            .select("reason", "source_file", "line")
            .iter_rows()
        },
    )


def _by_hour(frame: pl.DataFrame) -> list[tuple[int, pl.DataFrame]]:
    hours = frame.with_columns((pl.col("event_time") % DAY_MS // HOUR_MS).alias("_hour"))
    return [
        (int(key[0]), part)
        for key, part in hours.partition_by("_hour", as_dict=True, maintain_order=True).items()
    ]


def _unmapped_summary(rows: pl.DataFrame) -> dict[str, object]:
    counts = dict(sorted(Counter(rows["reason"].to_list()).items()))
    examples = rows.head(UNMAPPED_EXAMPLES).select("source_file", "line", "reason").to_dicts()
    return {"rows": rows.height, "by_reason": counts, "examples": examples}
