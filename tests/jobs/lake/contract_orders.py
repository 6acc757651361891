"""The small orders table the lake contract tests write, and how they build and compare rows.

Shared by the contract tests, the manifest tests and the subprocess that crashes mid-write.
"""

from __future__ import annotations

from decimal import Decimal

from livelake.lake.registry import Table, col, key

ORDERS = Table(
    layer="silver",
    name="contract_orders",
    grain="one row per order",
    columns=(
        key("order_id"),
        key("day", "date"),
        col("amount_cny", "decimal(18,2)"),
        col("note", "string", "free text, as a source might send it", free_text=True),
    ),
    partition_by=("day",),
    keys=("order_id",),
)

SCHEMA = "order_id string, day date, amount_cny decimal(18,2), note string"


def frame(spark, rows):
    """A Spark frame of `ORDERS` rows given as (order_id, day, amount_cny, note)."""
    return spark.createDataFrame(
        [(o, d, None if a is None else Decimal(str(a)), n) for o, d, a, n in rows], SCHEMA
    )


def sorted_rows(df):
    return sorted(tuple(r) for r in df.collect())
