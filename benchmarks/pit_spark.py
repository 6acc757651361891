"""Measurement child: `training_set_spark` on the point-in-time benchmark data.

Usage: python -m benchmarks.pit_spark DATA_DIR OUT_PARQUET
Session start is timed apart; `seconds` covers reading the labels, the join and collecting
the result to Arrow (as the JVM-free engines' seconds cover reading and joining);
`cpu_seconds` adds the JVM's CPU time to the driver's. The same call is then timed again
(`repeat_seconds`): the first call in a session also pays the JVM's compiling the code
paths it runs for the first time, which a data scientist's later calls do not.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.measure import cpu_seconds, emit, peak_rss_mb
from benchmarks.pipeline import SPARK_MASTER
from benchmarks.pit_lake import LABELS_FILE, REFERENCES, as_benchmark_columns, lake_root


def main(data: Path, out: Path) -> None:
    os.environ.update(LIVELAKE_LAKE_ROOT=str(lake_root(data)), LIVELAKE_SPARK_MASTER=SPARK_MASTER)
    from livelake.config import settings
    from livelake.lake import open_lake
    from livelake.retrieval.pit import table_version
    from livelake.retrieval.spark_pit import training_set_spark
    from livelake.spark import get_spark

    settings.cache_clear()
    started = time.perf_counter()
    spark = get_spark(settings())
    spark.range(1).count()
    spark_start_seconds = time.perf_counter() - started
    lake = open_lake(spark, settings())
    versions = {"gold/user_features": table_version("user", lake_root=str(lake_root(data)))}

    started, cpu = time.perf_counter(), cpu_seconds()
    labels = spark.read.parquet(str(data / LABELS_FILE))
    result = training_set_spark(labels, REFERENCES, lake, versions=versions).toArrow()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    started = time.perf_counter()
    labels = spark.read.parquet(str(data / LABELS_FILE))
    training_set_spark(labels, REFERENCES, lake, versions=versions).toArrow()
    repeat_seconds = time.perf_counter() - started

    pq.write_table(as_benchmark_columns(result), out)
    figures = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "repeat_seconds": repeat_seconds,
        "spark_start_seconds": spark_start_seconds,
        "peak_mb": peak_rss_mb()["total"],
        "rows": result.num_rows,
    }
    spark.stop()
    emit(figures)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
