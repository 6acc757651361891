"""Metrics of a staged table, computed in one pass over its staged files per group of
columns the gate's memory holds (`Settings.gate_frame_mb`): the input of drift checks.

Per table: row count, and the rows of the run's own day in its date partition (what the
no-collapse rule compares day over day). Per numeric column: mean, standard deviation (how
far its mean may move by chance) and null fraction. Per id column (`*_id`) that is not a key:
exact distinct count and null fraction (a key's distinct count is its row count, and its
uniqueness an `error` rule of its own). Lineage columns say
where rows came from, not what they mean, so they are not tracked; nor is the mean of a column
declared `drift=False` (a KPI mart's values, each in its metric's unit: their mean says nothing).

A run also restages the earlier partitions its late rows touched, one day or three, so the
column metrics are measured on the rows of the run's own day (`day_partition`) when the table
has one: otherwise a day with late data would count two or three days of ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from livelake.lake.registry import Table

if TYPE_CHECKING:
    import pyarrow as pa

TABLE_LEVEL = "*"
LINEAGE = {"source", "delivery_date", "source_file", "line_number", "extra_fields", "run_id"}
NUMERIC = ("long", "int", "double")
DAY_ROWS = "day_row_count"


@dataclass(frozen=True)
class Metric:
    column: str
    metric: str
    value: float | None


def _numeric(type_name: str) -> bool:
    return type_name in NUMERIC or type_name.startswith("decimal")


def tracked(table: Table) -> list[tuple[str, str]]:
    """(column, metric) pairs tracked for `table`, besides the row count."""
    out = []
    for column in table.columns:
        if column.name in LINEAGE:
            continue
        if _numeric(column.type) and column.name not in table.keys:
            out += [(column.name, "mean"), (column.name, "stddev")] if column.drift else []
            out += [(column.name, "null_fraction")]
        elif (
            column.type == "string"
            and column.name.endswith("_id")
            and column.name not in table.keys
        ):
            out += [(column.name, "distinct_count"), (column.name, "null_fraction")]
    return out


def day_partition(table: Table) -> str | None:
    """The date partition column a run of day D fills, if the table has one."""
    for name in table.partition_by:
        if table.column(name).type == "date":
            return name
    return None


def quoted(name: str) -> str:
    """`name` as a quoted SQL identifier (DuckDB)."""
    return '"' + name.replace('"', '""') + '"'


def compute_metrics(
    read: Callable[[list[str]], pa.Table], table: Table, day: date, rows: int, width: int
) -> list[Metric]:
    """All tracked metrics of a staged table of `rows` rows: the row count, then DuckDB
    aggregations over the rows of the run's own day, `width` columns at a time (`read`
    gives the staged rows of the columns asked for).

    The day is selected once, in a WHERE clause: a FILTER clause on each of a hundred
    aggregates made DuckDB take 185 s instead of 4 s over a 2M-event day's 7.7M examples."""
    import duckdb

    pairs = tracked(table)
    part = day_partition(table)
    if part is not None:
        pairs.append((part, DAY_ROWS))
    of_day = "" if part is None else f" WHERE {quoted(part)} = DATE '{day.isoformat()}'"
    metrics = [Metric(TABLE_LEVEL, "row_count", float(rows))]
    names = list(dict.fromkeys(name for name, _ in pairs))
    for columns in (names[i : i + width] for i in range(0, len(names), width)):
        measured = [(name, metric) for name, metric in pairs if name in columns]
        con = duckdb.connect()
        con.register("staged", read(list(dict.fromkeys([*columns, *filter(None, [part])]))))
        expressions = ", ".join(
            _AGGREGATES[metric].format(column=quoted(name)) for name, metric in measured
        )
        values = con.sql(f"SELECT {expressions} FROM staged{of_day}").fetchall()[0]
        metrics += [
            Metric(name, metric, None if v is None else float(v))
            for (name, metric), v in zip(measured, values, strict=True)
        ]
    return metrics


# Each tracked metric as a DuckDB aggregate of its (quoted) column.
_AGGREGATES = {
    DAY_ROWS: "count(*)",
    "mean": "avg(CAST({column} AS DOUBLE))",
    "stddev": "stddev_samp(CAST({column} AS DOUBLE))",
    "distinct_count": "count(DISTINCT {column})",
    "null_fraction": "avg(CASE WHEN {column} IS NULL THEN 1.0 ELSE 0.0 END)",
}


def history_rows(
    metrics: list[Metric], *, run_id: str, day: date, stage: str, table_name: str
) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "run_id": run_id,
            "day": day,
            "stage": stage,
            "table_name": table_name,
            "column_name": m.column,
            "metric": m.metric,
            "value": m.value,
            "recorded_at": now,
        }
        for m in metrics
    ]
