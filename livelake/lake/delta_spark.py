"""Native Delta writer for clusters that ship the Delta Spark jars.

Same contract as the delta-rs writer: stage Parquet under `_staging/`, let the gate read it,
then publish with one Delta commit carrying run metadata (`userMetadata`) and an idempotency
token (`txnAppId`/`txnVersion`, which Delta uses to skip a commit it has already applied).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from livelake.lake import storage
from livelake.lake.base import (
    DEFAULT_RETENTION_HOURS,
    CommitResult,
    Lake,
    LakeError,
    RunContext,
    StagedWrite,
    WriteMode,
)
from livelake.lake.conform import conform
from livelake.lake.read import commit_version_at, read_files
from livelake.lake.registry import Table

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class DeltaSparkStagedWrite(StagedWrite):
    def __init__(
        self,
        lake: DeltaSparkLake,
        table: Table,
        mode: WriteMode,
        staging_uri: str,
        partitions: Sequence[Any] | None,
    ) -> None:
        self._lake = lake
        self.table = table
        self.mode = mode
        self.staging_uri = staging_uri
        self.partitions = tuple(partitions) if partitions is not None else None

    @property
    def dataframe(self) -> DataFrame:
        return self._lake.spark.read.schema(self.table.spark_schema()).parquet(self.staging_uri)

    def arrow(self, columns: list[str] | None = None) -> pa.Table:
        fs, path = storage.filesystem(self.staging_uri)
        paths = [f"{path}/{f}" for f in storage.list_parquet(fs, path)]
        return read_files(self.table, fs, path, paths, columns)

    @property
    def rows(self) -> int:
        fs, path = storage.filesystem(self.staging_uri)
        return sum(
            storage.footer_stats(fs, f"{path}/{f}")[0] for f in storage.list_parquet(fs, path)
        )

    def abort(self) -> None:
        fs, path = storage.filesystem(self.staging_uri)
        fs.delete_dir(path)

    def describe(self) -> dict[str, Any]:
        return {
            "writer": DeltaSparkLake.writer_name,
            "table": self.table.qualified_name,
            "mode": self.mode,
            "staging_uri": self.staging_uri,
            "partitions": None if self.partitions is None else [str(v) for v in self.partitions],
        }

    def commit(self, ctx: RunContext, token: str | None = None) -> CommitResult:
        # The staging folder's name identifies this staged write across processes.
        write_id = self.staging_uri.rsplit("/", 1)[1]
        token = token or f"livelake:{self.table.qualified_name}:{write_id}"
        uri = self._lake.uri(self.table)
        before = self._lake.version(self.table)
        fs, path = storage.filesystem(self.staging_uri)
        if fs.get_file_info(path).type == storage.pafs.FileType.NotFound:
            # Committed by an earlier attempt, which then removed the staging folder.
            return CommitResult(self.table.qualified_name, before or 0, False, 0, 0, 0)
        writer = (
            self.dataframe.write.format("delta")
            .option("txnAppId", token)
            .option("txnVersion", 1)
            .option("userMetadata", json.dumps(ctx.metadata()))
            .partitionBy(*self.table.partition_by)
        )
        if self.mode == "append":
            writer = writer.mode("append")
        elif self.mode == "overwrite":
            writer = writer.mode("overwrite")
        else:
            part = self.table.partition_by[0]
            values = ", ".join(f"'{v}'" for v in self.partitions or ())
            writer = writer.mode("overwrite").option("replaceWhere", f"{part} IN ({values})")
        rows = self.rows
        writer.save(storage.spark_uri(uri))
        self.abort()
        after = self._lake.version(self.table)
        applied = after != before
        return CommitResult(
            self.table.qualified_name, after or 0, applied, 0, 0, rows if applied else 0
        )


class DeltaSparkLake(Lake):
    """Uses `io.delta` classes on the Spark classpath."""

    writer_name = "delta-spark"

    def __init__(self, spark: SparkSession, lake_root: str) -> None:
        self.spark = spark
        self.lake_root = lake_root

    def uri(self, table: Table) -> str:
        return storage.table_uri(self.lake_root, table)

    def _delta_table(self, table: Table):
        from delta.tables import DeltaTable

        return DeltaTable.forPath(self.spark, storage.spark_uri(self.uri(table)))

    def exists(self, table: Table) -> bool:
        from delta.tables import DeltaTable

        return DeltaTable.isDeltaTable(self.spark, storage.spark_uri(self.uri(table)))

    def version(self, table: Table) -> int | None:
        if not self.exists(table):
            return None
        return self._delta_table(table).history(1).collect()[0]["version"]

    def read(
        self, table: Table, version: int | None = None, timestamp: datetime | None = None
    ) -> DataFrame:
        if not self.exists(table):
            raise LakeError(f"{table.qualified_name} does not exist yet at {self.uri(table)}")
        reader = self.spark.read.format("delta")
        if version is not None:
            reader = reader.option("versionAsOf", version)
        if timestamp is not None:
            # Spark's timestampAsOf goes by log file times; the recorded commit time does not move.
            from deltalake import DeltaTable as LogReader

            recorded = commit_version_at(
                LogReader(self.uri(table)), timestamp, table.qualified_name
            )
            reader = reader.option("versionAsOf", recorded)
        return reader.load(storage.spark_uri(self.uri(table)))

    def stage(
        self,
        table: Table,
        df: DataFrame,
        mode: WriteMode,
        partitions: Sequence[Any] | None = None,
    ) -> StagedWrite:
        staging = f"{self.uri(table)}/{storage.STAGING_DIR}/{uuid.uuid4().hex}"
        conform(df, table).write.parquet(storage.spark_uri(staging))
        return DeltaSparkStagedWrite(self, table, mode, staging, partitions)

    def _restore_staged(self, description: dict[str, Any], table: Table) -> StagedWrite:
        return DeltaSparkStagedWrite(
            self,
            table,
            description["mode"],
            description["staging_uri"],
            description["partitions"],
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

    def history(self, table: Table, limit: int | None = None) -> list[dict[str, Any]]:
        if not self.exists(table):
            return []
        rows = self._delta_table(table).history(limit).collect()
        return [row.asDict(recursive=True) for row in rows]

    def optimize(self, table: Table, ctx: RunContext) -> dict[str, Any]:
        result = self._delta_table(table).optimize().executeCompaction().collect()
        return result[0].asDict(recursive=True) if result else {}

    def vacuum(self, table: Table, retention_hours: int = DEFAULT_RETENTION_HOURS) -> list[str]:
        self._delta_table(table).vacuum(retention_hours / 1.0)
        return []
