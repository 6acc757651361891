"""Table housekeeping for `livelake_maintenance`: compact small files, vacuum old ones.

Both go through the lake interface, so they work for either Delta writer. Compaction is a
data-preserving rewrite (readers see the same rows); vacuum deletes only files no version
inside the retention references, so time travel within the retention keeps working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.lake.base import DEFAULT_RETENTION_HOURS

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext

# Raw bronze lines carry PII; silver keeps the pseudonymised, published form.
DEFAULT_BRONZE_RETENTION_DAYS = 30


def purge_bronze_older_than(retention_days: int, ctx: JobContext | None = None) -> dict[str, int]:
    """Drop bronze partitions delivered more than `retention_days` ago; rows per partition.

    The purge only tombstones files in the Delta log; the vacuum that runs after it deletes
    them, so raw PII is physically gone once the vacuum retention has passed.
    """
    from livelake.jobs.bronze.retention import purge_bronze

    ctx = ctx or _context("maintenance.bronze_purge")
    purged = purge_bronze(ctx, retention_days)
    return {f"{p.bronze_table}@{p.delivery_date}": p.rows_removed for p in purged}


def _context(job: str) -> JobContext:
    from livelake.jobs.context import JobContext

    return JobContext.create(job=job)


def compact_all(ctx: JobContext | None = None) -> dict[str, int]:
    """Compact every existing table; returns files removed per table (only where >0)."""
    from livelake.lake.registry import all_tables

    ctx = ctx or _context("maintenance.compact")
    removed: dict[str, int] = {}
    for declared in all_tables():
        if not ctx.lake.exists(declared):
            continue
        metrics = ctx.lake.optimize(declared, ctx.run)
        count = int(metrics.get("numFilesRemoved", 0) or 0)
        if count:
            removed[declared.qualified_name] = count
    return removed


def vacuum_all(
    retention_hours: int = DEFAULT_RETENTION_HOURS, ctx: JobContext | None = None
) -> dict[str, int]:
    """Vacuum every existing table; returns files deleted per table (only where >0)."""
    from livelake.lake.registry import all_tables

    if retention_hours < 0:
        raise ValueError(f"retention_hours must be >= 0 (got {retention_hours})")
    ctx = ctx or _context("maintenance.vacuum")
    deleted: dict[str, int] = {}
    for declared in all_tables():
        if not ctx.lake.exists(declared):
            continue
        files = ctx.lake.vacuum(declared, retention_hours)
        if files:
            deleted[declared.qualified_name] = len(files)
    return deleted
