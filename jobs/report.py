"""What a stage tells the runner, the CLI summary and the auditors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Status = Literal["ok", "failed", "skipped", "nothing_to_do"]
Verdict = Literal["passed", "passed with warnings", "refused"]
VERDICTS: tuple[Verdict, ...] = ("passed", "passed with warnings", "refused")


def gate_verdict(failed_blocking: int, failed_warning: int) -> Verdict:
    """The one verdict every page shows for a gate (evidence, Data Docs, dashboard, CLI).

    Only a failed `error` expectation refuses a stage; a failed `warn` expectation flags data
    that was still published, so it never reads as a failure.
    """
    if failed_blocking:
        return "refused"
    return "passed with warnings" if failed_warning else "passed"


def verdict_counts(failed_blocking: int, failed_warning: int) -> str:
    """`0 blocking failures, 3 warnings`: the counts that go with the verdict everywhere."""
    blocking = "failure" if failed_blocking == 1 else "failures"
    warnings = "warning" if failed_warning == 1 else "warnings"
    return f"{failed_blocking} blocking {blocking}, {failed_warning} {warnings}"


@dataclass
class TableCounts:
    """Rows into and out of one table in one stage run (counts reconcile in silver)."""

    table: str
    rows_in: int | None
    rows_out: int
    quarantined: int = 0
    duplicates: int = 0
    version: int | None = None


@dataclass
class GateSummary:
    """A quality gate's verdict on the staged data of one stage."""

    suites: int
    expectations: int
    failed_blocking: int
    failed_warning: int
    report_path: str | None = None
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Spark jobs the gate ran per gated table (None where they cannot be counted).
    spark_jobs: dict[str, int | None] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.failed_blocking == 0

    @property
    def verdict(self) -> Verdict:
        return gate_verdict(self.failed_blocking, self.failed_warning)


@dataclass
class StageReport:
    stage: str
    day: date
    status: Status
    tables: list[TableCounts] = field(default_factory=list)
    gate: GateSummary | None = None
    message: str = ""
    seconds: float = 0.0
    spark_jobs: int | None = None
    # Spark jobs of each part of a stage run in one call (silver's table jobs and gate).
    part_jobs: dict[str, int | None] = field(default_factory=dict)
