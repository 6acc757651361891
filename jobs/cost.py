"""What a piece of work costs in Spark jobs: the unit in which a small day pays its overhead.

A 20k-event day is milliseconds of data work but hundreds of Spark jobs, each with its own
scheduling and Delta I/O; counting them per stage, silver table and gated table is what makes
a cost regression visible (`livelake run --profile`, `BENCHMARKS.md`).

Counting uses Spark job tags: a scope adds a tag, every job started while it is open carries
it, and scopes nest (a job inside `silver.views` also counts for `silver`). On a session
without a local SparkContext (Spark Connect) nothing is counted and the count is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import uuid4

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass
class JobCount:
    label: str
    jobs: int | None = None


def _context(spark: SparkSession):
    try:
        return spark.sparkContext
    except Exception:  # Spark Connect sessions have no SparkContext
        return None


@contextmanager
def spark_jobs(spark: SparkSession, label: str) -> Iterator[JobCount]:
    """Count the Spark jobs started inside the block; the count is set when it ends."""
    counted = JobCount(label)
    sc = _context(spark)
    if sc is None:
        yield counted
        return
    tag = f"livelake-{uuid4().hex[:12]}"
    sc.addJobTag(tag)
    try:
        yield counted
    finally:
        sc.removeJobTag(tag)
        jvm_context = sc._jsc.sc()  # type: ignore[union-attr]
        # Job events reach the status store through the listener bus: let it catch up first.
        jvm_context.listenerBus().waitUntilEmpty()
        counted.jobs = len(list(jvm_context.statusTracker().getJobIdsForTag(tag)))
