"""Synthetic live-commerce platform: landing files with a known truth.

`generate(GeneratorConfig(...), landing_root)` writes `<landing>/platform/dt=<day>/` for each
day: hourly gzipped JSON-lines streams, daily CSV exports and a `_manifest.json` naming every
injected defect and the clean row counts silver must end up with. The behaviour model and
its calibration are documented once, in docs/generator.md.

Determinism: one seed gives the same bytes. The simulation and the defects draw from two
independent random streams, so switching defects off leaves the simulated truth unchanged.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from livelake.generator.catalog import create_platform
from livelake.generator.config import GeneratorConfig
from livelake.generator.day import BuyerBook, DayTruth, simulate_day
from livelake.generator.defects import (
    MarkedStream,
    event_file_lines,
    export_file_lines,
    mark_events,
)
from livelake.generator.experiments import ExperimentBook
from livelake.lake.tables.silver import EXPORTS, STREAMS
from livelake.landing import Delivery, export_file, stream_file

__all__ = ["GenerationReport", "GeneratorConfig", "generate"]

GENERATOR_VERSION = "1"
SOURCE = "platform"


@dataclass
class GenerationReport:
    """What a run wrote: rows per (delivery day, stream or export), and the manifests."""

    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    defects: dict[str, int] = field(default_factory=dict)
    files: int = 0
    manifests: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def event_rows(self) -> int:
        return sum(n for (_, name), n in self.rows.items() if name in STREAMS)


def generate(
    config: GeneratorConfig,
    landing_root: Path,
    on_day: Callable[[date, dict[str, int]], None] | None = None,
) -> GenerationReport:
    """Write `config.days` deliveries under `landing_root/platform/`, replacing any earlier
    generated delivery for those days. `on_day(day, rows_by_name)` reports progress."""
    landing_root = Path(landing_root)
    sim_rng = np.random.default_rng([config.seed, 0])
    defect_rng = np.random.default_rng([config.seed, 1])
    start_ms = int(np.datetime64(config.start, "ms").astype(np.int64))
    platform = create_platform(
        sim_rng, config.users, config.anchor_count, config.product_count, start_ms
    )
    buyers = BuyerBook()
    experiments = ExperimentBook(config.seed, config.experiments) if config.experiments else None
    last = config.days - 1
    pending_events: dict[int, dict[str, list[MarkedStream]]] = defaultdict(
        lambda: defaultdict(list)
    )
    pending_cases: dict[int, list[pl.DataFrame]] = defaultdict(list)
    report = GenerationReport()
    rates = dict(config.event_defect_rates)
    for index in range(config.days):
        day = config.start + timedelta(days=index)
        truth = simulate_day(
            sim_rng, platform, index, day, last, config.events_per_day, buyers, experiments
        )
        for due, cases in truth.after_sales_due.items():
            if due <= last:
                pending_cases[due].append(cases)
        for stream, frame in truth.streams.items():
            stream_rates = rates | (config.order_defect_rates if stream == "orders" else {})
            marked = mark_events(defect_rng, frame, stream, stream_rates, index, last)
            for (delivery,), part in marked.rows.partition_by(
                "_delivery", as_dict=True, maintain_order=True
            ).items():
                resent = marked.resent_truth if delivery == index else marked.resent_truth.clear()
                pending_events[int(delivery)][stream].append(MarkedStream(part, resent))
        exports = dict(truth.exports)
        if pending_cases.get(index):
            exports["after_sales"] = pl.concat(pending_cases.pop(index)).sort(
                "updated_at", maintain_order=True
            )
        delivery = Delivery(
            landing_root,
            SOURCE,
            day,
            header={
                "generator": {
                    "seed": config.seed,
                    "version": GENERATOR_VERSION,
                    "config": config.describe(),
                }
            },
        )
        shutil.rmtree(delivery.folder, ignore_errors=True)
        rows = _write_delivery(
            defect_rng, config, delivery, index, pending_events.pop(index, {}), exports, truth
        )
        warnings = [
            f"{day}: every user had bought already; extra buyers drawn from repeat buyers, "
            "so repurchase is overstated (raise --users)"
            for stamp in buyers.pool_exhausted_days
            if stamp == day.strftime("%Y%m%d")
        ]
        report.warnings += warnings
        extra: dict[str, object] = {"defect_counts": _defect_counts(delivery)}
        if warnings:
            extra["warnings"] = warnings
        report.manifests.append(delivery.close(extra))
        report.files += len(delivery.files)
        for entry in delivery.files.values():
            for defect in entry["defects"]:
                kind = str(defect["kind"])
                report.defects[kind] = report.defects.get(kind, 0) + 1
        for name, n in rows.items():
            report.rows[(day.isoformat(), name)] = n
        if on_day is not None:
            on_day(day, rows)
    return report


def _defect_counts(delivery: Delivery) -> dict[str, dict[str, int]]:
    """Defects per stream/export and kind: what silver's quarantine and dedup counts must be."""
    counts: dict[str, dict[str, int]] = {}
    for path, entry in sorted(delivery.files.items()):
        name = path.split("/")[1] if path.startswith("events/") else Path(path).stem
        for defect in entry["defects"]:
            kind = str(defect["kind"])
            counts.setdefault(name, {})[kind] = counts.get(name, {}).get(kind, 0) + 1
    return {name: dict(sorted(kinds.items())) for name, kinds in counts.items()}


def _write_delivery(
    rng: np.random.Generator,
    config: GeneratorConfig,
    delivery: Delivery,
    day_index: int,
    events: dict[str, list[MarkedStream]],
    exports: dict[str, pl.DataFrame],
    truth: DayTruth,
) -> dict[str, int]:
    """Write one day's files; returns lines written per stream/export."""
    rows: dict[str, int] = {}
    occupied: set[tuple[str, int]] = set()
    for stream in STREAMS:
        parts = events.get(stream, [])
        if not parts:
            continue
        frame = pl.concat([m.rows for m in parts]).sort(
            ["_file_hour", "_sort", "event_id"], maintain_order=True
        )
        resent = pl.concat([m.resent_truth for m in parts])
        written = 0
        for (hour,), in_hour in frame.partition_by(
            "_file_hour", as_dict=True, maintain_order=True
        ).items():
            hour_resent = resent.filter(pl.col("_file_hour") == hour)
            lines, defects, clean = event_file_lines(stream, in_hour, hour_resent)
            delivery.write(stream_file(stream, delivery.delivery_date, int(hour)), lines, defects)
            delivery.add_clean(stream, clean)
            occupied.add((stream, int(hour)))
            written += len(lines)
        rows[stream] = written
    for table in EXPORTS:
        frame = exports.get(table)
        if frame is None or frame.height == 0:
            continue
        lines, defects, clean = export_file_lines(
            rng,
            table,
            frame,
            config.truncated_csv_rate,
            day_index,
            truth.export_defects.get(table, []),
            truth.lost_lines.get(table, 0),
        )
        delivery.write(export_file(table), lines, defects)
        delivery.add_clean(table, {delivery.delivery_date.isoformat(): clean})
        rows[table] = len(lines) - 1
    if config.empty_file_per_day:
        free = [(s, h) for s in STREAMS for h in range(24) if (s, h) not in occupied]
        if free:
            stream, hour = free[int(rng.integers(0, len(free)))]
            delivery.write(
                stream_file(stream, delivery.delivery_date, hour), [], [{"kind": "empty_file"}]
            )
    return rows
