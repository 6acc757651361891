"""Lake I/O: the only code that knows where tables live and how Delta commits happen.

`open_lake(spark)` returns the writer the configuration asks for (`auto`: delta-rs, until the
native writer has run the whole pipeline; `delta-spark` needs its jars on the classpath);
`read_table` reads any table without a JVM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from livelake.config import Settings, settings
from livelake.lake.base import (
    CommitConflictError,
    CommitResult,
    Lake,
    LakeError,
    RunContext,
    SchemaMismatchError,
    StagedWrite,
)
from livelake.lake.registry import Column, Table, all_tables, table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "Column",
    "CommitConflictError",
    "CommitResult",
    "Lake",
    "LakeError",
    "RunContext",
    "SchemaMismatchError",
    "StagedWrite",
    "Table",
    "all_tables",
    "open_lake",
    "table",
]


def open_lake(spark: SparkSession, cfg: Settings | None = None) -> Lake:
    """The Lake for this deployment, chosen by `Settings.delta_writer`."""
    from livelake.spark import delta_jars_present

    cfg = cfg or settings()
    writer = cfg.delta_writer
    if writer == "delta-spark":
        if not delta_jars_present(spark):
            raise LakeError(
                "delta_writer=delta-spark but io.delta.sql.DeltaSparkSessionExtension is not on "
                "the Spark classpath: install them (make install, needs Maven) or set "
                "LIVELAKE_DELTA_WRITER=auto"
            )
        from livelake.lake.delta_spark import DeltaSparkLake

        return DeltaSparkLake(spark, cfg.lake_root)
    from livelake.lake.delta_rs import DeltaRsLake

    return DeltaRsLake(spark, cfg.lake_root)
