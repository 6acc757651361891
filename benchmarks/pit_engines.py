"""One point-in-time join engine per process, so time and peak memory are its own.

Usage: python -m benchmarks.pit_engines ENGINE DATA_DIR OUT_PARQUET
Prints one JSON line: seconds (reading the inputs and joining; modules imported before the
clock starts), peak_mb, rows.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.pit_data import FEATURES


def duckdb_asof(data: Path) -> pa.Table:
    """What a data scientist would write by hand in DuckDB."""
    import duckdb

    con = duckdb.connect()
    columns = ", ".join(f"s.{name}" for name in FEATURES)
    return con.sql(
        f"""
        SELECT l.label_id, {columns}
        FROM read_parquet('{data / "labels.parquet"}') l
        ASOF LEFT JOIN read_parquet('{data / "snapshots.parquet"}') s
          ON l.user_id = s.user_id AND l.event_timestamp > s.feature_timestamp
        """
    ).to_arrow_table()


def duckdb_asof_lake_files(data: Path) -> pa.Table:
    """The same hand-written ASOF over what the lake holds: the Parquet files of
    `gold/user_features`' published version (string user ids, a date partition)."""
    import duckdb

    from benchmarks.pit_lake import LABELS_FILE, STORED_AS, lake_root
    from livelake.lake.read import delta_table
    from livelake.lake.registry import table

    snapshots = delta_table(table("gold/user_features"), lake_root=str(lake_root(data)))
    files = [uri.removeprefix("file://") for uri in snapshots.file_uris()]
    columns = ", ".join(f"s.{stored} AS {name}" for name, stored in STORED_AS.items())
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.sql(
        f"""
        SELECT l.label_id, {columns}
        FROM read_parquet('{data / LABELS_FILE}') l
        ASOF LEFT JOIN (
          SELECT *, (as_of_date + INTERVAL 1 DAY)::TIMESTAMPTZ AS available_at
          FROM read_parquet({files!r}, hive_partitioning = true)
        ) s
          ON l.user_id = s.user_id AND l.event_timestamp >= s.available_at
        """
    ).to_arrow_table()


def polars_asof(data: Path) -> pa.Table:
    """Polars join_asof, strictly before."""
    import polars as pl

    labels = pl.read_parquet(data / "labels.parquet").sort("event_timestamp")
    snaps = pl.read_parquet(data / "snapshots.parquet").sort("feature_timestamp")
    joined = labels.join_asof(
        snaps,
        left_on="event_timestamp",
        right_on="feature_timestamp",
        by="user_id",
        strategy="backward",
        allow_exact_matches=False,
    )
    return joined.select("label_id", *FEATURES).to_arrow()


def livelake_training_set(data: Path) -> pa.Table:
    """Our JVM-free `training_set` over `gold/user_features` (same rows, string user ids),
    returning a Polars frame as data scientists call it by default."""
    import polars as pl

    from benchmarks.pit_lake import LABELS_FILE, REFERENCES, as_benchmark_columns, lake_root
    from livelake.retrieval import training_set

    labels = pl.read_parquet(data / LABELS_FILE)
    result = training_set(labels, REFERENCES, lake_root=str(lake_root(data)))
    return as_benchmark_columns(result.to_arrow())


ENGINES: dict[str, Callable[[Path], pa.Table]] = {
    "duckdb_asof": duckdb_asof,
    "duckdb_asof_lake_files": duckdb_asof_lake_files,
    "polars_asof": polars_asof,
    "livelake_training_set": livelake_training_set,
}


def import_everything() -> None:
    """Load every engine's modules before the clock starts: seconds are the join alone
    (livelake's too, as the DuckDB and Polars imports are not timed either)."""
    import duckdb  # noqa: F401
    import polars  # noqa: F401

    import livelake.retrieval  # noqa: F401


def main(engine: str, data: Path, out: Path) -> None:
    import_everything()
    started, cpu = time.perf_counter(), time.process_time()
    result = ENGINES[engine](data)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    pq.write_table(result, out)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_mb": peak_mb,
                "rows": result.num_rows,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
