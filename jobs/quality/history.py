"""What the lake published before: the history a gate compares a run against (JVM-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow.compute as pc
from deltalake import DeltaTable

from livelake.lake import storage
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table
from livelake.lake.tables.audit import PUBLISHED_RUNS


@dataclass(frozen=True)
class Publication:
    day: date
    rows: int
    version: int
    run_id: str


def table_exists(lake_root: str, declared: Table) -> bool:
    """Whether `declared` has been written at `lake_root` (no JVM, no error if not)."""
    return DeltaTable.is_deltatable(storage.table_uri(lake_root, declared))


def previous_publication(lake_root: str, table_name: str, day: date) -> Publication | None:
    """The latest publication of `table_name` for a day before `day` (reruns: the last one)."""
    if not table_exists(lake_root, PUBLISHED_RUNS):
        return None
    data = read_arrow(
        PUBLISHED_RUNS,
        filter=(pc.field("table_name") == table_name) & (pc.field("day") < day),
        lake_root=lake_root,
    )
    if data.num_rows == 0:
        return None
    rows = sorted(data.to_pylist(), key=lambda r: (r["day"], r["published_at"]))
    last = rows[-1]
    return Publication(last["day"], last["rows"] or 0, last["table_version"], last["run_id"])
