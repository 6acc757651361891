"""Table status from Delta metadata alone (no Spark, no data reads): for CLIs and audits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from livelake.lake import storage
from livelake.lake.base import PARTITIONS_KEY, ROWS_KEY
from livelake.lake.log import commits
from livelake.lake.registry import Table


@dataclass(frozen=True)
class TableStatus:
    version: int | None
    rows: int | None
    last_run: str | None
    last_written: str | None


def _open(table: Table, lake_root: str) -> DeltaTable | None:
    try:
        return DeltaTable(storage.table_uri(lake_root, table))
    except TableNotFoundError:
        return None


def _when(millis: int | None) -> str:
    if not millis:
        return ""
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def table_status(table: Table, lake_root: str) -> TableStatus:
    dt = _open(table, lake_root)
    if dt is None:
        return TableStatus(None, None, None, None)
    actions = pa.table(dt.get_add_actions(flatten=True))
    rows = sum(n or 0 for n in actions.column("num_records").to_pylist())
    newest = commits(dt, 1)[0]
    return TableStatus(
        dt.version(), rows, newest.get("livelake.run_id"), _when(newest.get("timestamp"))
    )


def commit_history(table: Table, lake_root: str, limit: int | None = 20) -> list[dict[str, Any]]:
    """Newest first. `rows_written` and `partitions` are None where the commit info does not
    say: delta-rs records them for its own writes, livelake for the staged transactions it
    commits through delta-rs (`ROWS_KEY`, `PARTITIONS_KEY`); delta-spark's writes record
    numOutputRows and the replaceWhere."""
    dt = _open(table, lake_root)
    if dt is None:
        return []
    listed = []
    for c in commits(dt, limit):
        metrics = c.get("operationMetrics") or {}
        rows = metrics.get("num_added_rows", metrics.get("numOutputRows", c.get(ROWS_KEY)))
        listed.append(
            {
                "version": c.get("version"),
                "when": _when(c.get("timestamp")),
                "operation": c.get("operation"),
                "run_id": c.get("livelake.run_id", ""),
                "job": c.get("livelake.job", ""),
                "day": c.get("livelake.day", ""),
                "rows_written": None if rows is None else int(rows),
                "partitions": (c.get("operationParameters") or {}).get(
                    "predicate", c.get(PARTITIONS_KEY)
                ),
            }
        )
    return listed
