"""Section `writers`: the demo-size day through every stage on each Delta writer, side by side.

The evidence behind what `delta_writer=auto` picks. Both writers stage a table's rows as
Parquet for its gate to judge (write-audit-publish); delta-rs then commits those very files,
while delta-spark has no public way to add existing files to a table and writes the rows again
through Spark's Delta data source. Each writer runs the same landed day on a fresh lake in a
child process of its own (delta-rs first, then delta-spark, then both again: the machine's
load moves, the order should not decide), and the rows each published are compared table by
table.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from benchmarks.daily import QUICK_EVENTS, STAGES
from benchmarks.landing import DAY, generated_day
from benchmarks.measure import run_json

WRITERS = ("delta-rs", "delta-spark")
ROUNDS = 2


def _day(work: Path, landing_root: str, writer: str, round_: int) -> dict:
    lake = work / f"writers-{writer}-{round_}"
    shutil.rmtree(lake, ignore_errors=True)
    figures = run_json(
        [
            sys.executable,
            "-m",
            "benchmarks.pipeline",
            landing_root,
            str(lake),
            DAY.isoformat(),
            ",".join(STAGES),
        ],
        env={"LIVELAKE_DELTA_WRITER": writer},
    )
    return {
        "seconds": sum(s["seconds"] for s in figures["stages"]),
        "cpu_seconds": sum(s["cpu_seconds"] for s in figures["stages"]),
        "all_ok": all(s["status"] == "ok" for s in figures["stages"]),
        "stages": {s["stage"]: (s["seconds"], s["cpu_seconds"]) for s in figures["stages"]},
        "rows": {t: n for s in figures["stages"] for t, n in s["tables"].items()},
    }


def run(work: Path, quick: bool) -> dict:
    landing = generated_day(work, QUICK_EVENTS)
    runs = [
        (writer, _day(work, landing["landing_root"], writer, round_))
        for round_ in range(1 if quick else ROUNDS)
        for writer in WRITERS
    ]
    best = {w: min((r for n, r in runs if n == w), key=lambda r: r["seconds"]) for w in WRITERS}
    rs, native = best["delta-rs"], best["delta-spark"]
    return {
        "event_lines": landing["event_lines"],
        "runs": [{"writer": w, **r} for w, r in runs],
        "best": best,
        "same_rows": rs["rows"] == native["rows"],
        "differing_tables": sorted(
            t
            for t in rs["rows"].keys() | native["rows"].keys()
            if rs["rows"].get(t) != native["rows"].get(t)
        ),
        "wall_ratio": native["seconds"] / rs["seconds"],
        "cpu_ratio": native["cpu_seconds"] / rs["cpu_seconds"],
    }


def render(r: dict) -> list[str]:
    rs, native = r["best"]["delta-rs"], r["best"]["delta-spark"]
    lines = [
        f"## Writers: a demo-size day ({r['event_lines']:,} event lines) on delta-rs and "
        "delta-spark, side by side",
        "",
        "| stage | delta-rs s | CPU s | delta-spark s | CPU s | wall ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for stage in STAGES:
        (a, a_cpu), (b, b_cpu) = rs["stages"][stage], native["stages"][stage]
        lines.append(f"| {stage} | {a:.1f} | {a_cpu:.1f} | {b:.1f} | {b_cpu:.1f} | {b / a:.2f}× |")
    lines += [
        f"| **day** | **{rs['seconds']:.1f}** | {rs['cpu_seconds']:.1f} |"
        f" **{native['seconds']:.1f}** | {native['cpu_seconds']:.1f} |"
        f" **{r['wall_ratio']:.2f}×** |",
        "",
        "- Each writer's faster of its runs (runs, in order: "
        + ", ".join(f"{x['writer']} {x['seconds']:.1f} s" for x in r["runs"])
        + f"). CPU ratio {r['cpu_ratio']:.2f}×.",
        "- Rows published per table: "
        + (
            "identical on both writers."
            if r["same_rows"]
            else "differ in " + ", ".join(r["differing_tables"]) + "."
        ),
        "- `delta_writer=auto` commits with delta-rs; `LIVELAKE_DELTA_WRITER=delta-spark` "
        "picks the native writer, which writes each staged table's rows a second time.",
    ]
    return lines
