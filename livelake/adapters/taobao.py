"""Taobao UserBehavior (Alibaba Tianchi) -> landing format.

Input: headerless CSV `user_id,item_id,category_id,behavior_type,timestamp` (unix seconds),
behaviour in pv / cart / fav / buy, documented window 2017-11-25 .. 2017-12-03 (UTC+8).
Mapping: pv -> views `enter` (one visit per page view; no live session, and views carry no
item), cart -> cart_events `add` (quantity 1, no price), buy -> orders `paid` (one order per
buy line, no amounts), items -> products (category_id as category), users -> users (ids
only). `fav` has no landing stream and is counted as unmapped, like rows outside the window,
rows with missing fields and non-integer ids or timestamps.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from livelake.adapters.common import Adapted, read_fields, unmapped_rows

SOURCE = "taobao"
COLUMNS = ("user_id", "item_id", "category_id", "behavior_type", "timestamp")
WINDOW_START_MS = 1_511_539_200_000  # 2017-11-25 00:00 Beijing time
WINDOW_END_MS = 1_512_316_800_000  # 2017-12-04 00:00 Beijing time
NOTES = [
    "pv -> views enter with visit_id = event_id; session_id, dwell, channel, device are null",
    "views have no item column: the page-viewed item_id is not carried (only its product row)",
    "buy -> one orders line (paid) per buy row; order_id = tb-<file>-<line>; amounts null",
    "fav (favourite an item) has no landing stream: counted as unmapped",
    "no live sessions, anchors, prices, segments, after_sales or social in this source",
]


def adapt(paths: list[Path]) -> Adapted:
    raw = pl.concat([read_fields(p, COLUMNS, header=False) for p in paths])
    digits = r"^\d+$"
    ts_ms = pl.col("timestamp").cast(pl.Int64, strict=False) * 1000
    reason = (
        pl.when(pl.col("field_count") != len(COLUMNS))
        .then(pl.lit("wrong_field_count"))
        .when(pl.any_horizontal(pl.col(list(COLUMNS)).is_null()))
        .then(pl.lit("missing_field"))
        .when(~pl.all_horizontal([pl.col(c).str.contains(digits) for c in COLUMNS[:3]]))
        .then(pl.lit("bad_id"))
        .when(~pl.col("timestamp").str.contains(digits))
        .then(pl.lit("bad_timestamp"))
        .when((ts_ms < WINDOW_START_MS) | (ts_ms >= WINDOW_END_MS))
        .then(pl.lit("timestamp_out_of_range"))
        .when(pl.col("behavior_type") == "fav")
        .then(pl.lit("no_landing_stream_fav"))
        .when(~pl.col("behavior_type").is_in(["pv", "cart", "buy"]))
        .then(pl.lit("unknown_behavior"))
    )
    checked = raw.with_columns(reason.alias("reason"), ts_ms.alias("event_time"))
    good = checked.filter(pl.col("reason").is_null()).with_columns(
        event_id=pl.format("tb-{}-{}", pl.col("source_file").str.replace(r"\.csv$", ""), "line"),
        user_id=pl.col("user_id"),
        product_id=pl.col("item_id"),
    )
    views = good.filter(pl.col("behavior_type") == "pv").select(
        "event_id",
        pl.lit("enter").alias("event_type"),
        "event_time",
        "user_id",
        pl.col("event_id").alias("visit_id"),
    )
    cart = good.filter(pl.col("behavior_type") == "cart").select(
        "event_id",
        pl.lit("add").alias("event_type"),
        "event_time",
        "user_id",
        "product_id",
        pl.lit(1).alias("quantity"),
    )
    orders = good.filter(pl.col("behavior_type") == "buy").select(
        "event_id",
        pl.lit("paid").alias("event_type"),
        "event_time",
        "user_id",
        pl.col("event_id").alias("order_id"),
        "product_id",
        pl.lit(1).alias("quantity"),
    )
    used = checked.filter(
        pl.col("reason").is_null() | (pl.col("reason") == "no_landing_stream_fav")
    )
    used = good  # exports only for rows that land, delivered on the first day they are used
    products = (
        used.group_by("product_id")
        .agg(
            pl.col("category_id").sort_by("event_time").first().alias("category"),
            pl.col("event_time").min().alias("_delivery_ms"),
        )
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("product_id")
    )
    users = (
        used.group_by("user_id")
        .agg(pl.col("event_time").min().alias("_delivery_ms"))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("user_id")
    )
    bad = checked.filter(pl.col("reason").is_not_null()).with_columns(
        day_ms=pl.when(pl.col("reason") == "no_landing_stream_fav").then(pl.col("event_time"))
    )
    return Adapted(
        SOURCE,
        streams={"views": views, "cart_events": cart, "orders": orders},
        exports={"products": products, "users": users},
        unmapped=unmapped_rows(bad),
        notes=NOTES,
        input_rows=raw.height,
    )
