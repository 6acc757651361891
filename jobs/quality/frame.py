"""The rows a gate judges: a table's staged files, with its foreign keys resolved.

A gate judges exactly the staged Parquet files that its verdict publishes or refuses. It reads
them with pyarrow, not Spark: the data is already on disk, and reading it again through Spark
costs a dozen jobs per table (GE resolves its metrics level by level) for what are, per run,
a few megabytes to a few hundred. One marker column per foreign key is appended (see
`references.py`), DuckDB measures the drift metrics (`metrics.py`); GE's pandas engine then
decides every expectation on the columns the suite names. No Spark job runs, and no row
passes through the driver's JVM heap. A table wider than `Settings.gate_frame_mb` holds is
judged a piece of its suite at a time (`TableSuite.in_pieces`), each piece reading only its
columns, so a large day cannot run the driver's Python out of memory here either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from livelake.jobs.quality.expectation import RUN_DAY_SCOPE, columns_named, identifiers
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


def staged_rows(writes: Sequence[StagedWrite], columns: list[str]) -> pa.Table:
    """`columns` of all rows a stage staged for one table (one write, or a snapshot per
    rebuilt day)."""
    parts = [w.arrow(columns) for w in writes]
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def gate_columns(suite: TableSuite) -> list[str]:
    """The table's columns the gate reads: those its expectations, references and drift
    metrics name, the day partition, lineage, and the first column (what a row-count-only
    piece reads: `piece_columns`). Free text and other columns nothing checks stay on disk."""
    table = suite.table
    wanted = set(piece_columns(suite, suite.references))
    wanted.update(column for column, _ in tracked(table))
    wanted.update(filter(None, [day_partition(table)]))
    wanted.update(table.column_names[:1])
    return [name for name in table.column_names if name in wanted]


def staged_reader(
    writes: Sequence[StagedWrite], suite: TableSuite, width: int
) -> Callable[[list[str]], pa.Table]:
    """How the gate reads columns of a table's staged rows: a table whose gate columns fit in
    `width` is read once, and its metrics and every suite part select from that read; a
    wider one is read from the files again for each group of columns, held one at a time."""
    needed = gate_columns(suite)
    if len(needed) <= width:
        return staged_rows(writes, needed).select
    return partial(staged_rows, writes)


def frame_width(rows: int, budget_mb: float) -> int:
    """How many columns of `rows` rows one gate frame may hold within `budget_mb` (at least
    one): at 8 bytes a cell, a number or a timestamp in pandas."""
    return max(1, int(budget_mb * 2**20 // (max(rows, 1) * 8)))


def piece_references(piece: TableSuite, references: Sequence[Reference]) -> list[Reference]:
    """The references whose marker column an expectation of `piece` reads."""
    named = {c for config in piece.expectations for c in columns_named(config)}
    return [r for r in references if r.marker in named]


def piece_columns(piece: TableSuite, references: Sequence[Reference]) -> list[str]:
    """The table's columns the gate reads for one piece of a suite: those its expectations
    name, the foreign keys (and the columns of their `when`) of the piece's `references`
    (`piece_references`), lineage, and the day partition that selects a `run_day` piece's
    rows."""
    table = piece.table
    wanted = set(suite_columns(table, piece.expectations, table.column_names))
    for reference in references:
        wanted.add(reference.column)
        wanted.update(identifiers(reference.when or ""))
    if piece.scope == RUN_DAY_SCOPE:
        wanted.update(filter(None, [day_partition(table)]))
    # pandas keeps no rows in a frame of no columns: a row-count-only piece reads one.
    return [n for n in table.column_names if n in wanted] or table.column_names[:1]


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

    names = sorted(identifiers(condition) & set(rows.column_names))
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
    wanted = {c for config in expectations for c in columns_named(config)}
    wanted.update(c for c in LINEAGE_COLUMNS if c in table.column_names)
    return [n for n in names if n in wanted]


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
    # One consolidated block per dtype: GE copies the frame for every domain it filters
    # (`dropna`), and a frame of one block per column is consolidated anew in each copy
    # (about a fifth of the 2M-event day's training gate CPU, side by side).
    return table.to_pandas(date_as_object=True, coerce_temporal_nanoseconds=True)
