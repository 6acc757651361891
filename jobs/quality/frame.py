"""The rows a gate judges: a table's staged files, with its foreign keys resolved.

A gate judges exactly the staged Parquet files that its verdict publishes or refuses. It reads
them with pyarrow, not Spark: the data is already on disk, and reading it again through Spark
costs a dozen jobs per table (GE resolves its metrics level by level) for what are, per run,
a few megabytes to a few hundred. One marker column per foreign key is appended (see
`references.py`), DuckDB measures the drift metrics (`metrics.py`); GE's pandas engine then
decides every expectation on the columns the suite names. No Spark job runs, and no row
passes through the driver's JVM heap, so a large day cannot run the driver out of memory here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from livelake.jobs.quality.metrics import day_partition, tracked
from livelake.jobs.quality.references import Reference
from livelake.lake import StagedWrite
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table

if TYPE_CHECKING:
    import pandas as pd

    from livelake.jobs.quality.suites import TableSuite
    from livelake.lake import Lake

# Where a failing row came from, when the table carries lineage: shown in the failure text.
LINEAGE_COLUMNS = ("source_file", "line_number")
_COLUMN_KWARGS = ("column", "column_A", "column_B")


def staged_rows(writes: Sequence[StagedWrite], columns: list[str]) -> pa.Table:
    """`columns` of all rows a stage staged for one table (one write, or a snapshot per
    rebuilt day)."""
    parts = [w.arrow(columns) for w in writes]
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def gate_columns(suite: TableSuite) -> list[str]:
    """The table's columns the gate reads: those its expectations, references and drift
    metrics name, and lineage. Free text and other columns nothing checks stay on disk."""
    table = suite.table
    wanted = set(suite_columns(table, suite.expectations, table.column_names))
    for reference in suite.references:
        wanted.add(reference.column)
        wanted.update(_identifiers(reference.when or ""))
    wanted.update(column for column, _ in tracked(table))
    wanted.update(filter(None, [day_partition(table)]))
    return [name for name in table.column_names if name in wanted]


def known_keys(
    lake: Lake, table: Table, key: str, staged: Sequence[StagedWrite]
) -> pa.Array | None:
    """Distinct non-null `key` values of `table` once `staged` is published: the staged
    rows, plus the published ones unless a staged overwrite replaces them all. None when
    the table has neither (nothing to check keys against)."""
    mine = [w for w in staged if w.table == table]
    parts = [w.arrow([key]).column(key) for w in mine]
    if lake.exists(table) and not any(w.mode == "overwrite" for w in mine):
        parts.append(read_arrow(table, columns=[key], lake_root=lake.lake_root).column(key))
    if not parts:
        return None
    keys = pa.chunked_array([c for p in parts for c in p.chunks], type=parts[0].type)
    return pc.unique(keys.drop_null())


def with_markers(rows: pa.Table, references: Sequence[tuple[Reference, pa.Array]]) -> pa.Table:
    """`rows` plus one marker column per reference: the foreign key when it is no known key
    (and the reference's `when` holds), else null. A null foreign key references nothing.

    The markers are appended to `rows`, whose columns are not copied: a large day's gate
    holds the staged rows once."""
    for reference, keys in references:
        column = rows.column(reference.column)
        unknown = pc.invert(pc.is_in(column, value_set=keys.cast(column.type)))
        if reference.when:
            unknown = pc.and_kleene(unknown, _holds(rows, reference.when))
        marker = pc.if_else(pc.fill_null(unknown, False), column, pa.scalar(None, column.type))
        rows = rows.append_column(reference.marker, marker)
    return rows


def _holds(rows: pa.Table, condition: str) -> pa.ChunkedArray:
    """The SQL `condition` evaluated on each row of `rows`, in row order (a DuckDB
    projection, no join: DuckDB keeps the insertion order)."""
    import duckdb

    names = sorted(_identifiers(condition) & set(rows.column_names))
    con = duckdb.connect()
    con.register("staged", rows.select(names))
    return con.sql(f"SELECT ({condition}) AS holds FROM staged").to_arrow_table().column(0)


def run_day_rows(rows: pa.Table, table: Table, day: date) -> pa.Table:
    """The rows of the run's own day partition: what the `run_day` rules judge.

    Filtered once per gate, not by a row condition per expectation: GE's pandas engine
    copies the whole frame for each condition it applies, which cost a demo day's training
    gate (~200 drift rules) 5 s and a 2M-event day's gigabytes of copies.
    """
    part = day_partition(table)
    if part is None:
        return rows
    of_day = pc.equal(rows.column(part), pa.scalar(day, rows.schema.field(part).type))
    return rows.filter(pc.fill_null(of_day, False))


def suite_columns(table: Table, expectations: list[dict[str, Any]], names: list[str]) -> list[str]:
    """The columns of `names` that the expectations read: named in their kwargs or in a
    row condition, plus lineage (where a failing row came from)."""
    wanted: set[str] = set()
    for config in expectations:
        kwargs = config["kwargs"]
        wanted.update(kwargs[k] for k in _COLUMN_KWARGS if k in kwargs)
        wanted.update(kwargs.get("column_list", []))
        wanted.update(_identifiers(kwargs.get("row_condition") or ""))
    wanted.update(c for c in LINEAGE_COLUMNS if c in table.column_names)
    return [n for n in names if n in wanted]


def _identifiers(condition: str) -> set[str]:
    """Every name in a row condition (a superset of the columns it reads)."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", condition))


def to_pandas(rows: pa.Table) -> pd.DataFrame:
    """`rows` in the types GE's pandas engine compares natively and fast: decimals as float64
    (range checks on decimal(18,2) money are exact far beyond any amount here), dates as
    `datetime.date` (GE reads ISO-date bounds as dates), timestamps at nanoseconds."""
    columns = []
    for field in rows.schema:
        column = rows.column(field.name)
        if pa.types.is_decimal(field.type):
            column = pc.cast(column, pa.float64())
        columns.append(column)
    table = pa.table(columns, names=rows.column_names)
    # split_blocks: a column without nulls becomes a view of its Arrow buffer, not a copy.
    return table.to_pandas(date_as_object=True, coerce_temporal_nanoseconds=True, split_blocks=True)
