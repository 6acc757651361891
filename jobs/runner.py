"""The daily stages, in the order data flows, and how one of them runs in this process.

A stage is a module with `run(ctx, day) -> StageReport` (read -> transform -> stage -> gate ->
publish). `DAILY_STAGES` lists them by name; a listed module that cannot be imported is an
error, never a shorter day. Running a day in order, recorded, is
`livelake.orchestration.tasks.execute_day`.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.jobs.cost import spark_jobs
from livelake.jobs.quality.preload import preload_great_expectations
from livelake.jobs.report import StageReport

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext


@dataclass(frozen=True)
class Stage:
    name: str
    module: str
    description: str
    gated: bool = True  # publishes through a quality gate

    def gates(self, part: str | None) -> bool:
        """Whether running the stage (or this part of it) runs a gate: a split stage's
        table parts only stage, its `gate` part publishes."""
        return self.gated and part in (None, "gate")

    def load(self, part: str | None = None) -> Callable[[JobContext, date], StageReport]:
        """The stage's `run`, or with `part` one task of a stage split into parts
        (`run_part`, e.g. silver's fourteen table jobs and its gate)."""
        module = importlib.import_module(self.module)
        if part is None:
            return module.run
        if not hasattr(module, "run_part"):
            raise ValueError(f"stage {self.name!r} is not split into parts")
        return functools.partial(_run_part, module.run_part, part)


def _run_part(run_part, part: str, ctx: JobContext, day: date) -> StageReport:
    return run_part(ctx, day, part)


# The daily flow, in order. Each entry is one Airflow task group in dags/livelake_daily.py.
DAILY_STAGES: tuple[Stage, ...] = (
    Stage("bronze", "livelake.jobs.bronze.ingest", "land delivered files verbatim", gated=False),
    Stage(
        "silver",
        "livelake.jobs.silver.stage",
        "conform the twelve dimensions and the experiments, gate, publish",
    ),
    Stage("aggregates", "livelake.jobs.gold.aggregates", "per-entity daily aggregates"),
    Stage("features", "livelake.jobs.gold.features", "user/product/anchor feature snapshots"),
    Stage("training", "livelake.jobs.gold.training", "labels joined with features of D-1"),
    # Loaded by name: the model layer sits above the jobs (it scores with a trained model).
    Stage("score", "livelake.model.score", "the published model's scores of D's exposures"),
    Stage("kpi", "livelake.jobs.gold.kpi", "KPI mart"),
    Stage("experiments", "livelake.jobs.gold.experiments", "A/B experiment results"),
)


def stage(name: str) -> Stage:
    for candidate in DAILY_STAGES:
        if candidate.name == name:
            return candidate
    names = ", ".join(s.name for s in DAILY_STAGES)
    raise ValueError(f"unknown stage {name!r}; stages are: {names}")


def run_in_process(ctx: JobContext, name: str, day: date) -> StageReport:
    """Run one stage (`silver`) or one part of a split stage (`silver.users`, `silver.gate`)
    for one day in this process. Callers go through `livelake.orchestration.tasks`, which
    records the run in `audit/stage_runs` (or submits it to a cluster)."""
    # Imported here, not above: the CLI's help names the stages without loading the lake.
    from livelake.jobs.publish import GateFailedError

    stage_name, _, part = name.partition(".")
    job = stage(stage_name).load(part or None)
    if stage(stage_name).gates(part or None):
        preload_great_expectations()
    started = time.monotonic()
    with spark_jobs(ctx.spark, name) as counted:
        try:
            report = job(ctx, day)
        except GateFailedError as refused:
            report = StageReport(
                stage_name, day, "failed", gate=refused.verdict, message=str(refused)
            )
    report.spark_jobs = counted.jobs
    report.seconds = report.seconds or time.monotonic() - started
    return report


def days_between(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
