"""`make demo`: generate a small platform and push every day through every stage.

This is the walking skeleton's end-to-end path and the first thing a newcomer runs, so it
prints what it does, where the results are, and exits non-zero if any stage failed.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console

from livelake.config import Settings


def ensure_pii_key(cfg: Settings, console: Console) -> Settings:
    """Use the configured PII key, or make a local one for the demo and say so."""
    if cfg.pii_key:
        return cfg
    key_file = Path(".livelake") / "pii.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
        console.print(
            f"[yellow]No PII key configured: generated a local demo key in {key_file}[/] "
            "(set LIVELAKE_PII_KEY in real deployments)."
        )
    os.environ["LIVELAKE_PII_KEY"] = key_file.read_text().strip()
    return cfg.model_copy(update={"pii_key": os.environ["LIVELAKE_PII_KEY"]})


def _write_dashboard(cfg: Settings, console: Console) -> None:
    """End the demo with the KPI dashboard, when the KPI mart was published."""
    from livelake.dashboard import DashboardError, build_dashboard

    try:
        page = build_dashboard(cfg.lake_root, Path("reports") / "dashboard.html")
    except DashboardError as exc:
        console.print(f"[yellow]No KPI dashboard:[/] {exc}")
        return
    console.print(f"KPI dashboard: [bold]{page.resolve()}[/] (open it in a browser)")


def run_demo(
    cfg: Settings,
    console: Console,
    *,
    days: int,
    users: int,
    events_per_day: int,
    start: date,
    seed: int,
) -> int:
    from livelake.generator import GeneratorConfig, generate
    from livelake.jobs.context import JobContext
    from livelake.jobs.runner import available_stages, run_day
    from livelake.summary import print_failures, run_summary, stage_line

    began = time.monotonic()
    cfg = ensure_pii_key(cfg, console)
    console.rule("[bold]livelake demo")
    console.print(
        f"Generating {days} days · {users:,} users · {events_per_day:,} events/day "
        f"(seed {seed}) into {cfg.landing_root}"
    )
    generate(
        GeneratorConfig(
            start=start, days=days, users=users, events_per_day=events_per_day, seed=seed
        ),
        Path(cfg.landing_root),
    )
    with console.status("Starting Spark…"):
        ctx = JobContext.create(cfg, job="demo")
    stages = [s.name for s in available_stages()]
    console.print(f"Spark {ctx.spark.version} ({cfg.spark_master}), writer {ctx.lake.writer_name}")
    console.print(f"Stages: {' → '.join(stages)}")
    reports = []
    for offset in range(days):
        reports += run_day(
            ctx, start + timedelta(days=offset), on_report=lambda r: console.print(stage_line(r))
        )
    console.print(run_summary([r for r in reports if r.stage != "bronze"], cfg.lake_root))
    print_failures(console, reports)
    failed = any(r.status == "failed" for r in reports)
    console.print(
        f"{'[bold red]Demo failed' if failed else '[bold green]Demo finished'}[/] in "
        f"{time.monotonic() - began:.0f}s. Lake: {cfg.lake_root} · landing: {cfg.landing_root}"
    )
    _write_dashboard(cfg, console)
    console.print("Next: `livelake tables`, `livelake history silver/views`.")
    return 1 if failed else 0
