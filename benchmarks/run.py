"""The benchmark runner: `make bench` (full) or `python -m benchmarks.run --quick`.

Every figure comes from one run on one machine, and what matters is the ratios between
engines measured side by side, not absolute seconds (this machine is shared and noisy: the
load average is recorded before and after). Writes BENCHMARKS.md (tables + command, machine,
versions, date, load) and benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

from benchmarks import (
    daily,
    generator,
    incremental,
    overheads,
    pit_join,
    profile,
    reads,
    scaling,
    scheduler,
    small_plans,
    writers,
)
from benchmarks.measure import ROOT, load_average
from livelake.config import settings

RESULTS = ROOT / "benchmarks" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"
# Written by hand after a full run (what limits the missed targets); appended to the report.
ANALYSIS = ROOT / "benchmarks" / "analysis.md"


# name -> module with `run(work_dir, quick) -> dict` and `render(result) -> list[str]`
SECTIONS: dict[str, ModuleType] = {
    "generator": generator,
    "profile": profile,
    "small_plans": small_plans,
    "daily": daily,
    "incremental": incremental,
    "pit_join": pit_join,
    "reads": reads,
    "scaling": scaling,
    "writers": writers,
    "overheads": overheads,
    "scheduler": scheduler,
}


def machine() -> dict:
    packages = ["pyspark", "deltalake", "polars", "duckdb", "pyarrow", "great-expectations"]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "versions": {p: version(p) for p in packages},
        "spark_driver_memory": settings().driver_memory,
    }


def render(results: dict, command: str) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Latest command: `{command}` · {m['date']} · {m['cpus']} cores · Python {m['python']}"
        f" · {m['platform']}",
        "",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f" · Spark driver memory {m.get('spark_driver_memory', '4g')}",
        "",
        "Sections merged from earlier runs (`--merge`) keep their own start time, in each"
        " section's last line. The machine is shared (other engineers' Spark tests ran at the"
        " same time): each section states the load average (1/5/15 min, as `uptime` prints"
        " it) around it, so absolute seconds are noisy; compare the ratios, measured side by"
        " side within a section.",
        "",
    ]
    for name, result in results["sections"].items():
        lines += SECTIONS[name].render(result)
        run = results["runs"][name]
        lines += [
            f"_Section `{name}`: started {run['started']}, {run['seconds']:.0f} s of wall time;"
            f" load average {run['load_start']} before, {run['load_end']} after._",
            "",
        ]
    lines += targets(results["sections"], results["quick"])
    if not results["quick"] and ANALYSIS.exists():
        lines += ["", ANALYSIS.read_text().strip()]
    return "\n".join(lines) + "\n"


def targets(sections: dict, quick: bool) -> list[str]:
    """Every target of the issues that this run measured, met or missed (not judged if quick)."""
    found: list[tuple[str, str, bool | None]] = []
    if "generator" in sections:
        g = sections["generator"]
        found.append(("generator: 2M events/day ≤ 60 s", f"{g['seconds']:.1f} s", g["target_met"]))
    if "daily" in sections:
        d = sections["daily"]
        cpu = daily.day_cpu_seconds(d)
        day = f"{d['event_lines']:,} events: {d['total_seconds']:.0f} s, {cpu:.0f} CPU s"
        found.append(
            (
                f"daily: 2M-event day ≤ {daily.TARGET_DAY_SECONDS:.0f} s and"
                f" ≤ {daily.TARGET_DAY_CPU_SECONDS:.0f} CPU s, 4 GB driver",
                day,
                daily.day_met(d),
            )
        )
        ratio = f"{d['aggregates_vs_duckdb']:.1f}×"
        found.append(
            (
                f"daily: aggregates stage ≤ {daily.TARGET_VS_DUCKDB:g}× DuckDB",
                ratio,
                daily.vs_duckdb_met(d),
            )
        )
        if d.get("doubled"):
            double = d["doubled"]
            measured = (
                f"{double['vs_full_day']:.2f}×" if "vs_full_day" in double else "did not complete"
            )
            found.append(
                (
                    f"daily: 4M-event day completes, ≤ {daily.TARGET_DOUBLE_VS_FULL:g}× the 2M day",
                    measured,
                    double["target_met"],
                )
            )
    if "profile" in sections:
        p = sections["profile"]
        found.append(
            ("profile: demo-size day ≤ 20 s", f"{p['day_seconds']:.1f} s", p["target_day_met"])
        )
        share = profile.gate_share(p)
        found.append(
            (
                f"profile: gates ≤ {profile.TARGET_GATE_SHARE:.0%} of the day",
                f"{share:.0%}",
                share <= profile.TARGET_GATE_SHARE,
            )
        )
        found.append(
            (
                "profile: ≤ 3 Spark jobs per gated table",
                f"{p['max_jobs_per_gated_table']} jobs",
                p["target_gate_jobs_met"],
            )
        )
    if "incremental" in sections:
        i = sections["incremental"]
        found.append(
            (
                "incremental: day 60 ≤ 1.2× day 7",
                f"{i['day_60_vs_day_7']:.2f}×",
                i["day_60_vs_day_7"] <= incremental.TARGET_RATIO,
            )
        )
    if "pit_join" in sections:
        p = sections["pit_join"]
        e = p["engines"]
        ours = e["livelake_training_set"]["seconds"]
        found.append(
            (
                f"pit_join: JVM-free ≤ {pit_join.TARGET_VS_DUCKDB:g}× DuckDB",
                f"{e['livelake_training_set']['vs_duckdb']:.2f}×",
                e["livelake_training_set"]["vs_duckdb"] <= pit_join.TARGET_VS_DUCKDB,
            )
        )
        found.append(
            (
                "pit_join: Spark path ≤ 10 s",
                f"{e['livelake_spark']['seconds']:.1f} s",
                p["targets"]["spark_le_10_s"],
            )
        )
        if "feast" in e:
            found.append(
                (
                    "pit_join: JVM-free ≥ 10× faster than Feast",
                    f"{e['feast']['seconds'] / ours:.1f}×",
                    p["targets"]["jvm_free_10x_faster_than_feast"],
                )
            )
    if "reads" in sections:
        for engine, f in sections["reads"]["engines"].items():
            found.append(
                (f"reads: 1M rows into {engine} ≤ 1 s", f"{f['seconds']:.2f} s", f["target_met"])
            )
    if "scheduler" in sections:
        s = sections["scheduler"]
        median = s["ways"]["scheduler"]["median_overhead"]
        found.append(
            (
                f"scheduler: median stage-task overhead ≤ "
                f"{scheduler.TARGET_TASK_OVERHEAD_SECONDS:.0f} s",
                f"{median:.1f} s",
                s["targets"]["task_overhead_median_le_3_s"],
            )
        )
        found.append(
            (
                f"scheduler: demo-size day ≤ {scheduler.TARGET_VS_DAG_TEST:g}× dag.test()",
                f"{s['vs_dag_test']:.2f}×",
                s["targets"]["day_le_1_5x_dag_test"],
            )
        )
    if not found:
        return []
    lines = ["## Targets", "", "| target | measured | verdict |", "|---|---:|---|"]
    for name, measured, met in found:
        verdict = "n/a (quick sizes)" if quick or met is None else "met" if met else "**missed**"
        lines.append(f"| {name} | {measured} | {verdict} |")
    return [*lines, ""]


def run_sections(
    chosen: list[str], work: Path, quick: bool, results: dict, checkpoint=None
) -> None:
    """Run each section; `checkpoint(results)` after each, so a later crash loses nothing."""
    for name in chosen:
        load_start = load_average()
        print(f"== {name} (load {load_start})", flush=True)
        began = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        started = time.perf_counter()
        results["sections"][name] = SECTIONS[name].run(work, quick)
        results["runs"][name] = {
            "seconds": time.perf_counter() - started,
            "started": began,
            "load_start": load_start,
            "load_end": load_average(),
        }
        print(json.dumps(results["sections"][name], indent=1, default=str), flush=True)
        if checkpoint is not None:
            checkpoint(results)


def merged(results: dict, sources: list[Path]) -> dict:
    """`results` plus the sections of earlier result files it did not measure itself."""
    for source in sources:
        if not source.exists():
            continue
        earlier = json.loads(source.read_text())
        if earlier.get("quick") != results["quick"]:
            continue
        for name, section in earlier["sections"].items():
            if name not in results["sections"]:
                results["sections"][name] = section
                results["runs"][name] = earlier["runs"][name]
    results["sections"] = {n: results["sections"][n] for n in SECTIONS if n in results["sections"]}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to keep it from rotting")
    parser.add_argument("--only", action="append", choices=list(SECTIONS), help="sections")
    parser.add_argument("--out", type=Path, default=None, help="write the report here instead")
    parser.add_argument(
        "--work", type=Path, default=None, help="keep generated data and lakes here (reused)"
    )
    parser.add_argument(
        "--merge", action="store_true", help="keep the other sections of the existing results"
    )
    parser.add_argument(
        "--merge-from",
        type=Path,
        action="append",
        default=[],
        help="also take sections from this results file (repeatable); with no --only, run none",
    )
    args = parser.parse_args(argv)
    chosen = args.only or ([] if args.merge_from else list(SECTIONS))
    report = args.out or REPORT
    results_path = RESULTS if args.out is None else args.out.with_suffix(".json")
    results = {"machine": machine(), "quick": args.quick, "sections": {}, "runs": {}}
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    if args.only and not args.merge_from:
        # The header names the latest invocation; merged sections keep their own dates.
        command += "".join(f" --only {name}" for name in args.only) + (
            " --merge" if args.merge else ""
        )
    if args.merge_from:
        command = (
            f"{command} --only SECTION --work DIR --out FILE` per section, merged by "
            f"`{command} --merge-from FILE ..."
        )

    def write(measured: dict) -> None:
        # Merged when writing, so runs of other sections that finished meanwhile are kept.
        out = merged(
            json.loads(json.dumps(measured, default=str)),
            [*args.merge_from, *([results_path] if args.merge else [])],
        )
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(render(out, command))
        results_path.write_text(json.dumps(out, indent=1, default=str))

    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        run_sections(chosen, args.work, args.quick, results, write)
    else:
        with tempfile.TemporaryDirectory(prefix="livelake-bench-") as tmp:
            run_sections(chosen, Path(tmp), args.quick, results, write)
    write(results)
    print(f"wrote {report} and {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
