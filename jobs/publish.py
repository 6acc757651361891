"""Write-audit-publish for one stage: gate the staged tables, then commit all or none.

Delta has no multi-table transaction, so a stage publishes by committing each table and then
appending its `audit/published_runs` rows *last*. Readers that resolve versions through
`published_runs` (see `published_versions`) never mix tables of two runs: a crash between
commits leaves versions no published_runs row names.

Every publication is gated: without an explicit `gate`, `publish()` runs the default quality
gate (`livelake.jobs.quality.gate.quality_gate`: registry-derived, declared and feature suites
on the staged rows). A failing gate aborts every staged write of the stage and raises
`GateFailedError` carrying the verdict, which the runner turns into a `failed` StageReport;
a passing verdict comes back in the `Publication`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from livelake.jobs.report import GateSummary
from livelake.lake import CommitResult, StagedWrite
from livelake.lake.tables.audit import PUBLISHED_RUNS

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext

# A gate receives the staged writes and returns its verdict; it must not commit anything.
Gate = Callable[["JobContext", str, date, Sequence[StagedWrite]], GateSummary]


class GateFailedError(RuntimeError):
    """A stage's gate refused its staged data: nothing of the stage was published."""

    def __init__(self, stage: str, day: date, verdict: GateSummary) -> None:
        self.stage = stage
        self.day = day
        self.verdict = verdict
        tables = sorted({line.split(":", 1)[0] for line in verdict.failures[:50]})
        super().__init__(
            f"gate refused {stage} for {day}: {verdict.failed_blocking} blocking expectation(s) "
            f"failed on {', '.join(tables) or 'the staged tables'}; nothing was published. "
            f"First: {verdict.failures[0] if verdict.failures else 'see Data Docs'}"
        )


def default_gate() -> Gate:
    from livelake.jobs.quality.gate import quality_gate

    return quality_gate


@dataclass
class Publication:
    """A gated publication that passed: its verdict and one commit per staged write."""

    gate: GateSummary
    commits: list[CommitResult]


def publish(
    ctx: JobContext,
    stage: str,
    day: date,
    staged: Sequence[StagedWrite],
    gate: Gate | None = None,
    keep_on_error: bool = False,
) -> Publication:
    """Gate `staged` (the default quality gate unless `gate` is given); on success commit
    every table, then record the publication. On failure abort all and raise GateFailedError.

    A crash (not a verdict) aborts the staged writes too, unless `keep_on_error`: then they
    stay for a retry that restores them from their manifests.
    """
    try:
        verdict = (gate or default_gate())(ctx, stage, day, staged)
    except BaseException:
        if not keep_on_error:
            for write in staged:
                write.abort()
        raise
    if not verdict.passed:
        for write in staged:
            write.abort()
        raise GateFailedError(stage, day, verdict)
    commits = [write.commit(ctx.run) for write in staged]
    now = datetime.now(UTC)
    ctx.lake.append_records(
        PUBLISHED_RUNS,
        [
            {
                "run_id": ctx.run.run_id,
                "day": day,
                "stage": stage,
                "table_name": result.table,
                "table_version": result.version,
                "rows": result.rows_added,
                "published_at": now,
            }
            for result in commits
        ],
        ctx.run,
    )
    return Publication(verdict, commits)
