"""Section `reads`: a 1M-row feature snapshot read without a JVM into Polars and pandas.

The snapshot (`gold/user_features`, one as_of_date, every declared user feature) is
written once; each engine then reads it through `livelake.retrieval.read` in a fresh process
(imports done before the clock starts), so the time is the read alone.
Child usage: python -m benchmarks.reads ENGINE LAKE_ROOT
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa

from benchmarks import synthetic
from benchmarks.measure import emit, peak_rss_mb, run_module
from livelake.lake.tables.gold import SNAPSHOTS

AS_OF = date(2026, 3, 1)
ENGINES = ("polars", "pandas")
TARGET_SECONDS = 1.0


def run(work: Path, quick: bool) -> dict:
    rows = 10_000 if quick else 1_000_000
    lake = work / "reads-lake"
    declared = SNAPSHOTS["user"]
    given = {"user_id": synthetic.ids("u", rows), "as_of_date": pa.array([AS_OF] * rows)}
    data = synthetic.random_table(declared, rows, given, np.random.default_rng(5))
    synthetic.write(str(lake), declared, data, mode="overwrite")
    figures = {engine: run_module("reads", engine, lake) for engine in ENGINES}
    for f in figures.values():
        f["target_met"] = f["seconds"] <= TARGET_SECONDS
    return {"rows": rows, "columns": len(data.column_names), "engines": figures}


def render(r: dict) -> list[str]:
    lines = [
        f"## Reads: a {r['rows']:,}-row feature snapshot ({r['columns']} columns) without a JVM",
        "",
        "| engine | seconds | CPU s | rows | peak MB | target ≤ 1 s |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for engine, f in r["engines"].items():
        lines.append(
            f"| {engine} | {f['seconds']:.2f} | {f['cpu_seconds']:.2f} | {f['rows']:,} |"
            f" {f['peak_mb']:.0f} |"
            f" {'met' if f['target_met'] else 'missed'} |"
        )
    return [*lines, ""]


def child(engine: str, lake_root: str) -> None:
    import pandas  # noqa: F401 - every module is imported before the clock starts
    import polars  # noqa: F401

    import livelake.lake.read
    import livelake.lake.tables.gold  # noqa: F401
    from livelake.retrieval import read

    started, cpu = time.perf_counter(), time.process_time()
    frame = read("user", engine=engine, lake_root=lake_root)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    emit(
        {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "rows": len(frame),
            "peak_mb": peak_rss_mb()["total"],
        }
    )


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
