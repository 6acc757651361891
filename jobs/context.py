"""What every job receives: Spark, the lake, the settings and who is running."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from livelake.config import Settings, settings
from livelake.lake import Lake, RunContext, open_lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class JobContext:
    spark: SparkSession
    lake: Lake
    settings: Settings
    run: RunContext

    @classmethod
    def create(
        cls,
        cfg: Settings | None = None,
        run_id: str | None = None,
        job: str = "livelake",
        spark: SparkSession | None = None,
    ) -> JobContext:
        from livelake.spark import get_spark

        cfg = cfg or settings()
        spark = spark or get_spark(cfg)
        run = RunContext(job=job) if run_id is None else RunContext(job=job, run_id=run_id)
        return cls(spark=spark, lake=open_lake(spark, cfg), settings=cfg, run=run)

    def job(self, name: str, day: date | None = None) -> JobContext:
        """The same run, seen from one job (and day): what lands in commit metadata."""
        run = RunContext(job=name, day=day or self.run.day, run_id=self.run.run_id)
        return replace(self, run=run)
