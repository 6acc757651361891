"""Bronze retention: raw PII lives only in bronze, so bronze must not live forever.

`purge_bronze` removes every bronze partition delivered before `today - retention` through
the lake interface (a Delta commit replacing those partitions with nothing), and the same
days of the quarantine tables, whose `raw` column holds the landed line verbatim. It vacuums
the removed files so the bytes are really gone and appends one `audit/bronze_purges` row per
table and day it removed. Silver is untouched; the ingest ledger keeps the checksums, so a
purged file delivered again is still recognised as already ingested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from livelake.lake.tables.audit import BRONZE_PURGES
from livelake.lake.tables.bronze import BRONZE
from livelake.lake.tables.silver import QUARANTINE

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext

JOB = "maintenance.purge_bronze"
_RETENTION = re.compile(r"(\d+)d")


@dataclass(frozen=True)
class PurgedPartition:
    table_name: str
    delivery_date: date
    rows_removed: int


def parse_retention(text: str) -> int:
    """`30d` -> 30 days; anything else is refused with the expected form."""
    match = _RETENTION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"retention must look like 30d (days), got {text!r}")
    return int(match[1])


def purge_bronze(
    ctx: JobContext, retention_days: int, today: date | None = None
) -> list[PurgedPartition]:
    """Delete bronze and quarantine days delivered more than `retention_days` before `today`."""
    from pyspark.sql import functions as F

    ctx = ctx.job(JOB)
    today = today or datetime.now(UTC).date()
    cutoff = today - timedelta(days=retention_days)
    purged: list[PurgedPartition] = []
    raw_tables = [BRONZE[n] for n in sorted(BRONZE)] + [QUARANTINE[n] for n in sorted(QUARANTINE)]
    for table in raw_tables:
        if not ctx.lake.exists(table):
            continue
        old = (
            ctx.lake.read(table)
            .where(F.col("delivery_date") < F.lit(cutoff))
            .groupBy("delivery_date")
            .count()
            .collect()
        )
        if not old:
            continue
        days = sorted(r["delivery_date"] for r in old)
        empty = ctx.spark.createDataFrame([], table.spark_schema())
        ctx.lake.replace_partitions(table, empty, days, ctx.run)
        ctx.lake.vacuum(table, retention_hours=0)
        purged += [
            PurgedPartition(table.qualified_name, r["delivery_date"], r["count"])
            for r in sorted(old, key=lambda r: r["delivery_date"])
        ]
    if purged:
        now = datetime.now(UTC)
        ctx.lake.append_records(
            BRONZE_PURGES,
            [
                {
                    "run_id": ctx.run.run_id,
                    "table_name": p.table_name,
                    "delivery_date": p.delivery_date,
                    "rows_removed": p.rows_removed,
                    "retention_days": retention_days,
                    "purged_at": now,
                }
                for p in purged
            ],
            ctx.run,
        )
    return purged
