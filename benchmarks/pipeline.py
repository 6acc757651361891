"""Measurement child: push one landed day through the daily stages on one SparkSession.

Usage: python -m benchmarks.pipeline LANDING_ROOT LAKE_ROOT DAY STAGE[,STAGE...]
Prints one JSON line: Spark start seconds, per stage wall seconds, gate seconds, rows
written and status, and the peak resident memory of the driver and the JVM.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date

from benchmarks.measure import cpu_seconds, emit, peak_rss_mb

SPARK_MASTER = "local[2]"
PII_KEY = "benchmark-pii-key-not-secret"


def main(landing_root: str, lake_root: str, day: date, stages: list[str]) -> None:
    # Readers inside the stages resolve the lake from the process settings: point them here.
    os.environ.update(
        LIVELAKE_LAKE_ROOT=lake_root,
        LIVELAKE_LANDING_ROOT=landing_root,
        LIVELAKE_SPARK_MASTER=SPARK_MASTER,
        LIVELAKE_PII_KEY=PII_KEY,
    )
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.orchestration.tasks import execute_day

    settings.cache_clear()
    started = time.perf_counter()
    ctx = JobContext.create(settings(), job="benchmark")
    ctx.spark.range(1).count()  # the first action pays for the JVM warm-up, not a stage
    spark_start_seconds = time.perf_counter() - started
    cpu = {"before": cpu_seconds()}
    reports = execute_day(
        ctx, day, stages, on_report=lambda r: cpu.__setitem__(r.stage, cpu_seconds())
    )
    marks = [cpu["before"], *(cpu[r.stage] for r in reports)]
    figures = {
        "spark_start_seconds": spark_start_seconds,
        "shuffle_partitions": settings().shuffle_partitions,
        "stages": [
            {
                "stage": r.stage,
                "status": r.status,
                "seconds": r.seconds,
                "cpu_seconds": marks[i + 1] - marks[i],
                "gate_seconds": r.gate.seconds if r.gate else 0.0,
                "expectations": r.gate.expectations if r.gate else 0,
                "rows_out": sum(t.rows_out for t in r.tables),
                "tables": {t.table: t.rows_out for t in r.tables},
                "spark_jobs": r.spark_jobs,
                "part_jobs": r.part_jobs,
                "gate_jobs": r.gate.spark_jobs if r.gate else {},
                "message": r.message[:300],
            }
            for i, r in enumerate(reports)
        ],
        "peak_rss_mb": peak_rss_mb(),
    }
    ctx.spark.stop()
    emit(figures)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3]), sys.argv[4].split(","))
