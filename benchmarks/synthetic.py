"""Plausible random rows for a declared lake table, written with delta-rs at its location.

Benchmarks that measure a later stage (feature snapshots, reads) build their inputs here
instead of running every stage before it: every declared column gets a value of its type,
keys and dates come from the caller. All integer columns of a row share one Poisson draw,
so every ratio of counts the features declare (short visits / visits, paid / cart adds,
explained / live seconds) stays within its gated range of [0, 1]; amounts are Gamma draws.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, write_deltalake

from livelake.lake import storage
from livelake.lake.registry import Table
from livelake.lake.tables.audit import PUBLISHED_RUNS


def random_table(
    declared: Table, rows: int, given: dict[str, pa.Array], rng: np.random.Generator
) -> pa.Table:
    """`rows` rows of `declared`: the `given` columns as passed, the others random."""
    columns = []
    count = rng.poisson(3.0, rows)
    for field in declared.arrow_schema():
        if field.name in given:
            columns.append(pc.cast(given[field.name], field.type))
        elif pa.types.is_floating(field.type) or pa.types.is_decimal(field.type):
            amounts = pa.array(np.round(rng.gamma(2.0, 30.0, rows), 2))
            columns.append(amounts.cast(field.type))
        elif pa.types.is_integer(field.type):
            columns.append(pa.array(count, field.type))
        elif pa.types.is_boolean(field.type):
            columns.append(pa.array(rng.random(rows) < 0.5, field.type))
        elif field.name == "run_id":
            columns.append(pa.array(["benchmark"] * rows, field.type))
        else:
            columns.append(pa.nulls(rows, field.type))
    return pa.Table.from_arrays(columns, schema=declared.arrow_schema())


def ids(prefix: str, count: int) -> pa.Array:
    return pa.array([f"{prefix}{i:07d}" for i in range(count)], pa.string())


def write(lake_root: str, declared: Table, data: pa.Table, mode: str = "append") -> None:
    """Write the rows, and for a table a gate publishes, the `audit/published_runs` row a
    stage would append, so readers see this version as published (their default)."""
    uri = storage.table_uri(lake_root, declared)
    write_deltalake(uri, data, partition_by=list(declared.partition_by) or None, mode=mode)
    if declared.published_by_gate:
        now = datetime.now(UTC)
        record = {
            "run_id": "benchmark",
            "day": now.date(),
            "stage": "benchmark",
            "table_name": declared.qualified_name,
            "table_version": DeltaTable(uri).version(),
            "rows": data.num_rows,
            "published_at": now,
        }
        published = pa.Table.from_pylist([record], schema=PUBLISHED_RUNS.arrow_schema())
        write_deltalake(storage.table_uri(lake_root, PUBLISHED_RUNS), published, mode="append")
