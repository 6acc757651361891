"""Which version of each table a reader should see: the ones `audit/published_runs` names.

A stage commits its tables one by one and appends its `published_runs` rows last, so a version
that no row names is either still being published or belongs to a run that crashed midway.
Resolving versions here means a reader never combines silver of run N with gold of run N-1
(or with half of run N). JVM-free.
"""

from __future__ import annotations

from datetime import date

import pyarrow.compute as pc
from deltalake import DeltaTable

from livelake.config import settings
from livelake.jobs.lake import storage
from livelake.jobs.lake.tables.audit import PUBLISHED_RUNS


def published_versions(lake_root: str | None = None, day: date | None = None) -> dict[str, int]:
    """`{table: version}` of each table's latest publication (up to logical `day` if given)."""
    from livelake.jobs.lake.read import read_arrow

    root = lake_root or settings().lake_root
    if not DeltaTable.is_deltatable(storage.table_uri(root, PUBLISHED_RUNS)):
        return {}
    where = None if day is None else pc.field("day") <= day
    rows = read_arrow(
        PUBLISHED_RUNS,
        columns=["table_name", "table_version", "day", "published_at"],
        filter=where,
        lake_root=root,
    ).to_pylist()
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["published_at"], r["table_version"])):
        latest[row["table_name"]] = row
    return {name: row["table_version"] for name, row in sorted(latest.items())}
