"""What a piece of work costs in Spark jobs: the unit in which a small day pays its overhead.

A 20k-event day is milliseconds of data work but hundreds of Spark jobs, each with its own
scheduling and Delta I/O; counting them per stage, silver table and gated table is what makes
a cost regression visible (`livelake run --profile`, `BENCHMARKS.md`).

Counting uses Spark job tags: a scope adds a tag, every job started while it is open carries
it, and scopes nest (a job inside `silver.views` also counts for `silver`). Only an
in-process driver counts (`livelake.spark.tagged_jobs`); over Spark Connect the count is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from livelake.spark import tagged_jobs

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass
class JobCount:
    label: str
    jobs: int | None = None


@contextmanager
def spark_jobs(spark: SparkSession, label: str) -> Iterator[JobCount]:
    """Count the Spark jobs started inside the block; the count is set when it ends."""
    counted = JobCount(label)
    with tagged_jobs(spark) as count:
        yield counted
    counted.jobs = count()
