"""Write-audit-publish for one stage: gate the staged tables, then commit all or none.

Delta has no multi-table transaction, so a stage publishes by committing each table and then
appending its `audit/published_runs` rows *last*. Readers that resolve versions through
`published_runs` (see `published_versions`) never mix tables of two runs: a crash between
commits leaves versions no published_runs row names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from livelake.jobs.lake import CommitResult, StagedWrite
from livelake.jobs.lake.tables.audit import PUBLISHED_RUNS
from livelake.jobs.report import GateSummary

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext

# A gate receives the staged writes and returns its verdict; it must not commit anything.
Gate = Callable[["JobContext", str, date, Sequence[StagedWrite]], GateSummary]


@dataclass
class Publication:
    gate: GateSummary | None
    commits: list[CommitResult]

    @property
    def published(self) -> bool:
        return self.gate is None or self.gate.passed


def publish(
    ctx: JobContext,
    stage: str,
    day: date,
    staged: Sequence[StagedWrite],
    gate: Gate | None = None,
) -> Publication:
    """Gate `staged` (if a gate is given); on success commit every table, then record it."""
    verdict = gate(ctx, stage, day, staged) if gate is not None else None
    if verdict is not None and not verdict.passed:
        for write in staged:
            write.abort()
        return Publication(verdict, [])
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
