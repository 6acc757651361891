"""Which version of each table a reader should see: the ones `audit/published_runs` names.

A stage commits its tables one by one and appends its `published_runs` rows last, so a version
that no row names is either still being published or belongs to a run that crashed midway.
Resolving versions here means a reader never combines silver of run N with gold of run N-1
(or with half of run N). JVM-free.

"As known at time T" is answered from the `published_at` each publication recorded, not from
file modification times, so a copied or restored lake answers the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow.compute as pc
from deltalake import DeltaTable

from livelake.config import settings
from livelake.lake import storage
from livelake.lake.base import LakeError
from livelake.lake.tables.audit import PUBLISHED_RUNS


def published_versions(lake_root: str | None = None, day: date | None = None) -> dict[str, int]:
    """`{table: version}` of each table's latest publication (up to logical `day` if given)."""
    from livelake.lake.read import read_arrow

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


def published_version_at(name: str, when: datetime, lake_root: str | None = None) -> int:
    """The version of table `name` its latest publication at or before `when` named.

    Naive `when` means UTC. A time before the table's first publication is an error: the
    table held nothing gated then, and an empty answer would read as all-null features.
    """
    from livelake.lake.read import read_arrow

    root = lake_root or settings().lake_root
    rows = []
    if DeltaTable.is_deltatable(storage.table_uri(root, PUBLISHED_RUNS)):
        rows = read_arrow(
            PUBLISHED_RUNS,
            columns=["table_version", "published_at"],
            filter=pc.field("table_name") == name,
            lake_root=root,
        ).to_pylist()
    cutoff = when if when.tzinfo else when.replace(tzinfo=UTC)
    known = [r for r in rows if r["published_at"] <= cutoff]
    if not known:
        first = min((r["published_at"] for r in rows), default=None)
        since = f"its first was at {first.isoformat()}" if first else "it has none yet"
        raise LakeError(
            f"{name} was not published at or before {cutoff.isoformat()} "
            f"(audit/published_runs: {since}); ask for a later time"
        )
    return max(known, key=lambda r: (r["published_at"], r["table_version"]))["table_version"]
