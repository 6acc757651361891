"""Native Delta writer: Spark commits with the Delta Spark jars (`make install` fetches them).

Same contract as the delta-rs writer: stage Parquet under `_staging/`, let the gate read it,
then publish with one Delta commit carrying run metadata (`userMetadata`) and an idempotency
token (`txnAppId`/`txnVersion`, which Delta uses to skip a commit it has already applied).
Metadata reads (versions, history, schema, tokens) go through the log with delta-rs: no Spark
job, and the same answers whichever writer committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from deltalake import DeltaTable

from livelake.column_types import spark_type
from livelake.lake import storage
from livelake.lake.base import (
    DEFAULT_RETENTION_HOURS,
    TOKEN_KEY,
    CommitConflictError,
    CommitResult,
    Lake,
    LakeError,
    RunContext,
    SchemaMismatchError,
    StagedWrite,
    WriteMode,
)
from livelake.lake.log import added_columns, paths, version_of_token
from livelake.lake.read import commit_version_at, read_files
from livelake.lake.registry import Table

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

USER_METADATA = "spark.databricks.delta.commitInfo.userMetadata"
RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
# VACUUM lists the table's folders in this many tasks (Spark's default: 10,000, which cost a
# small table over a minute of empty tasks per listing); a table's folders are a few hundred.
LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
VACUUM_LISTING_TASKS = "8"


def _literal(value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def _session_conf(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    before = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


class DeltaSparkStagedWrite(StagedWrite):
    def __init__(
        self,
        lake: DeltaSparkLake,
        table: Table,
        mode: WriteMode,
        staging_uri: str,
        partitions: Sequence[Any] | None,
        read_version: int | None,
    ) -> None:
        self._lake = lake
        self.table = table
        self.mode = mode
        self.staging_uri = staging_uri
        self.partitions = tuple(partitions) if partitions is not None else None
        self.read_version = read_version
        self._rows: int | None = None

    @property
    def dataframe(self) -> DataFrame:
        return self._lake.spark.read.schema(self.table.spark_schema()).parquet(
            storage.spark_uri(self.staging_uri)
        )

    def arrow(self, columns: list[str] | None = None) -> pa.Table:
        fs, path = storage.filesystem(self.staging_uri)
        files = [f"{path}/{f}" for f in storage.list_parquet(fs, path)]
        return read_files(self.table, fs, path, files, columns)

    @property
    def rows(self) -> int:
        """Counted from the staged files' footers once: publishing removes those files, and a
        stage reports its rows after it published."""
        if self._rows is None:
            fs, path = storage.filesystem(self.staging_uri)
            self._rows = sum(
                storage.footer_stats(fs, f"{path}/{f}")[0] for f in storage.list_parquet(fs, path)
            )
        return self._rows

    def abort(self) -> None:
        fs, path = storage.filesystem(self.staging_uri)
        if fs.get_file_info(path).type != storage.pafs.FileType.NotFound:
            fs.delete_dir(path)

    def describe(self) -> dict[str, Any]:
        return {
            "writer": DeltaSparkLake.writer_name,
            "table": self.table.qualified_name,
            "mode": self.mode,
            "staging_uri": self.staging_uri,
            "read_version": self.read_version,
            "partitions": None if self.partitions is None else [str(v) for v in self.partitions],
        }

    def commit(self, ctx: RunContext, token: str | None = None) -> CommitResult:
        # The staging folder's name identifies this staged write across processes.
        write_id = self.staging_uri.rsplit("/", 1)[1]
        token = token or f"livelake:{self.table.qualified_name}:{write_id}"
        name, uri = self.table.qualified_name, self._lake.uri(self.table)
        rows = self.rows
        before = DeltaTable(uri) if self._lake.exists(self.table) else None
        if before is not None and before.transaction_version(token) is not None:
            self.abort()  # published before (a retried commit): keep the table as it is
            return CommitResult(name, before.version(), False, 0, 0, 0)
        fs, path = storage.filesystem(self.staging_uri)
        if fs.get_file_info(path).type == storage.pafs.FileType.NotFound:
            raise LakeError(f"{name}: the staged files at {self.staging_uri} are gone")
        if self.mode == "replace_partitions" and not self.partitions:
            self.abort()
            raise LakeError(f"{name}: replace_partitions needs days")
        try:
            new_columns = added_columns(self.table, before) if before is not None else []
        except SchemaMismatchError:
            self.abort()
            raise
        if self.read_version is not None:
            self._refuse_changes_since_read(ctx)
        metadata = {**ctx.metadata(), TOKEN_KEY: token, "livelake.writer": "delta-spark"}
        writer = (
            self.dataframe.write.format("delta")
            .option("txnAppId", token)
            .option("txnVersion", 1)
            .option("userMetadata", json.dumps(metadata))
            .option("mergeSchema", str(bool(new_columns)).lower())
            .partitionBy(*self.table.partition_by)
            .mode("append" if self.mode == "append" else "overwrite")
        )
        if self.mode == "replace_partitions":
            values = ", ".join(_literal(v) for v in self.partitions or ())
            writer = writer.option("replaceWhere", f"{self.table.partition_by[0]} IN ({values})")
        try:
            writer.save(storage.spark_uri(uri))
        except Exception as exc:
            self.abort()
            if "Concurrent" in type(exc).__name__ or "DELTA_CONCURRENT" in str(exc):
                raise self._conflict(ctx, str(exc).splitlines()[0]) from None
            raise
        self.abort()
        version = version_of_token(uri, token, None if before is None else before.version(), name)
        old = paths(DeltaTable(uri, version - 1)) if version > 0 else set()
        new = paths(DeltaTable(uri, version))
        return CommitResult(name, version, True, len(new - old), len(old - new), rows)

    def _refuse_changes_since_read(self, ctx: RunContext) -> None:
        """A merge replaces what it read at `read_version`: a commit since then that changed
        those files (the partitions it replaces, or any file when it overwrites) would be
        lost. Checked just before the write; Delta's own checks cover the write itself."""
        uri = self._lake.uri(self.table)
        read, latest = DeltaTable(uri, self.read_version), DeltaTable(uri)
        if latest.version() == self.read_version:
            return
        changed = paths(read) ^ paths(latest)
        if self.mode == "replace_partitions":
            part = self.table.partition_by[0]
            mine = {storage.partition_path({part: str(v)}) + "/" for v in self.partitions or ()}
            changed = {p for p in changed if any(p.startswith(m) for m in mine)}
        if changed:
            self.abort()
            raise self._conflict(
                ctx, f"versions {self.read_version + 1}..{latest.version()} changed its files"
            )

    def _conflict(self, ctx: RunContext, detail: str) -> CommitConflictError:
        return CommitConflictError(
            f"{self.table.qualified_name}: another writer committed a conflicting change "
            f"while {ctx.job} (run {ctx.run_id}) was writing; nothing of this write was "
            f"published — rerun the job. ({detail})"
        )


