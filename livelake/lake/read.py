"""Read any lake table without a JVM: Arrow, Polars, pandas or DuckDB.

The Delta log says which Parquet files make up a version (`DeltaTable.file_uris`); pyarrow
reads exactly those, taking partition columns from the Hive-style paths, and the result is
cast to the table's declaration so every engine sees the rows and types Spark sees.
(`DeltaTable.to_pyarrow_dataset` is avoided on purpose: it aborts the process at exit here,
delta-rs issue #2184.)

Time travel by a timestamp goes by the `timestamp` each commit records in its `commitInfo`,
never by the log files' modification times (what `DeltaTable.load_as_version(datetime)` and
Spark's `timestampAsOf` use): copying, restoring or syncing a lake resets those.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError

from livelake.config import settings
from livelake.lake import storage
from livelake.lake.base import LakeError
from livelake.lake.registry import Table, table

Engine = Literal["polars", "pandas", "duckdb", "arrow"]
ENGINES: tuple[str, ...] = get_args(Engine)


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)} (got {engine!r})")


def to_engine(data: pa.Table, engine: str) -> Any:
    """An Arrow table as the frame of the reader's engine.

    pandas gets pyarrow-backed dtypes (what `pd.read_parquet(..., dtype_backend="pyarrow")`
    gives): no copy, money stays exact decimals and a count with nulls stays an integer.
    NumPy dtypes would cost seconds per million rows (a Python `Decimal` per money value)
    and turn such counts into floats; `frame.astype(float)` converts when a library needs it.
    """
    check_engine(engine)
    if engine == "arrow":
        return data
    if engine == "polars":
        import polars as pl

        return pl.from_arrow(data)
    if engine == "pandas":
        import pandas as pd

        return data.to_pandas(types_mapper=pd.ArrowDtype)
    import duckdb

    return duckdb.connect().from_arrow(data)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def _partition_schema(declared: Table) -> pa.Schema:
    schema = declared.arrow_schema()
    return pa.schema([schema.field(name) for name in declared.partition_by])


def _to_declared(data: pa.Table, declared: Table, names: list[str] | None = None) -> pa.Table:
    """`data` with the declared types, and null columns for declared ones the files lack.

    Only the `names` asked for are built: a null column of a few million rows is not free.
    """
    schema = declared.arrow_schema()
    fields = [schema.field(name) for name in names] if names else list(schema)
    columns = []
    for field in fields:
        if field.name in data.column_names:
            columns.append(pc.cast(data.column(field.name), field.type))
        else:
            columns.append(pa.nulls(data.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields, metadata=schema.metadata))


def commit_version_at(dt: DeltaTable, when: datetime, name: str) -> int:
    """The last version committed at or before `when` (naive means UTC), by recorded time.

    Like Delta's own history, a commit recorded earlier than its predecessor (writer clock
    skew) counts as committed just after it, so the answer never goes back in versions.
    """
    cutoff_ms = ((when if when.tzinfo else when.replace(tzinfo=UTC)) - _EPOCH) // _MS
    commits = sorted(dt.history(), key=lambda c: c["version"])
    found, recorded_ms = None, 0
    for commit in commits:
        if commit.get("timestamp") is None:
            raise LakeError(f"{name} version {commit['version']} records no commit timestamp")
        recorded_ms = max(recorded_ms, commit["timestamp"])
        if recorded_ms > cutoff_ms:
            break
        found = int(commit["version"])
    if found is None:
        first = _EPOCH + commits[0]["timestamp"] * _MS
        raise LakeError(
            f"{name} has no commit at or before {when.isoformat()}: its log starts at "
            f"{first.isoformat()}"
        )
    return found


def delta_table(
    declared: Table,
    version: int | None = None,
    as_of: datetime | None = None,
    lake_root: str | None = None,
) -> DeltaTable:
    """The table at `version`, or as committed at `as_of`, or its latest version."""
    uri = storage.table_uri(lake_root or settings().lake_root, declared)
    try:
        dt = DeltaTable(uri, version=version)
    except TableNotFoundError:
        raise LakeError(
            f"{declared.qualified_name} does not exist at {uri}: has `livelake run` written it?"
        ) from None
    except DeltaError:
        if version is None:
            raise
        raise LakeError(
            f"{declared.qualified_name} has no version {version} to read (latest is "
            f"{DeltaTable(uri).version()}; older log entries may have been cleaned up)"
        ) from None
    if as_of is not None:
        dt.load_as_version(commit_version_at(dt, as_of, declared.qualified_name))
    return dt


def read_files(
    declared: Table,
    fs: Any,
    base_dir: str,
    paths: list[str],
    columns: list[str] | None = None,
    filter: pc.Expression | None = None,
) -> pa.Table:
    """The rows of Parquet files under `base_dir` (Hive-style partition folders) as Arrow,
    with the declared types: a table version's files, or a staged write's."""
    if not paths:
        empty = declared.arrow_schema().empty_table()
        return empty.select(columns) if columns else empty
    dataset = pads.dataset(
        paths,
        format="parquet",
        filesystem=fs,
        partitioning=pads.partitioning(_partition_schema(declared), flavor="hive")
        if declared.partition_by
        else None,
        partition_base_dir=base_dir,
    )
    # Read only the asked columns (a snapshot's dates, or five features of fifty).
    present = [c for c in columns if c in dataset.schema.names] if columns else None
    return _to_declared(dataset.to_table(columns=present, filter=filter), declared, columns)


def read_arrow(
    declared: Table,
    version: int | None = None,
    as_of: datetime | None = None,
    columns: list[str] | None = None,
    filter: pc.Expression | None = None,
    lake_root: str | None = None,
) -> pa.Table:
    """The table's rows at a version (or time) as an Arrow table."""
    uri = storage.table_uri(lake_root or settings().lake_root, declared)
    files = delta_table(declared, version, as_of, lake_root).file_uris()
    fs, root = storage.filesystem(uri)
    paths = [storage.filesystem(f)[1] for f in files]
    return read_files(declared, fs, root, paths, columns, filter)


def read_table(
    name: str,
    as_of_version: int | None = None,
    engine: Engine = "polars",
    columns: list[str] | None = None,
    as_of: datetime | None = None,
    lake_root: str | None = None,
    consistent: bool = True,
) -> Any:
    """Read a lake table by name into the engine of your choice, no JVM needed.

    A table a stage publishes through its gate is read at the version `audit/published_runs`
    names for it (its last gated publication), so tables read together come from completed
    publications, never from a run still publishing or one that crashed midway. Bronze and
    the audit ledgers have no publications: each commit of theirs is complete, so they are
    read at their latest version. `consistent=False` reads a gated table's latest commit too;
    `as_of_version` / `as_of` pin a version yourself.

    >>> users = read_table("silver/users", engine="polars")
    """
    declared = table(name)
    pinned = as_of_version is not None or as_of is not None
    if consistent and not pinned and declared.published_by_gate:
        from livelake.lake.published import published_versions

        as_of_version = published_versions(lake_root).get(declared.qualified_name)
        if as_of_version is None:
            raise LakeError(
                f"{declared.qualified_name} has no gated publication in audit/published_runs "
                "yet: run its stage, or read its unpublished commits with consistent=False"
            )
    check_engine(engine)
    return to_engine(
        read_arrow(declared, as_of_version, as_of, columns, lake_root=lake_root), engine
    )
