"""The lake I/O contract shared by both Delta writers.

Every job reads and writes tables only through a `Lake`. Writes are staged first
(write-audit-publish): `stage()` puts data files in place without publishing them, the caller
may validate `StagedWrite.dataframe`, then `commit()` publishes atomically or `abort()`
discards. A staged write can outlive its process: `describe()` gives a JSON-able record that
`Lake.restore_staged()` turns back into the write, so one task stages and another publishes.
The convenience calls `append`, `replace_partitions` and `merge` stage and commit
in one go.
"""

from __future__ import annotations

import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from livelake.lake import storage
from livelake.lake.registry import Table
from livelake.lake.registry import table as table_named

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

WriteMode = Literal["append", "replace_partitions", "overwrite"]


# Readers may time-travel this far back; vacuum deletes older unreferenced files (Delta's
# own default: 7 days).
DEFAULT_RETENTION_HOURS = 168


class LakeError(RuntimeError):
    """Base of the lake's errors: each message names the table and what to do."""


class SchemaMismatchError(LakeError):
    """Data or declaration is incompatible with the table's schema."""


class CommitConflictError(LakeError):
    """Another writer committed a conflicting change first."""


@dataclass(frozen=True)
class RunContext:
    """Who is writing: carried into every commit's metadata and idempotency token."""

    job: str
    day: date | None = None
    run_id: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    )

    def for_job(self, job: str) -> RunContext:
        return RunContext(job=job, day=self.day, run_id=self.run_id)

    def for_day(self, day: date) -> RunContext:
        return RunContext(job=self.job, day=day, run_id=self.run_id)

    def token(self, table: Table, sequence: int = 0) -> str:
        """The idempotency token of this run's `sequence`-th commit to `table`."""
        day = self.day.isoformat() if self.day else "-"
        return f"livelake:{self.run_id}:{self.job}:{day}:{table.qualified_name}:{sequence}"

    def metadata(self) -> dict[str, str]:
        return {
            "livelake.run_id": self.run_id,
            "livelake.job": self.job,
            "livelake.day": self.day.isoformat() if self.day else "",
        }


# Commit-info keys of a staged commit: the rows it added and the partitions it replaced (what
# `livelake history` shows; delta-rs records no metrics for a transaction it did not write).
ROWS_KEY = "livelake.rows"
PARTITIONS_KEY = "livelake.partitions"
# The idempotency token a commit carries (also its app-transaction id): finds its version.
TOKEN_KEY = "livelake.token"


def _write_parquet(df: DataFrame, partition_by: Sequence[str], uri: str) -> None:
    """Spark writes `df` as Parquet into the new folder `uri`."""
    writer = df.write.mode("error")  # Connect knows only this spelling
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(storage.spark_uri(uri))


def new_write_id() -> str:
    """A staged write's name; it starts with its Unix time so vacuum can tell stale ones."""
    return f"{int(time.time())}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class CommitResult:
    """What a commit did. `version` is the table version that holds the data."""

    table: str
    version: int
    applied: bool
    files_added: int
    files_removed: int
    rows_added: int

    @property
    def skipped(self) -> bool:
        return not self.applied


class StagedWrite(ABC):
    """Data files written but not yet published. Commit or abort exactly once."""

    table: Table
    mode: WriteMode
    partitions: tuple[Any, ...] | None

    @property
    @abstractmethod
    def dataframe(self) -> DataFrame:
        """The staged rows exactly as they will be published (for the gate)."""

    @abstractmethod
    def arrow(self, columns: list[str] | None = None) -> pa.Table:
        """The staged rows read straight from the staged files, no Spark job (for the gate)."""

    @property
    @abstractmethod
    def rows(self) -> int:
        """How many rows are staged (from file metadata, no scan)."""

    @abstractmethod
    def commit(self, ctx: RunContext, token: str | None = None) -> CommitResult:
        """Publish atomically; a token already in the log makes this a no-op.

        The default token names this staged write, so committing the same staged write again
        (a retried task that restored it) is a no-op too.
        """

    @abstractmethod
    def abort(self) -> None:
        """Discard the staged files; the table is untouched."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What `Lake.restore_staged` needs to rebuild this write elsewhere (JSON-able)."""


