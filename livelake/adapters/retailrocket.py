"""RetailRocket e-commerce `events.csv` -> landing format.

Input: header `timestamp,visitorid,event,itemid,transactionid`, timestamp in unix ms,
event in view / addtocart / transaction; documented window May 3 - Sep 18 2015 (UTC).
Mapping: view -> views `enter`, addtocart -> cart_events `add`, transaction -> orders `paid`
with order_id = transactionid (pandas-written floats like `14418.0` are normalised to
`14418`; a fractional id is unmapped), visitors -> users, items -> products (no category in
this file). Out-of-window times, missing or non-integer ids, unknown events and
transactions without an id are counted as unmapped.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from livelake.adapters.common import Adapted, read_fields, unmapped_rows

SOURCE = "retailrocket"
COLUMNS = ("timestamp", "visitorid", "event", "itemid", "transactionid")
WINDOW_START_MS = 1_430_611_200_000  # 2015-05-03 00:00 UTC
WINDOW_END_MS = 1_442_620_800_000  # 2015-09-19 00:00 UTC
NOTES = [
    "view -> views enter with visit_id = event_id; no live session, dwell, channel or device",
    "views have no item column: the viewed itemid is not carried (only its product row)",
    "transaction -> one orders line (paid); amounts unknown (null); quantity 1",
    "item categories live in item_properties*.csv, which this adapter does not read",
    "no live sessions, anchors, prices, segments, after_sales or social in this source",
]
_INTEGER = r"^\d+$"
_INTEGRAL_FLOAT = r"^\d+\.0+$"


def adapt(paths: list[Path]) -> Adapted:
    raw = pl.concat([read_fields(p, COLUMNS, header=True) for p in paths])
    ts_ms = pl.col("timestamp").cast(pl.Int64, strict=False)
    transaction = pl.col("transactionid")
    reason = (
        pl.when(pl.col("field_count") != len(COLUMNS))
        .then(pl.lit("wrong_field_count"))
        .when(pl.any_horizontal(pl.col(list(COLUMNS[:4])).is_null()))
        .then(pl.lit("missing_field"))
        .when(
            ~pl.col("visitorid").str.contains(_INTEGER) | ~pl.col("itemid").str.contains(_INTEGER)
        )
        .then(pl.lit("bad_id"))
        .when(~pl.col("timestamp").str.contains(_INTEGER))
        .then(pl.lit("bad_timestamp"))
        .when((ts_ms < WINDOW_START_MS) | (ts_ms >= WINDOW_END_MS))
        .then(pl.lit("timestamp_out_of_range"))
        .when(~pl.col("event").is_in(["view", "addtocart", "transaction"]))
        .then(pl.lit("unknown_event"))
        .when((pl.col("event") == "transaction") & transaction.is_null())
        .then(pl.lit("transaction_without_id"))
        .when(
            (pl.col("event") == "transaction")
            & ~transaction.str.contains(_INTEGER)
            & ~transaction.str.contains(_INTEGRAL_FLOAT)
        )
        .then(pl.lit("bad_transaction_id"))
    )
    checked = raw.with_columns(reason.alias("reason"), ts_ms.alias("event_time"))
    good = checked.filter(pl.col("reason").is_null()).with_columns(
        event_id=pl.format("rr-{}-{}", pl.col("source_file").str.replace(r"\.csv$", ""), "line"),
        user_id=pl.col("visitorid"),
        product_id=pl.col("itemid"),
        order_id=transaction.str.replace(r"\.0+$", ""),
    )
    floats = good.filter(transaction.str.contains(_INTEGRAL_FLOAT)).height
    views = good.filter(pl.col("event") == "view").select(
        "event_id",
        pl.lit("enter").alias("event_type"),
        "event_time",
        "user_id",
        pl.col("event_id").alias("visit_id"),
    )
    cart = good.filter(pl.col("event") == "addtocart").select(
        "event_id",
        pl.lit("add").alias("event_type"),
        "event_time",
        "user_id",
        "product_id",
        pl.lit(1).alias("quantity"),
    )
    orders = good.filter(pl.col("event") == "transaction").select(
        "event_id",
        pl.lit("paid").alias("event_type"),
        "event_time",
        "user_id",
        "order_id",
        "product_id",
        pl.lit(1).alias("quantity"),
    )
    products = (
        good.group_by("product_id")
        .agg(pl.col("event_time").min().alias("_delivery_ms"))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("product_id")
    )
    users = (
        good.group_by("user_id")
        .agg(pl.col("event_time").min().alias("_delivery_ms"))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("user_id")
    )
    bad = checked.filter(pl.col("reason").is_not_null()).with_columns(
        day_ms=pl.when(pl.col("reason").is_in(["unknown_event", "transaction_without_id"])).then(
            pl.col("event_time")
        )
    )
    notes = [*NOTES, f"{floats} transaction id(s) written as floats (e.g. 14418.0) normalised"]
    return Adapted(
        SOURCE,
        streams={"views": views, "cart_events": cart, "orders": orders},
        exports={"products": products, "users": users},
        unmapped=unmapped_rows(bad),
        notes=notes,
        input_rows=raw.height,
    )
