"""`make demo`: generate a small platform and push every day through every stage.

This is the walking skeleton's end-to-end path and the first thing a newcomer runs, so it
prints what it does, where the results are, and exits non-zero if any stage failed.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, date, datetime, timedelta
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


def _train(cfg: Settings, console: Console) -> bool:
    """The weekly training step on the demo's data; prints the model card summary."""
    from livelake.model.train import ModelRejectedError, TrainingRefusedError, train_and_publish

    console.rule("[bold]weekly training")
    try:
        card = train_and_publish(cfg=cfg).card
    except TrainingRefusedError as exc:
        console.print(f"[bold red]Training refused:[/] {exc}")
        return False
    except ModelRejectedError as exc:
        card = exc.card
    return _show_card(card, console)


def _show_card(card: dict, console: Console) -> bool:
    """Print the card's summary. A model the metric gate rejected is the gate at work, not a
    failed demo: it is written with its reasons and the current model stays published."""
    from livelake.model.card import summary_lines

    for line in summary_lines(card):
        console.print(line)
    if card["status"] == "rejected":
        console.print(
            "[yellow]The metric gate kept this model from publishing[/] (its reasons above); "
            "the weekly run is marked failed so someone looks at it."
        )
    return card["status"] in ("published", "rejected")


def _train_in_airflow(cfg: Settings, console: Console, day: date) -> bool:
    """The weekly training DAG (dag.test()) after the daily runs; prints the model card."""
    import json

    from livelake.model.store import ModelStore
    from livelake.orchestration.local_airflow import run_weekly_training

    console.rule("[bold]livelake_weekly_train")
    started = datetime.now(UTC)
    state, summary = run_weekly_training(day)
    if summary is not None:
        return _show_card(json.loads(Path(summary["card_json"]).read_text()), console)
    card = ModelStore(cfg.resolved_models_root).newest_card()
    if card is not None and datetime.fromisoformat(card["created_at"]) >= started:
        console.print(f"[bold]livelake_weekly_train {state}:[/] the model was rejected")
        return _show_card(card, console)
    console.print(
        f"[bold red]livelake_weekly_train {state}:[/] training was refused; the reason is in "
        "airflow_home/logs (dag_id=livelake_weekly_train)."
    )
    return False


def _write_dashboard(cfg: Settings, console: Console) -> None:
    """End the demo with the KPI dashboard (and the experiment reports it links), when the
    KPI mart was published."""
    from livelake.dashboard import DashboardError, build_dashboard

    try:
        page = build_dashboard(cfg.lake_root, Path("reports") / "dashboard.html")
    except DashboardError as exc:
        console.print(f"[yellow]No KPI dashboard:[/] {exc}")
        return
    console.print(f"KPI dashboard: [bold]{page.resolve()}[/] (open it in a browser)")
    reports = sorted((page.parent / "experiments").glob("*.html"))
    if reports:
        console.print(
            f"A/B experiment reports: {len(reports)} in [bold]{reports[0].parent.resolve()}[/] "
            "(`livelake experiments list`)"
        )


def _print_audit(cfg: Settings, console: Console, day: date) -> None:
    from livelake.jobs.quality.audit import audit_day
    from livelake.summary import audit_tables

    console.rule(f"[bold]audit of {day}")
    for renderable in audit_tables(audit_day(cfg.lake_root, day)):
        console.print(renderable)


def _bad_day_stopped(reports: list, bad: date) -> bool:
    """True when the only failures are the injected day's gate refusals."""
    refused = [r for r in reports if r.status == "failed"]
    return bool(refused) and all(
        r.day == bad and r.gate is not None and not r.gate.passed for r in refused
    )


def _say_bad_day(console: Console, bad: date, stopped: bool) -> None:
    console.print(
        f"[bold green]The gate stopped the injected bad day {bad}: nothing of it was "
        f"published.[/] See `livelake audit --day {bad}`."
        if stopped
        else f"[bold red]The injected bad day {bad} was NOT stopped by a gate.[/]"
    )


def run_demo(
    cfg: Settings,
    console: Console,
    *,
    days: int,
    users: int,
    events_per_day: int,
    start: date,
    seed: int,
    inject_bad_day: bool = False,
    via_airflow: bool = True,
) -> int:
    from livelake.generator import GeneratorConfig, generate
    from livelake.generator.experiments import DEMO_EXPERIMENTS
    from livelake.jobs.context import JobContext
    from livelake.jobs.runner import DAILY_STAGES
    from livelake.orchestration.tasks import execute_day
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
            start=start,
            days=days,
            users=users,
            events_per_day=events_per_day,
            seed=seed,
            experiments=DEMO_EXPERIMENTS,
        ),
        Path(cfg.landing_root),
    )
    last = start + timedelta(days=days - 1)
    bad = last if inject_bad_day else None
    if bad is not None:
        from livelake.jobs.quality.inject import bad_day

        if days < 2:
            console.print("[red]--inject-bad-day needs --days 2 or more (a day to compare with)")
            return 2
        console.print(f"[yellow]{bad_day(Path(cfg.landing_root), bad).describe()}[/]")
    with console.status("Starting Spark…"):
        ctx = JobContext.create(cfg, job="demo")
    stages = [s.name for s in DAILY_STAGES]
    console.print(f"Spark {ctx.spark.version} ({cfg.spark_master}), writer {ctx.lake.writer_name}")
    console.print(f"Stages: {' → '.join(stages)}")
    logical_days = [start + timedelta(days=offset) for offset in range(days)]
    reports = []
    failed_days: list[date] = []
    if via_airflow:
        from livelake.orchestration.local_airflow import run_days_in_airflow

        ok, outcomes = run_days_in_airflow(console, logical_days)
        reports = [r for o in outcomes for r in o.reports]
        failed_days = [o.day for o in outcomes if o.state != "success"]
        failed = not ok
    else:
        for day in logical_days:
            reports += execute_day(ctx, day, on_report=lambda r: console.print(stage_line(r)))
        failed = any(r.status == "failed" for r in reports)
    console.print(run_summary([r for r in reports if r.stage != "bronze"], cfg.lake_root))
    print_failures(console, reports)
    _print_audit(cfg, console, last)
    if bad is not None:
        # Through Airflow a failed gate fails its task and the day's DAG run.
        stopped = failed_days == [bad] if via_airflow else _bad_day_stopped(reports, bad)
        _say_bad_day(console, bad, stopped)
        failed = not stopped
    elif not failed and "training" in stages:
        failed = not (
            _train_in_airflow(cfg, console, last) if via_airflow else _train(cfg, console)
        )
    _write_dashboard(cfg, console)
    console.print(
        f"{'[bold red]Demo failed' if failed else '[bold green]Demo finished'}[/] in "
        f"{time.monotonic() - began:.0f}s. Lake: {cfg.lake_root} · landing: {cfg.landing_root}"
    )
    console.print(
        "Next: `livelake tables`, `livelake history silver/views`, "
        f"`livelake audit --day {last} --html`."
    )
    return 1 if failed else 0
