"""Measurement child: the daily aggregates written by hand in DuckDB, over silver's Parquet.

Usage: python -m benchmarks.duckdb_aggregates LAKE_ROOT DAY OUT_DIR
Reads exactly the Parquet files the Delta log lists for the day's silver partitions
(`DeltaTable.file_uris`), enriches them as the Spark stage does, and computes the four
`agg_<entity>_daily` tables; prints seconds and rows per entity, writes each to OUT_DIR.

The query is what a DuckDB user would write: one temp table per enriched source, then per
entity one GROUP BY per source and a fold over their union. The measure expressions are the
declared ones (Spark SQL that DuckDB also parses; `unix_timestamp` becomes `floor(epoch(..))`).
"""

from __future__ import annotations

import re
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from deltalake import DeltaTable

from benchmarks.measure import emit, peak_rss_mb
from livelake.features.declarations import MEASURES
from livelake.features.feature import ENTITIES, ENTITY_KEYS
from livelake.jobs.gold.aggregates import EVENT_SOURCES
from livelake.lake import storage
from livelake.lake.tables.silver import SILVER

THREADS = 2


def parquet_files(lake_root: str, name: str, days: list[date] | None = None) -> list[str]:
    """The silver table's live Parquet files, pruned to the partitions of `days`."""
    declared = SILVER[name]
    dt = DeltaTable(storage.table_uri(lake_root, declared))
    if days is None:
        uris = dt.file_uris()
    else:
        values = [d.isoformat() for d in days]
        uris = dt.file_uris(file_pruning_predicate=[(declared.partition_by[0], "in", values)])
    return [uri.removeprefix("file://") for uri in uris]


def _scan(files: list[str]) -> str:
    listed = ", ".join(f"'{f}'" for f in files)
    return f"read_parquet([{listed}], union_by_name = true)"


def load_sources(con: duckdb.DuckDBPyConnection, lake_root: str, day: date) -> None:
    """One enriched temp table per source, like the Spark stage's cached frames."""
    end = f"TIMESTAMP '{day + timedelta(days=1)} 00:00:00'"
    start = f"TIMESTAMP '{day} 00:00:00'"
    con.execute(
        f"CREATE TEMP TABLE sessions AS SELECT session_id, anchor_id, category FROM "
        f"{_scan(parquet_files(lake_root, 'live_sessions', [day - timedelta(days=1), day]))}"
    )
    con.execute(
        f"""CREATE TEMP TABLE products AS SELECT product_id, category FROM (
              SELECT *, row_number() OVER (
                PARTITION BY product_id ORDER BY valid_from DESC, updated_at DESC) AS rank
              FROM {_scan(parquet_files(lake_root, "products"))}
              WHERE valid_from < {end} AND (valid_to IS NULL OR valid_to >= {end}))
            WHERE rank = 1"""
    )
    con.execute(
        f"""CREATE TEMP TABLE src_prices AS
            SELECT * FROM {_scan(parquet_files(lake_root, "prices"))}
            WHERE valid_from < {end} AND (valid_to IS NULL OR valid_to > {start})"""
    )
    for name in EVENT_SOURCES:
        files = parquet_files(lake_root, name, [day])
        if files:
            rows = _scan(files)
        else:  # nothing that day (after-sales cases on the first day): the declared columns
            con.register(f"empty_{name}", SILVER[name].arrow_schema().empty_table())
            rows = f"empty_{name}"
        if name in ("views", "interactions", "session_products"):
            query = (
                f"SELECT r.*, s.anchor_id, s.category FROM {rows} r "
                "LEFT JOIN sessions s USING (session_id)"
            )
        elif name in ("cart_events", "orders"):
            query = f"SELECT r.*, p.category FROM {rows} r LEFT JOIN products p USING (product_id)"
        elif name == "social":
            query = (
                f"SELECT *, src_user_id AS user_id, CASE WHEN edge_type IN ('follow', 'unfollow')"
                f" THEN dst_id END AS anchor_id FROM {rows}"
            )
        else:
            query = f"SELECT * FROM {rows}"
        con.execute(f"CREATE TEMP TABLE src_{name} AS {query}")


def _duck(definition: str) -> str:
    """Spark's `unix_timestamp(t)` is whole seconds: DuckDB's `floor(epoch(t))`."""
    return re.sub(r"unix_timestamp\((\w+)\)", r"floor(epoch(\1))", definition)


def aggregate_sql(entity: str, day: date) -> str:
    """One GROUP BY per source holding all its measures, then one fold per entity key."""
    keys = list(ENTITY_KEYS[entity])
    measures = MEASURES[entity]
    sources = sorted({m.source for m in measures})
    parts = []
    for source in sources:
        columns = [
            f"CAST({_duck(m.definition)} AS {_sql_type(m.dtype)}) AS {m.name}"
            if m.source == source
            else f"CAST(NULL AS {_sql_type(m.dtype)}) AS {m.name}"
            for m in measures
        ]
        not_null = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        parts.append(
            f"SELECT {', '.join(keys)}, {', '.join(columns)} FROM src_{source} "
            f"WHERE {not_null} GROUP BY {', '.join(keys)}"
        )
    folded = [
        f"{m.function}({m.name}) AS {m.name}"
        if m.function in ("min", "max")
        else f"CAST(coalesce(sum({m.name}), 0) AS {_sql_type(m.dtype)}) AS {m.name}"
        for m in measures
    ]
    return (
        f"SELECT {', '.join(keys)}, DATE '{day}' AS day, {', '.join(folded)} "
        f"FROM ({' UNION ALL '.join(parts)}) GROUP BY {', '.join(keys)}"
    )


def _sql_type(dtype: str) -> str:
    """A declared column type as DuckDB SQL (`decimal(18,2)` is the same words in both)."""
    if dtype.startswith("decimal"):
        return dtype.upper()
    return {"long": "BIGINT", "double": "DOUBLE", "int": "INTEGER"}[dtype]


def main(lake_root: str, day: date, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    started, cpu = time.perf_counter(), time.process_time()
    load_sources(con, lake_root, day)
    rows = {}
    for entity in ENTITIES:
        result = con.sql(aggregate_sql(entity, day)).to_arrow_table()
        rows[entity] = result.num_rows
        pq.write_table(result, out / f"{entity}.parquet")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    emit(
        {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "rows": rows,
            "peak_rss_mb": peak_rss_mb()["total"],
        }
    )


if __name__ == "__main__":
    main(sys.argv[1], date.fromisoformat(sys.argv[2]), Path(sys.argv[3]))
