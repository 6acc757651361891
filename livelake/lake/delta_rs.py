"""Delta writer for machines without the Delta Spark jars.

Spark executors write Parquet into a hidden `_staging/<write id>/` folder of the table; the
driver moves those files to their Hive-style place in the table folder (a rename: no data is
read), reads their footers for statistics, and commits add/remove actions to the Delta log
with delta-rs. Until that commit no Delta reader sees them; a crash leaves only orphans that
`vacuum` removes. Each commit carries run metadata and an app-transaction idempotency token.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from deltalake.transaction import AddAction, CommitProperties, Transaction

from livelake.lake import storage
from livelake.lake.base import (
    DEFAULT_RETENTION_HOURS,
    PARTITIONS_KEY,
    ROWS_KEY,
    TOKEN_KEY,
    CommitConflictError,
    CommitResult,
    Lake,
    LakeError,
    RunContext,
    StagedWrite,
    WriteMode,
)
from livelake.lake.log import added_columns, paths, version_of_token
from livelake.lake.read import commit_version_at, read_files
from livelake.lake.registry import Table

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MAX_COMMIT_RETRIES = 5


def _partition_literal(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


class DeltaRsStagedWrite(StagedWrite):
    """Files moved into the table folder but not yet in its log."""

    def __init__(
        self,
        lake: DeltaRsLake,
        table: Table,
        mode: WriteMode,
        files: list[storage.DataFile],
        partitions: Sequence[Any] | None,
        read_version: int | None,
        write_id: str,
    ) -> None:
        self._lake = lake
        self.write_id = write_id
        self.table = table
        self.mode = mode
        self.files = files
        self.partitions = tuple(partitions) if partitions is not None else None
        self.read_version = read_version
        self._done = False

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def dataframe(self) -> DataFrame:
        root = self._lake.uri(self.table)
        paths = [f"{storage.spark_uri(root)}/{f.relative_path}" for f in self.files]
        return self._lake.spark_read(self.table, paths)

    def arrow(self, columns: list[str] | None = None) -> pa.Table:
        fs, root = storage.filesystem(self._lake.uri(self.table))
        paths = [f"{root}/{f.relative_path}" for f in self.files]
        return read_files(self.table, fs, root, paths, columns)

    def abort(self) -> None:
        """Delete the staged files, never one the table's log references (a retried task may
        abort a write an earlier attempt published)."""
        fs, root = storage.filesystem(self._lake.uri(self.table))
        published = paths(DeltaTable(self._lake.uri(self.table))) if self.files else set()
        for data_file in self.files:
            if data_file.relative_path not in published:
                fs.delete_file(f"{root}/{data_file.relative_path}")
        self._done = True

    def describe(self) -> dict[str, Any]:
        return {
            "writer": DeltaRsLake.writer_name,
            "table": self.table.qualified_name,
            "mode": self.mode,
            "write_id": self.write_id,
            "read_version": self.read_version,
            "partitions": None
            if self.partitions is None
            else [_partition_literal(v) for v in self.partitions],
            "files": [dataclasses.asdict(f) for f in self.files],
        }

    def commit(self, ctx: RunContext, token: str | None = None) -> CommitResult:
        if self._done:
            raise LakeError(f"{self.table.qualified_name}: this staged write was already closed")
        token = token or f"livelake:{self.table.qualified_name}:{self.write_id}"
        uri = self._lake.uri(self.table)
        latest = DeltaTable(uri)
        if latest.transaction_version(token) is not None:
            self.abort()  # published before (a retried commit): keep the table as it is
            return CommitResult(self.table.qualified_name, latest.version(), False, 0, 0, 0)
        self._lake.evolve_schema(self.table, latest)
        snapshot = latest if self.read_version is None else DeltaTable(uri, self.read_version)
        before = paths(snapshot)
        mode = "append" if self.mode == "append" else "overwrite"
        filters = None
        if self.mode == "replace_partitions":
            if not self.partitions:
                self.abort()
                raise LakeError(f"{self.table.qualified_name}: replace_partitions needs days")
            part = self.table.partition_by[0]
            filters = [(part, "in", [_partition_literal(v) for v in self.partitions])]
        now_ms = int(time.time() * 1000)
        actions = [
            AddAction(f.relative_path, f.size_bytes, f.partition_values, now_ms, True, f.stats_json)
            for f in self.files
        ]
        metadata = {
            **ctx.metadata(),
            TOKEN_KEY: token,
            "livelake.writer": "delta-rs",
            ROWS_KEY: str(self.rows),
            **({PARTITIONS_KEY: ", ".join(map(str, filters[0][2]))} if filters else {}),
        }
        try:
            snapshot.create_write_transaction(
                actions,
                mode=mode,
                schema=self.table.arrow_schema(),
                partition_by=list(self.table.partition_by) or None,
                partition_filters=filters,
                commit_properties=CommitProperties(
                    custom_metadata=metadata,
                    app_transactions=[Transaction(token, 1, now_ms)],
                    max_commit_retries=MAX_COMMIT_RETRIES,
                ),
            )
        except CommitFailedError as exc:
            self.abort()
            raise CommitConflictError(
                f"{self.table.qualified_name}: another writer committed a conflicting change "
                f"while {ctx.job} (run {ctx.run_id}) was writing; nothing of this write was "
                f"published — rerun the job. ({exc})"
            ) from None
        self._done = True
        version = version_of_token(uri, token, latest.version(), self.table.qualified_name)
        removed = 0 if mode == "append" else len(before - paths(DeltaTable(uri, version)))
        return CommitResult(
            self.table.qualified_name, version, True, len(self.files), removed, self.rows
        )


class DeltaRsLake(Lake):
    """Spark writes Parquet, delta-rs commits: the embedded default and CI."""

    writer_name = "delta-rs"

    def __init__(self, spark: SparkSession, lake_root: str) -> None:
        self.spark = spark
        self.lake_root = lake_root

    # Locations and metadata ------------------------------------------------------------

    def uri(self, table: Table) -> str:
        return storage.table_uri(self.lake_root, table)

    def _open(self, table: Table, version: int | None = None) -> DeltaTable | None:
        try:
            return DeltaTable(self.uri(table), version=version)
        except TableNotFoundError:
            return None

    def exists(self, table: Table) -> bool:
        return DeltaTable.is_deltatable(self.uri(table))

    def version(self, table: Table) -> int | None:
        dt = self._open(table)
        return None if dt is None else dt.version()

    def ensure(self, table: Table) -> DeltaTable:
        """Create the table from its declaration if it does not exist yet."""
        dt = self._open(table)
        if dt is not None:
            return dt
        return DeltaTable.create(
            self.uri(table),
            table.arrow_schema(),
            mode="ignore",
            partition_by=list(table.partition_by) or None,
            name=table.qualified_name,
            description=table.grain,
            configuration=table.delta_properties or None,
        )

    def evolve_schema(self, table: Table, dt: DeltaTable) -> None:
        """Accept additive nullable columns; refuse type changes and dropped columns."""
        new_fields = added_columns(table, dt)
        if new_fields:
            dt.alter.add_columns(new_fields)

    # Reads -----------------------------------------------------------------------------

    def spark_read(self, table: Table, paths: Sequence[str]) -> DataFrame:
        schema = table.spark_schema()
        if not paths:
            return self.spark.createDataFrame([], schema)
        return (
            self.spark.read.schema(schema)
            .option("basePath", storage.spark_uri(self.uri(table)))
            .parquet(*paths)
        )

    def read(
        self, table: Table, version: int | None = None, timestamp: datetime | None = None
    ) -> DataFrame:
        dt = self._open(table, version)
        if dt is None:
            raise LakeError(
                f"{table.qualified_name} does not exist yet at {self.uri(table)}: run the job "
                f"that writes it first (`livelake run`)"
            )
        if timestamp is not None:
            dt.load_as_version(commit_version_at(dt, timestamp, table.qualified_name))
        return self.spark_read(table, [storage.spark_uri(p) for p in dt.file_uris()])

    # Writes ----------------------------------------------------------------------------

    def _staged(
        self,
        table: Table,
        staging_uri: str,
        mode: WriteMode,
        partitions: Sequence[Any] | None = None,
        read_version: int | None = None,
    ) -> DeltaRsStagedWrite:
        """Moves the staged files into the table's folders (named after the write), where a
        commit adds them to the log as they are."""
        fs, root = storage.filesystem(self.uri(table))
        staging = storage.filesystem(staging_uri)[1]
        write_id = staging.rsplit("/", 1)[1]
        files: list[storage.DataFile] = []
        for relative in storage.list_parquet(fs, staging):
            directory, _, name = relative.rpartition("/")
            target_dir = f"{root}/{directory}" if directory else root
            target = f"{target_dir}/part-{write_id}-{name.removeprefix('part-')}"
            rows, stats = storage.footer_stats(fs, f"{staging}/{relative}", table.free_text_columns)
            if rows == 0:
                fs.delete_file(f"{staging}/{relative}")
                continue
            fs.create_dir(target_dir, recursive=True)
            fs.move(f"{staging}/{relative}", target)
            files.append(
                storage.DataFile(
                    relative_path=target[len(root) + 1 :],
                    size_bytes=fs.get_file_info(target).size,
                    rows=rows,
                    partition_values=storage.partition_values(directory),
                    stats_json=stats,
                )
            )
        fs.delete_dir(staging)
        return DeltaRsStagedWrite(self, table, mode, files, partitions, read_version, write_id)

    def _restore_staged(self, description: dict[str, Any], table: Table) -> DeltaRsStagedWrite:
        return DeltaRsStagedWrite(
            self,
            table,
            description["mode"],
            [storage.DataFile(**f) for f in description["files"]],
            description["partitions"],
            description["read_version"],
            description["write_id"],
        )

    def append_records(
        self,
        table: Table,
        records: Sequence[dict[str, Any]],
        ctx: RunContext,
        token: str | None = None,
    ) -> CommitResult:
        dt = self.ensure(table)
        token = token or f"{ctx.token(table)}:records:{uuid.uuid4().hex[:8]}"
        if dt.transaction_version(token) is not None:
            return CommitResult(table.qualified_name, dt.version(), False, 0, 0, 0)
        data = pa.Table.from_pylist(list(records), schema=table.arrow_schema())
        metadata = {**ctx.metadata(), TOKEN_KEY: token, "livelake.writer": "delta-rs"}
        write_deltalake(
            self.uri(table),
            data,
            mode="append",
            partition_by=list(table.partition_by) or None,
            commit_properties=CommitProperties(
                custom_metadata=metadata,
                app_transactions=[Transaction(token, 1, int(time.time() * 1000))],
                max_commit_retries=MAX_COMMIT_RETRIES,
            ),
        )
        version = version_of_token(self.uri(table), token, dt.version(), table.qualified_name)
        return CommitResult(table.qualified_name, version, True, 1, 0, len(records))

    # Maintenance -----------------------------------------------------------------------

    def optimize(self, table: Table, ctx: RunContext) -> dict[str, Any]:
        dt = self.ensure(table)
        metadata = {**ctx.metadata(), "livelake.writer": "delta-rs"}
        return dt.optimize.compact(commit_properties=CommitProperties(custom_metadata=metadata))

    def vacuum(self, table: Table, retention_hours: int = DEFAULT_RETENTION_HOURS) -> list[str]:
        dt = self._open(table)
        if dt is None:
            return []
        removed = dt.vacuum(
            retention_hours=retention_hours,
            dry_run=False,
            enforce_retention_duration=False,
            full=True,  # also orphans of crashed writes, not only tombstoned files
        )
        removed += self._purge_stale_staging(table, retention_hours)
        return removed
