"""Expectations every table gets from its registry declaration alone.

Keys are non-null and unique, non-nullable columns have no nulls, a column with allowed values
or bounds keeps them, and a date partition column stays inside the window a run of day D may
write (late data back to the watermark, clock skew one day ahead). Foreign keys become
references (`references.py`). Nothing here is hand-written per table: change the declaration,
the gate follows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from livelake.jobs.quality.expectation import expectation
from livelake.lake.registry import Table

# Event tables are partitioned by the event's own date: a wrong date there is a wrong row.
STRICT_PARTITIONS = ("event_date",)


def key_expectations(table: Table) -> list[dict[str, Any]]:
    if not table.keys:
        return []
    if len(table.keys) == 1:
        return [
            expectation(
                "expect_column_values_to_be_unique",
                rule=f"key {table.keys[0]} is unique",
                column=table.keys[0],
            )
        ]
    return [
        expectation(
            "expect_compound_columns_to_be_unique",
            rule=f"key ({', '.join(table.keys)}) is unique",
            column_list=list(table.keys),
        )
    ]


def not_null_expectations(table: Table) -> list[dict[str, Any]]:
    return [
        expectation(
            "expect_column_values_to_not_be_null",
            rule=f"{c.name} is declared non-nullable",
            column=c.name,
        )
        for c in table.columns
        if not c.nullable or c.name in table.keys
    ]


def value_expectations(table: Table) -> list[dict[str, Any]]:
    """Declared value sets and bounds: silver quarantines a line that breaks them, so a
    published row that does is a bug the gate must stop."""
    out = []
    for c in table.columns:
        if c.allowed:
            out.append(
                expectation(
                    "expect_column_values_to_be_in_set",
                    rule=f"{c.name} is one of the declared values",
                    column=c.name,
                    value_set=list(c.allowed),
                )
            )
        if c.bounds is not None:
            low, high = c.bounds
            out.append(
                expectation(
                    "expect_column_values_to_be_between",
                    rule=f"{c.name} within the declared bounds {_bound(low)}..{_bound(high)}",
                    column=c.name,
                    min_value=low,
                    max_value=high,
                )
            )
    return out


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:,g}"


def partition_window_expectations(
    table: Table, day: date, watermark_days: int
) -> list[dict[str, Any]]:
    """Date partitions of a run for `day` lie in [day - watermark, day + 1]."""
    out = []
    for name in table.partition_by:
        if table.column(name).type != "date":
            continue
        low, high = day - timedelta(days=watermark_days), day + timedelta(days=1)
        out.append(
            expectation(
                "expect_column_values_to_be_between",
                severity="error" if name in STRICT_PARTITIONS else "warn",
                rule=f"{name} within the run's window {low}..{high}",
                column=name,
                min_value=low.isoformat(),
                max_value=high.isoformat(),
            )
        )
    return out


def derived_expectations(table: Table, day: date, watermark_days: int) -> list[dict[str, Any]]:
    """All registry-derived expectations of `table` for a run of `day`."""
    return [
        *key_expectations(table),
        *not_null_expectations(table),
        *value_expectations(table),
        *partition_window_expectations(table, day, watermark_days),
    ]
