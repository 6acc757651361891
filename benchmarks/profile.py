"""Section `profile`: what a demo-size day costs in Spark jobs, per stage, part and gate.

A 20k-event day is about a second of data work; the rest is fixed cost paid per Spark job
(scheduling, planning, Delta I/O) and per Great Expectations validation. Counting jobs per
stage, per silver table job and per gated table (`livelake.jobs.cost`) shows where that cost
sits and makes a regression visible; `livelake run --profile` prints the same counts.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.daily import QUICK_EVENTS, STAGES, run_pipeline

DEMO_EVENTS = QUICK_EVENTS  # the demo's day: 20,000 events, 2,000 users
TARGET_DAY_SECONDS = 20.0
TARGET_JOBS_PER_GATED_TABLE = 3
TARGET_GATE_SHARE = 0.2
TOP = 5


def run(work: Path, quick: bool) -> dict:
    figures = run_pipeline(work, DEMO_EVENTS, STAGES, None)
    stages = figures["stages"]
    costs = [(f"{s['stage']}.{part}", n) for s in stages for part, n in s["part_jobs"].items()]
    costs += [(f"gate {table}", n) for s in stages for table, n in s["gate_jobs"].items()]
    gated = [n for s in stages for n in s["gate_jobs"].values() if n is not None]
    day = sum(s["seconds"] for s in stages)
    return {
        "event_lines": figures["event_lines"],
        "stages": stages,
        "day_seconds": day,
        "day_cpu_seconds": sum(s["cpu_seconds"] for s in stages),
        "day_spark_jobs": sum(s["spark_jobs"] or 0 for s in stages),
        "gate_seconds": sum(s["gate_seconds"] for s in stages),
        "top_costs": sorted(costs, key=lambda c: -(c[1] or 0))[:TOP],
        "max_jobs_per_gated_table": max(gated, default=None),
        "target_day_met": day <= TARGET_DAY_SECONDS,
        "target_gate_jobs_met": bool(gated) and max(gated) <= TARGET_JOBS_PER_GATED_TABLE,
    }


def gate_share(r: dict) -> float:
    return r["gate_seconds"] / r["day_seconds"]


def render(r: dict) -> list[str]:
    lines = [
        f"## Profile: a demo-size day ({r['event_lines']:,} event lines) in Spark jobs",
        "",
        "| stage | status | seconds | CPU s | Spark jobs | gate seconds | gate jobs |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for s in r["stages"]:
        gate_jobs = sum(n or 0 for n in s["gate_jobs"].values())
        lines.append(
            f"| {s['stage']} | {s['status']} | {s['seconds']:.1f} | {s['cpu_seconds']:.1f} |"
            f" {s['spark_jobs'] if s['spark_jobs'] is not None else '?'} |"
            f" {s['gate_seconds']:.1f} | {gate_jobs} |"
        )
    lines += [
        f"| **day** | | **{r['day_seconds']:.1f}** | {r['day_cpu_seconds']:.1f} |"
        f" **{r['day_spark_jobs']}** | {r['gate_seconds']:.1f} | |",
        "",
        f"- Target day ≤ {TARGET_DAY_SECONDS:.0f} s: {'met' if r['target_day_met'] else 'missed'};"
        f" gates {gate_share(r):.0%} of the day (target ≤ {TARGET_GATE_SHARE:.0%}).",
        f"- Most Spark jobs for one gated table: {r['max_jobs_per_gated_table']} (target ≤"
        f" {TARGET_JOBS_PER_GATED_TABLE}):"
        f" {'met' if r['target_gate_jobs_met'] else 'missed'}.",
        "- Top five costs in Spark jobs: "
        + ", ".join(f"{name} {n}" for name, n in r["top_costs"])
        + ".",
        "- Spark jobs per silver table job: "
        + ", ".join(
            f"{part} {n}"
            for s in r["stages"]
            for part, n in s["part_jobs"].items()
            if s["stage"] == "silver"
        )
        + ".",
        "- Spark jobs per gated table: "
        + ", ".join(f"{t} {n}" for s in r["stages"] for t, n in s["gate_jobs"].items())
        + ".",
        "",
    ]
    return lines
