"""Generated landing days shared by the sections of one run (generated once per size)."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from livelake.generator import GeneratorConfig, generate
from livelake.lake.tables.silver import STREAMS

DAY = date(2026, 3, 2)
SEED = 7


def users_for(events_per_day: int) -> int:
    """One user per ten events a day: 200k users at 2M events (the `generate` default)."""
    return max(200, events_per_day // 10)


def generated_day(work: Path, events_per_day: int) -> dict:
    """Land one day of `events_per_day` event lines under `work` (cached per size).

    Returns the landing root, the generation seconds and the lines per stream/export.
    """
    root = work / f"landing-{events_per_day}"
    done = root / "bench.json"
    if done.exists():
        return json.loads(done.read_text())
    config = GeneratorConfig(
        start=DAY, days=1, users=users_for(events_per_day), events_per_day=events_per_day, seed=SEED
    )
    started, cpu = time.perf_counter(), time.process_time()
    report = generate(config, root)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    lines = {name: n for (_, name), n in report.rows.items()}
    figures = {
        "landing_root": str(root),
        "day": DAY.isoformat(),
        "users": config.users,
        "events_per_day": events_per_day,
        "event_lines": sum(lines.get(s, 0) for s in STREAMS),
        "lines": lines,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "megabytes": sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 2**20,
    }
    done.write_text(json.dumps(figures))
    return figures