class Lake(ABC):
    """The narrow interface every job uses to touch tables."""

    writer_name: str
    lake_root: str

    @abstractmethod
    def uri(self, table: Table) -> str:
        """Where the table's Delta log and files live."""

    @abstractmethod
    def exists(self, table: Table) -> bool: ...

    @abstractmethod
    def version(self, table: Table) -> int | None:
        """Latest committed version, or None if the table does not exist yet."""

    @abstractmethod
    def read(
        self, table: Table, version: int | None = None, timestamp: datetime | None = None
    ) -> DataFrame:
        """Read the table (optionally as of a version or a time) as a Spark DataFrame."""

    def stage(
        self,
        table: Table,
        df: DataFrame,
        mode: WriteMode,
        partitions: Sequence[Any] | None = None,
        read_version: int | None = None,
    ) -> StagedWrite:
        """Write `df`'s files for `table` without publishing them. A write computed from
        the table's `read_version` (a merge) conflicts with any commit after it that touched
        what it replaces."""
        from livelake.lake.conform import conform

        if mode == "replace_partitions" and not table.partition_by:
            raise LakeError(f"{table.qualified_name} is not partitioned; use overwrite")
        self.ensure(table)
        staging = self._new_staging(table)
        _write_parquet(conform(df, table), table.partition_by, staging)
        return self._staged(table, staging, mode, partitions, read_version)

    @abstractmethod
    def ensure(self, table: Table) -> Any:
        """Create the table from its declaration if it does not exist yet."""

    @abstractmethod
    def _staged(
        self,
        table: Table,
        staging_uri: str,
        mode: WriteMode,
        partitions: Sequence[Any] | None = None,
        read_version: int | None = None,
    ) -> StagedWrite:
        """The Parquet files a Spark write left in `staging_uri` (a new folder under the
        table's `_staging/`), as the table's staged write."""

    def stage_each(
        self, tables: Mapping[str, Table], df: DataFrame, by: str
    ) -> dict[str, StagedWrite]:
        """Append-stage `df` into tables declared alike in one Spark write, each row into the
        table its column `by` names; a table no row names gets an empty staged write.

        Bronze stages a day's every source so: one Spark job, where a job per source was most
        of a small day's bronze time.
        """
        from livelake.lake.conform import conform

        first = next(iter(tables.values()))
        layout = (first.columns, first.partition_by)
        unlike = [
            t.qualified_name for t in tables.values() if (t.columns, t.partition_by) != layout
        ]
        if unlike:
            raise LakeError(
                f"stage_each needs tables declared alike: {', '.join(unlike)} differ from "
                f"{first.qualified_name} in columns or partitioning"
            )
        for declared in tables.values():
            self.ensure(declared)
        shared = self._new_staging(first)
        _write_parquet(conform(df, first, keep=[by]), (by, *first.partition_by), shared)
        fs, shared_path = storage.filesystem(shared)
        staged = {}
        for name, declared in tables.items():
            staging = self._new_staging(declared)
            rows = f"{shared_path}/{storage.partition_path({by: name})}"
            storage.move_tree(fs, rows, storage.filesystem(staging)[1])
            staged[name] = self._staged(declared, staging, "append")
        fs.delete_dir(shared_path)
        return staged

    def _new_staging(self, table: Table) -> str:
        """A new folder for a write's files under the table's `_staging/` (Delta's vacuum
        leaves folders whose name starts with `_` alone; ours purges stale ones)."""
        return f"{self.uri(table)}/{storage.STAGING_DIR}/{new_write_id()}"

    def restore_staged(self, description: dict[str, Any]) -> StagedWrite:
        """The staged write `StagedWrite.describe()` described (staged by another process)."""
        if description.get("writer") != self.writer_name:
            raise LakeError(
                f"{description.get('table')}: staged by the {description.get('writer')} writer; "
                f"this lake uses {self.writer_name}. Stage and publish with the same writer."
            )
        return self._restore_staged(description, table_named(description["table"]))

    @abstractmethod
    def _restore_staged(self, description: dict[str, Any], table: Table) -> StagedWrite: ...

    @abstractmethod
    def append_records(
        self,
        table: Table,
        records: Sequence[dict[str, Any]],
        ctx: RunContext,
        token: str | None = None,
    ) -> CommitResult:
        """Append a few driver-side records (audit rows, ledgers) without Spark."""

    def history(self, table: Table, limit: int | None = None) -> list[dict[str, Any]]:
        """Commits newest first, with livelake run metadata (whichever writer committed)."""
        from deltalake import DeltaTable

        from livelake.lake.log import commits

        return commits(DeltaTable(self.uri(table)), limit) if self.exists(table) else []

    @abstractmethod
    def optimize(self, table: Table, ctx: RunContext) -> dict[str, Any]:
        """Compact small files (a data-preserving rewrite)."""

    @abstractmethod
    def vacuum(self, table: Table, retention_hours: int = DEFAULT_RETENTION_HOURS) -> list[str]:
        """Delete files no version within the retention references; returns them."""

    def _purge_stale_staging(self, table: Table, retention_hours: int) -> list[str]:
        """Staging folders of writes that died before their commit (Delta's vacuum skips
        folders whose name starts with `_`)."""
        fs, root = storage.filesystem(self.uri(table))
        base = f"{root}/{storage.STAGING_DIR}"
        cutoff = datetime.now(UTC) - timedelta(hours=retention_hours)
        selector = storage.pafs.FileSelector(base, allow_not_found=True)
        removed = []
        for info in fs.get_file_info(selector):
            started = int(info.base_name.split("-", 1)[0]) if "-" in info.base_name else 0
            if datetime.fromtimestamp(started, UTC) <= cutoff:
                fs.delete_dir(info.path)
                removed.append(info.path)
        return removed

    def file_statistics(self, table: Table) -> pa.Table:
        """One row per data file of the current version, from the Delta log alone: its
        partition values (`partition.<column>`), `num_records` and per-column `min.<column>`
        / `max.<column>`. Both writers' logs carry them; no data file is read."""
        import pyarrow as pa
        from deltalake import DeltaTable

        return pa.table(DeltaTable(self.uri(table)).get_add_actions(flatten=True))

    def partition_rows(self, table: Table, value: Any) -> int | None:
        """Rows of `table` in its partition `value` (first partition column), summed from
        the Delta log's per-file counts; 0 for a table that does not exist, None when a
        file of that partition has no count in the log."""
        if not self.exists(table):
            return 0
        files = self.file_statistics(table)
        partitions = files[f"partition.{table.partition_by[0]}"].to_pylist()
        counts = files["num_records"].to_pylist()
        mine = [n for p, n in zip(partitions, counts, strict=True) if p == value]
        return None if None in mine else sum(mine)

    def keys_after(self, table: Table, key: str, staged: Sequence[StagedWrite]) -> pa.Array | None:
        """Distinct non-null `key` values of `table` once `staged` is published: the staged
        rows, plus the published ones unless a staged overwrite replaces them all. None when
        the table has neither (nothing to check keys against). Read from the files' `key`
        column on the driver (a broadcast of them would collect them there anyway): no Spark
        job, where a distinct over Spark reads is a shuffle and a broadcast per dimension."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from livelake.lake.read import read_arrow

        mine = [w for w in staged if w.table == table]
        parts = [w.arrow([key])[key] for w in mine]
        if self.exists(table) and not any(w.mode == "overwrite" for w in mine):
            parts.append(read_arrow(table, columns=[key], lake_root=self.lake_root)[key])
        if not parts:
            return None
        values = pa.chunked_array([c for part in parts for c in part.chunks], pa.string())
        return pc.unique(values.drop_null())

    # Convenience: stage + commit -------------------------------------------------------

    def append(
        self, table: Table, df: DataFrame, ctx: RunContext, token: str | None = None
    ) -> CommitResult:
        return self.stage(table, df, "append").commit(ctx, token)

    def replace_partitions(
        self,
        table: Table,
        df: DataFrame,
        partitions: Sequence[Any],
        ctx: RunContext,
        token: str | None = None,
    ) -> CommitResult:
        """Replace exactly the listed partitions (values of the first partition column)."""
        return self.stage(table, df, "replace_partitions", partitions).commit(ctx, token)

    def overwrite(
        self, table: Table, df: DataFrame, ctx: RunContext, token: str | None = None
    ) -> CommitResult:
        return self.stage(table, df, "overwrite").commit(ctx, token)

    def merge(
        self,
        table: Table,
        df: DataFrame,
        ctx: RunContext,
        keys: Sequence[str] | None = None,
        token: str | None = None,
    ) -> CommitResult:
        """Upsert by key: rows of `df` replace rows with the same key, others are kept.

        Copy-on-write at partition granularity: only the partitions `df` touches are
        rewritten (the whole table when it is unpartitioned).
        """
        return self.stage_merge(table, df, keys).commit(ctx, token)

    def stage_merge(
        self, table: Table, df: DataFrame, keys: Sequence[str] | None = None
    ) -> StagedWrite:
        from pyspark.sql import functions as F

        from livelake.lake.conform import conform, merged_rows

        keys = list(keys or table.keys)
        if not keys:
            raise SchemaMismatchError(f"{table.qualified_name}: merge needs key columns")
        incoming = conform(df, table)
        # Conflict detection starts from the version the merge reads, before it stages.
        read_version = self.version(table)
        if read_version is None:
            return self.stage(table, incoming, "append")
        current = self.read(table, version=read_version)
        if not table.partition_by:
            result = merged_rows(current, incoming, keys)
            return self.stage(table, result, "overwrite", read_version=read_version)
        part = table.partition_by[0]
        touched = sorted(
            r[0] for r in incoming.select(part).distinct().collect() if r[0] is not None
        )
        result = merged_rows(current.where(F.col(part).isin(touched)), incoming, keys)
        return self.stage(table, result, "replace_partitions", touched, read_version)
