"""`livelake backfill`: run a range of days in order, resumably, safely re-runnable.

- Days run oldest first; within a day, stages run in flow order. The first failure stops
  the backfill (day D+1's features roll up from day D), and running the same command again
  resumes there.
- A day is *done* when every stage's latest run in `audit/stage_runs` succeeded with the
  current code (`code_version()`); done days are skipped unless `rerun=True`. A day done
  only in part resumes at its first stage that is not done.
- Every stage is idempotent (it replaces exactly day D's partitions), so re-running is safe.
- Downstream snapshots: a feature snapshot as of day E rolls up windows of up to
  `window_days` days, so it includes day D when D < E <= D + window_days. After (re)computing
  days in the range, every later day E in that horizon whose features stage has run before
  gets the stages from `features` onward recomputed, in order, and the result says which
  days those were. (Late data is different: silver records the earlier event days it
  changed in `audit/dirty_days`, and the features stage itself recomputes those.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from livelake.config import Settings, settings
from livelake.features.declarations import LONGEST_WINDOW_DAYS
from livelake.jobs.report import StageReport
from livelake.jobs.runner import DAILY_STAGES, days_between
from livelake.orchestration.stage_runs import completed_stages
from livelake.orchestration.tasks import execute_stage
from livelake.version import code_version

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext

# Stages from this one on are recomputed for later days whose windows include a rerun day.
DOWNSTREAM_FROM = "features"


@dataclass
class BackfillResult:
    ran_days: list[date] = field(default_factory=list)
    skipped_days: list[date] = field(default_factory=list)
    recomputed_days: list[date] = field(default_factory=list)
    reports: list[StageReport] = field(default_factory=list)
    failed: StageReport | None = None

    @property
    def ok(self) -> bool:
        return self.failed is None


def stages_to_run(stages: list[str], done: set[str], rerun: bool) -> list[str]:
    """All stages on rerun; else from the first stage not done (later ones depend on it)."""
    if rerun:
        return stages
    for i, name in enumerate(stages):
        if name not in done:
            return stages[i:]
    return []


def downstream_days(
    lake_root: str, changed: list[date], after: date, window_days: int
) -> list[date]:
    """Later days (> `after`) whose feature snapshots include a changed day and exist."""
    if not changed:
        return []
    horizon = list(days_between(after + timedelta(days=1), max(changed) + timedelta(window_days)))
    done = completed_stages(lake_root, horizon, version=None)
    return [
        day
        for day in horizon
        if DOWNSTREAM_FROM in done[day]
        and any(c < day <= c + timedelta(days=window_days) for c in changed)
    ]


def backfill(
    start: date,
    end: date,
    *,
    rerun: bool = False,
    window_days: int | None = None,
    cfg: Settings | None = None,
    ctx: JobContext | None = None,
    on_report: Callable[[StageReport], None] | None = None,
    on_skip: Callable[[date], None] | None = None,
) -> BackfillResult:
    """Run `start..end` in order (see the module docstring for resume and rerun rules);
    `window_days` defaults to the longest feature window."""
    window_days = LONGEST_WINDOW_DAYS if window_days is None else window_days
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    cfg = cfg or settings()
    stages = [s.name for s in DAILY_STAGES]
    days = list(days_between(start, end))
    done = completed_stages(cfg.lake_root, days, code_version())
    result = BackfillResult()

    def run(day: date, names: list[str]) -> bool:
        for name in names:
            report = execute_stage(name, day, cfg, ctx)
            result.reports.append(report)
            if on_report:
                on_report(report)
            if report.status == "failed":
                result.failed = report
                return False
        return True

    for day in days:
        todo = stages_to_run(stages, done[day], rerun)
        if not todo:
            result.skipped_days.append(day)
            if on_skip:
                on_skip(day)
            continue
        if not run(day, todo):
            return result
        result.ran_days.append(day)

    if DOWNSTREAM_FROM in stages:
        downstream = stages[stages.index(DOWNSTREAM_FROM) :]
        for day in downstream_days(cfg.lake_root, result.ran_days, end, window_days):
            if not run(day, downstream):
                return result
            result.recomputed_days.append(day)
    return result
