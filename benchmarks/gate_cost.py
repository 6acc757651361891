"""What the quality gate costs next to the write it guards: `python -m benchmarks.gate_cost`.

Builds `--rows` synthetic `silver/views` rows for two days in Spark, then for each day times
staging the write, the default gate (suite build, metrics pass, GE checkpoint, Data Docs,
audit rows) and the commit. Day 2 carries the history rules (no-collapse) and is the steady
state. The share is pessimistic: a real stage also reads and transforms before it writes.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date, timedelta


def synthetic_views(spark, rows: int, day: date):
    from pyspark.sql import functions as F

    return spark.range(rows).select(
        F.concat(F.lit(f"{day}-"), F.col("id").cast("string")).alias("event_id"),
        F.when(F.col("id") % 2 == 0, "enter").otherwise("leave").alias("event_type"),
        (
            F.lit(f"{day} 10:00:00").cast("timestamp")
            + F.expr("make_interval(0,0,0,0,0,0,id % 3600)")
        ).alias("event_time"),
        F.lit(day).alias("event_date"),
        F.concat(F.lit("u"), (F.col("id") % 997).cast("string")).alias("user_id"),
        F.concat(F.lit("s"), (F.col("id") % 31).cast("string")).alias("session_id"),
        F.concat(F.lit("v"), (F.col("id") / 2).cast("long").cast("string")).alias("visit_id"),
        F.when(F.col("id") % 2 == 1, F.col("id") % 600).alias("dwell_seconds"),
        F.lit("feed").alias("channel"),
        F.lit(None).cast("string").alias("device_pseudonym"),
        F.lit(None).cast("string").alias("ip_pseudonym"),
        F.lit("platform").alias("source"),
        F.lit(day).alias("delivery_date"),
        F.lit(f"platform/dt={day}/events/views/views.jsonl.gz").alias("source_file"),
        (F.col("id") + 1).alias("line_number"),
        F.lit(None).cast("string").alias("extra_fields"),
        F.lit("bench").alias("run_id"),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    lake = tempfile.mkdtemp(prefix="livelake-gate-bench-")
    os.environ["LIVELAKE_LAKE_ROOT"] = lake
    os.environ.setdefault("LIVELAKE_PII_KEY", "bench")
    from livelake.config import load_settings, settings
    from livelake.jobs.context import JobContext
    from livelake.jobs.publish import publish
    from livelake.lake.tables.silver import VIEWS
    from livelake.spark import get_spark

    spark = get_spark(load_settings(spark_master="local[2]", shuffle_partitions=2))
    ctx = JobContext.create(settings(), job="bench", spark=spark)
    days = []
    for offset in range(2):
        day = date(2026, 1, 1) + timedelta(days=offset)
        job = ctx.job("silver", day)
        started = time.monotonic()
        staged = job.lake.stage(
            VIEWS, synthetic_views(spark, args.rows, day), "replace_partitions", [day]
        )
        staged_at = time.monotonic()
        publication = publish(job, "silver", day, [staged])
        done = time.monotonic()
        gate = publication.gate.seconds
        days.append(
            {
                "day": day.isoformat(),
                "stage_write_seconds": round(staged_at - started, 2),
                "gate_seconds": round(gate, 2),
                "commit_and_record_seconds": round(done - staged_at - gate, 2),
                "expectations": publication.gate.expectations,
                "gate_share": round(gate / (done - started), 3),
            }
        )
    print(json.dumps({"rows_per_day": args.rows, "lake": lake, "days": days}))


if __name__ == "__main__":
    main()
