"""Section `scaling`: 0.5M, 1M, 2M and 4M events a day through bronze, silver and aggregates.

Each size runs on a fresh lake in its own process (one SparkSession for its stages); a size
the `daily` section already ran in this run reuses that run's times for these stages. The
slope is a least-squares line of stage seconds over millions of events (seconds per extra
million, plus the fixed cost at zero), and the log-log exponent (1.0 = linear).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.daily import run_pipeline

STAGES = ("bronze", "silver", "aggregates")
FULL_SIZES = (500_000, 1_000_000, 2_000_000, 4_000_000)
QUICK_SIZES = (10_000, 20_000)


def fit(millions: list[float], seconds: list[float]) -> dict[str, float]:
    slope, intercept = np.polyfit(millions, seconds, 1)
    exponent = np.polyfit(np.log(millions), np.log(seconds), 1)[0]
    return {
        "seconds_per_million": float(slope),
        "fixed_seconds": float(intercept),
        "exponent": float(exponent),
    }


def run(work: Path, quick: bool) -> dict:
    sizes = {}
    for events in QUICK_SIZES if quick else FULL_SIZES:
        figures = run_pipeline(work, events, STAGES, None)
        sizes[events] = {
            "event_lines": figures["event_lines"],
            "stages": {s["stage"]: s["seconds"] for s in figures["stages"]},
            "cpu_seconds": {s["stage"]: s["cpu_seconds"] for s in figures["stages"]},
            "statuses": {s["stage"]: s["status"] for s in figures["stages"]},
            "peak_rss_mb": figures["peak_rss_mb"]["total"],
            "from_daily_section": "reused_from" in figures,
        }
    millions = [s["event_lines"] / 1e6 for s in sizes.values()]
    slopes = {
        stage: fit(millions, [s["stages"][stage] for s in sizes.values()]) for stage in [*STAGES]
    }
    slopes["total"] = fit(millions, [sum(s["stages"].values()) for s in sizes.values()])
    return {"sizes": {str(k): v for k, v in sizes.items()}, "slopes": slopes}


def render(r: dict) -> list[str]:
    lines = [
        "## Scaling: bronze + silver + aggregates at growing daily volume",
        "",
        "| events/day | event lines | "
        + " | ".join(f"{s} s" for s in STAGES)
        + " | total s | total CPU s | peak MB |",
        "|---:|---:|" + "---:|" * (len(STAGES) + 3),
    ]
    for events, s in r["sizes"].items():
        lines.append(
            f"| {int(events):,} | {s['event_lines']:,} | "
            + " | ".join(f"{s['stages'][st]:.1f}" for st in STAGES)
            + f" | {sum(s['stages'].values()):.1f} | {sum(s['cpu_seconds'].values()):.1f} |"
            f" {s['peak_rss_mb']:,.0f} |"
        )
    lines += [
        "",
        "| stage | s per extra 1M events | fixed s | log-log exponent |",
        "|---|---:|---:|---:|",
    ]
    for stage, f in r["slopes"].items():
        lines.append(
            f"| {stage} | {f['seconds_per_million']:.1f} | {f['fixed_seconds']:.1f} |"
            f" {f['exponent']:.2f} |"
        )
    return [*lines, ""]
