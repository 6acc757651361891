"""Section `generator`: how long one day of 2M behaviour events takes to generate and land."""

from __future__ import annotations

from pathlib import Path

from benchmarks.landing import generated_day

TARGET_SECONDS = 60.0


def run(work: Path, quick: bool) -> dict:
    figures = generated_day(work, 20_000 if quick else 2_000_000)
    figures["events_per_second"] = figures["event_lines"] / figures["seconds"]
    figures["target_met"] = None if quick else figures["seconds"] <= TARGET_SECONDS
    return figures


def render(r: dict) -> list[str]:
    return [
        f"## Generator: one day of {r['events_per_day']:,} events ({r['users']:,} users)",
        "",
        "| event lines | all lines | MB landed | seconds | CPU s | events/s | target ≤ 60 s |",
        "|---:|---:|---:|---:|---:|---:|---|",
        f"| {r['event_lines']:,} | {sum(r['lines'].values()):,} | {r['megabytes']:.0f} |"
        f" {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['events_per_second']:,.0f} |"
        f" {_verdict(r['target_met'])} |",
        "",
    ]


def _verdict(met: bool | None) -> str:
    return "n/a (quick size)" if met is None else "met" if met else "missed"