class DeltaSparkLake(Lake):
    """Uses `io.delta` classes on the Spark classpath."""

    writer_name = "delta-spark"

    def __init__(self, spark: SparkSession, lake_root: str) -> None:
        self.spark = spark
        self.lake_root = lake_root

    def uri(self, table: Table) -> str:
        return storage.table_uri(self.lake_root, table)

    def exists(self, table: Table) -> bool:
        return DeltaTable.is_deltatable(self.uri(table))

    def version(self, table: Table) -> int | None:
        return DeltaTable(self.uri(table)).version() if self.exists(table) else None

    def read(
        self, table: Table, version: int | None = None, timestamp: datetime | None = None
    ) -> DataFrame:
        if not self.exists(table):
            raise LakeError(
                f"{table.qualified_name} does not exist yet at {self.uri(table)}: run the job "
                f"that writes it first (`livelake run`)"
            )
        if timestamp is not None:
            # Spark's timestampAsOf goes by log file times; the recorded commit time does not move.
            version = commit_version_at(
                DeltaTable(self.uri(table)), timestamp, table.qualified_name
            )
        reader = self.spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        return reader.load(storage.spark_uri(self.uri(table)))

    def _staged(
        self,
        table: Table,
        staging_uri: str,
        mode: WriteMode,
        partitions: Sequence[Any] | None = None,
        read_version: int | None = None,
    ) -> DeltaSparkStagedWrite:
        """The staged files stay where Spark wrote them; the commit writes their rows."""
        return DeltaSparkStagedWrite(self, table, mode, staging_uri, partitions, read_version)

    def ensure(self, table: Table) -> None:
        """Create the table from its declaration, as the delta-rs writer does: a first write
        would otherwise create it without the declared properties (which columns Delta keeps
        statistics of) and without its description. SQL, so a Connect session can too."""
        if self.exists(table):
            return
        columns = ", ".join(
            f"`{c.name}` {spark_type(c.type).simpleString()}{'' if c.nullable else ' NOT NULL'}"
            for c in table.columns
        )
        partitioned = (
            f" PARTITIONED BY ({', '.join(f'`{p}`' for p in table.partition_by)})"
            if table.partition_by
            else ""
        )
        properties = ", ".join(
            f"{_literal(k)} = {_literal(v)}" for k, v in table.delta_properties.items()
        )
        self.spark.sql(
            f"CREATE TABLE IF NOT EXISTS delta.`{storage.spark_uri(self.uri(table))}` "
            f"({columns}) USING DELTA{partitioned} COMMENT {_literal(table.grain)}"
            + (f" TBLPROPERTIES ({properties})" if properties else "")
        ).collect()

    def _restore_staged(self, description: dict[str, Any], table: Table) -> StagedWrite:
        return DeltaSparkStagedWrite(
            self,
            table,
            description["mode"],
            description["staging_uri"],
            description["partitions"],
            description.get("read_version"),
        )

    def append_records(
        self,
        table: Table,
        records: Sequence[dict[str, Any]],
        ctx: RunContext,
        token: str | None = None,
    ) -> CommitResult:
        df = self.spark.createDataFrame(list(records), table.spark_schema())
        return self.append(table, df, ctx, token)

    def optimize(self, table: Table, ctx: RunContext) -> dict[str, Any]:
        metadata = {**ctx.metadata(), "livelake.writer": "delta-spark"}
        # SQL, not delta.tables.DeltaTable: over Spark Connect that API needs Delta's Connect
        # plugin on the server; the statement needs only the extension both drivers load.
        location = storage.spark_uri(self.uri(table))
        with _session_conf(self.spark, USER_METADATA, json.dumps(metadata)):
            result = self.spark.sql(f"OPTIMIZE delta.`{location}`").collect()
        return result[0].asDict(recursive=True) if result else {}

    def vacuum(self, table: Table, retention_hours: int = DEFAULT_RETENTION_HOURS) -> list[str]:
        if not self.exists(table):
            return []
        location = storage.spark_uri(self.uri(table))
        statement = f"VACUUM delta.`{location}` RETAIN {retention_hours} HOURS"
        # The retention is livelake's setting (time travel of its runs), not Delta's default.
        with (
            _session_conf(self.spark, RETENTION_CHECK, "false"),
            _session_conf(self.spark, LISTING_PARALLELISM, VACUUM_LISTING_TASKS),
        ):
            removed = [row[0] for row in self.spark.sql(f"{statement} DRY RUN").collect()]
            self.spark.sql(statement).collect()
        return removed + self._purge_stale_staging(table, retention_hours)
