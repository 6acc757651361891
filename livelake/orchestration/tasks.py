"""The one entry point that runs a stage, whoever calls it: run stage S for day D, here or on
a cluster. DAG tasks, `livelake run`, backfills, the demo and the benchmarks all come here.

`execute_stage` decides by the settings alone: `local[*]` runs the stage in this process on
local Spark, `LIVELAKE_SPARK_REMOTE` runs it in this process as a client of a Spark Connect
server; otherwise `spark://…`, `yarn` or `k8s://…` submits the very same code with
`spark-submit` (see `submit.py`) and reads back its report. Either way the outcome is
recorded in `audit/stage_runs`, and a stage whose report says `failed` (a failed gate or bad
input: retrying cannot help) raises `StageFailedError`, while crashes raise as they are (a
scheduler may retry those): a Spark Connect server lost mid-stage as a one-line
`SparkServerUnavailableError`.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from livelake.config import Settings, settings
from livelake.connect import SparkServerUnavailableError, lost_server_error, server_lost
from livelake.jobs.report import StageReport
from livelake.lake.tables.audit import STAGE_STARTED

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext


class StageFailedError(RuntimeError):
    """A stage finished with status `failed`: deterministic, so it must not be retried."""

    def __init__(self, report: StageReport) -> None:
        self.report = report
        gate = ""
        if report.gate is not None and not report.gate.passed:
            failures = "; ".join(report.gate.failures[:5])
            gate = f" gate failed: {report.gate.failed_blocking} blocking expectation(s)"
            gate += f" ({failures})" if failures else ""
            if report.gate.report_path:
                gate += f"; report: {report.gate.report_path}"
        super().__init__(f"stage {report.stage} for {report.day} failed:{gate} {report.message}")


def run_and_record(ctx: JobContext, stage: str, day: date) -> StageReport:
    """Run one stage in this process, recorded in `audit/stage_runs` as it starts and ends.

    Only one process at a time runs a stage for a day (`stage_lock`): a second one raises
    `RunConflictError` before it records or writes anything.
    """
    from livelake.jobs.runner import run_in_process
    from livelake.orchestration.stage_lock import stage_lock
    from livelake.orchestration.stage_runs import record

    with stage_lock(ctx.settings.lake_root, stage, day, ctx.run.run_id):
        record(ctx, stage, day, STAGE_STARTED, "", 0.0)  # a kill leaves only this row
        started = time.monotonic()
        try:
            report = run_in_process(ctx, stage, day)
        except Exception as exc:
            if ctx.settings.spark_remote and server_lost(exc):
                raise _server_lost(ctx, stage, day, time.monotonic() - started) from exc
            message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            record(ctx, stage, day, "error", message, time.monotonic() - started)
            raise
        record(ctx, stage, day, report.status, report.message, report.seconds)
    return report


def _server_lost(
    ctx: JobContext, stage: str, day: date, seconds: float
) -> SparkServerUnavailableError:
    """The error of a stage whose Spark Connect server went away, recorded where the lake can
    still be written without Spark (delta-rs commits from this process); with delta-spark
    the `started` row stays alone, as after a kill."""
    from livelake.orchestration.stage_runs import record

    error = lost_server_error(str(ctx.settings.spark_remote), f"stage {stage} for {day}")
    with contextlib.suppress(Exception):
        record(ctx, stage, day, "error", str(error), seconds)
    return error


def execute_stage(
    stage: str, day: date, cfg: Settings | None = None, ctx: JobContext | None = None
) -> StageReport:
    """Run `stage` for `day` where the settings say (local Spark or a cluster)."""
    cfg = cfg or settings()
    if cfg.runs_in_process:
        from livelake.jobs.context import JobContext

        ctx = ctx or JobContext.create(cfg, job=f"orchestration.{stage}")
        return run_and_record(ctx.job(f"orchestration.{stage}", day), stage, day)
    from livelake.orchestration.submit import submit_stage

    return submit_stage(cfg, stage, day)


def execute_day(
    ctx: JobContext,
    day: date,
    stages: Sequence[str] | None = None,
    on_report: Callable[[StageReport], None] | None = None,
) -> list[StageReport]:
    """Run the day's stages (all, or those named) in order, each through `execute_stage`.

    A failed stage stops the day: later stages are reported as skipped, and nothing
    downstream publishes.
    """
    from livelake.jobs import runner

    reports: list[StageReport] = []
    failed = False
    for step in (s for s in runner.DAILY_STAGES if stages is None or s.name in stages):
        if failed:
            report = StageReport(step.name, day, "skipped", message="an earlier stage failed")
        else:
            report = execute_stage(step.name, day, ctx.settings, ctx)
            failed = report.status == "failed"
        reports.append(report)
        if on_report:
            on_report(report)
    return reports


def raise_for_status(report: StageReport) -> StageReport:
    if report.status == "failed":
        raise StageFailedError(report)
    return report


def run_stage_task(stage: str, day: str | date) -> dict[str, Any]:
    """What a DAG task calls: run, fail loudly on `failed`, return the report (its XCom).

    The XCom is the whole StageReport as JSON plus `versions` (table -> published version),
    so the UI shows what a task published and `demo` can print the run summary from it.
    """
    from livelake.orchestration.report_json import to_dict

    one_day = day if isinstance(day, date) else date.fromisoformat(day)
    report = raise_for_status(execute_stage(stage, one_day))
    summary = to_dict(report)
    summary["versions"] = {t.table: t.version for t in report.tables}
    return summary
