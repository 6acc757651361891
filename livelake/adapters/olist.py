"""Olist Brazilian E-Commerce multi-table export -> landing format.

Inputs (a folder, or the CSV files): orders.csv, customers.csv, order_items.csv,
products.csv and optionally product_category_name_translation.csv (upstream column names).
Mapping: customers -> users (user_id = customer_unique_id, region = state); products ->
products (English category, dimensions as attributes); each order's items, grouped by
product (Olist repeats an item per unit) -> orders lines: `created` at purchase, then `paid`
at approval, or `cancelled` for canceled/unavailable orders; canceled and unavailable orders
-> after_sales refunds (`cancelled_by_seller` for unavailable, `other` for canceled).
Times are São Paulo local time, converted to UTC; prices are BRL, converted at a fixed
rate. Rows that cannot be mapped (unknown customer or product, bad or non-existent local
times, orders without items that are not cancellations) are counted per reason.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from livelake.adapters.common import Adapted, unmapped_rows

SOURCE = "olist"
BRL_TO_CNY = 2.12  # 2017 average exchange rate; amounts are converted with this one rate
LOCAL_TIME_ZONE = "America/Sao_Paulo"
WINDOW = ("2016-09-01", "2018-11-01")  # upstream dataset: 2016-09 .. 2018-10
PAID_STATUSES = ("approved", "invoiced", "processing", "shipped", "delivered")
CANCELLED_STATUSES = ("canceled", "unavailable")
TABLES = ("orders", "customers", "order_items", "products")
TRANSLATION = "product_category_name_translation"


def _files(paths: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        for f in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
            name = f.stem.removeprefix("olist_").removesuffix("_dataset")
            found[name] = f
    missing = [t for t in TABLES if t not in found]
    if missing:
        from livelake.adapters import AdapterInputError

        raise AdapterInputError(
            f"olist export is missing {', '.join(m + '.csv' for m in missing)} "
            f"(given: {', '.join(str(p) for p in paths)})"
        )
    return found


def _read(path: Path) -> pl.DataFrame:
    """All columns as text, with the physical line number (header is line 1)."""
    frame = pl.read_csv(path, infer_schema=False)
    return frame.with_row_index("line", offset=2).with_columns(
        pl.col("line").cast(pl.Int64), pl.lit(path.name).alias("source_file")
    )


def _utc_ms(column: str) -> pl.Expr:
    local = pl.col(column).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
    utc = local.dt.replace_time_zone(
        LOCAL_TIME_ZONE, ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")
    return utc.dt.epoch("ms").alias(f"{column}_ms")


def _attributes() -> pl.Expr:
    """Product dimensions as a JSON object (integers; null when Olist has none)."""
    fields = {
        "weight_g": "product_weight_g",
        "length_cm": "product_length_cm",
        "height_cm": "product_height_cm",
        "width_cm": "product_width_cm",
        "photos": "product_photos_qty",
    }
    parts: list[pl.Expr] = []
    for i, (key, column) in enumerate(fields.items()):
        value = pl.col(column).cast(pl.Float64, strict=False).cast(pl.Int64).cast(pl.String)
        parts += [pl.lit(("{" if i == 0 else ",") + f'"{key}":'), value.fill_null("null")]
    return pl.concat_str([*parts, pl.lit("}")])


def adapt(paths: list[Path]) -> Adapted:
    files = _files(paths)
    orders = _read(files["orders"])
    customers = _read(files["customers"])
    items = _read(files["order_items"])
    products = _read(files["products"])
    translation = (
        pl.read_csv(files[TRANSLATION], infer_schema=False)
        if TRANSLATION in files
        else pl.DataFrame(
            schema={"product_category_name": pl.String, "product_category_name_english": pl.String}
        )
    )
    low, high = (pl.lit(d).str.to_datetime("%Y-%m-%d").dt.epoch("ms") for d in WINDOW)

    orders = orders.with_columns(
        _utc_ms("order_purchase_timestamp"), _utc_ms("order_approved_at")
    ).join(
        customers.select("customer_id", "customer_unique_id", "customer_state"),
        on="customer_id",
        how="left",
    )
    item_orders = items.group_by("order_id").agg(pl.len().alias("item_count"))
    orders = orders.join(item_orders, on="order_id", how="left")
    purchase = pl.col("order_purchase_timestamp_ms")
    order_reason = (
        pl.when(pl.col("customer_unique_id").is_null())
        .then(pl.lit("unknown_customer"))
        .when(pl.col("order_purchase_timestamp").is_null())
        .then(pl.lit("missing_purchase_time"))
        .when(purchase.is_null())
        .then(pl.lit("bad_or_nonexistent_local_time"))
        .when((purchase < low) | (purchase >= high))
        .then(pl.lit("timestamp_out_of_range"))
        .when(
            pl.col("item_count").is_null() & ~pl.col("order_status").is_in(list(CANCELLED_STATUSES))
        )
        .then(pl.lit("order_without_items"))
    )
    orders = orders.with_columns(order_reason.alias("reason"))
    good_orders = orders.filter(pl.col("reason").is_null())

    items = items.join(
        products.select("product_id").with_columns(pl.lit(True).alias("_known")),
        on="product_id",
        how="left",
    ).join(
        good_orders.select("order_id").with_columns(pl.lit(True).alias("_order")),
        on="order_id",
        how="left",
    )
    item_reason = (
        pl.when(pl.col("_order").is_null() & pl.col("order_id").is_in(orders["order_id"].implode()))
        .then(pl.lit("order_not_mapped"))
        .when(pl.col("_order").is_null())
        .then(pl.lit("item_without_order"))
        .when(pl.col("_known").is_null())
        .then(pl.lit("unknown_product"))
        .when(pl.col("price").cast(pl.Float64, strict=False).is_null())
        .then(pl.lit("bad_price"))
    )
    items = items.with_columns(item_reason.alias("reason"))
    lines = (
        items.filter(pl.col("reason").is_null())
        .group_by("order_id", "product_id", maintain_order=True)
        .agg(
            pl.len().alias("quantity"),
            pl.col("price").cast(pl.Float64).first().alias("price_brl"),
            pl.col("order_item_id").cast(pl.Int64).min().alias("first_item"),
        )
        .join(good_orders, on="order_id", how="inner")
        .with_columns(
            (pl.col("price_brl") * BRL_TO_CNY).round(2).alias("unit_price_cny"),
            pl.lit(0.0).alias("coupon_cny"),
        )
        .with_columns(
            (pl.col("quantity") * pl.col("unit_price_cny")).round(2).alias("amount_cny"),
            pl.col("customer_unique_id").alias("user_id"),
        )
    )
    base = [
        "user_id",
        "order_id",
        "product_id",
        "quantity",
        "unit_price_cny",
        "coupon_cny",
        "amount_cny",
    ]
    status = pl.col("order_status")
    approved = pl.col("order_approved_at_ms")
    created = lines.select(
        pl.format("olist-{}-{}-created", "order_id", "first_item").alias("event_id"),
        pl.lit("created").alias("event_type"),
        purchase.alias("event_time"),
        *base,
    )
    paid = lines.filter(status.is_in(list(PAID_STATUSES)) & approved.is_not_null()).select(
        pl.format("olist-{}-{}-paid", "order_id", "first_item").alias("event_id"),
        pl.lit("paid").alias("event_type"),
        approved.alias("event_time"),
        *base,
    )
    cancel_time = pl.coalesce(approved, purchase)
    cancelled = lines.filter(status.is_in(list(CANCELLED_STATUSES))).select(
        pl.format("olist-{}-{}-cancelled", "order_id", "first_item").alias("event_id"),
        pl.lit("cancelled").alias("event_type"),
        cancel_time.alias("event_time"),
        *base,
    )
    paid_without_time = lines.filter(status.is_in(list(PAID_STATUSES)) & approved.is_null())

    cases_with_items = lines.filter(status.is_in(list(CANCELLED_STATUSES))).select(
        "order_id",
        "product_id",
        "amount_cny",
        "order_status",
        "user_id",
        cancel_time.alias("requested_at"),
        "first_item",
        approved.is_not_null().alias("was_paid"),
    )
    itemless = good_orders.filter(pl.col("item_count").is_null()).select(
        "order_id",
        pl.lit(None, dtype=pl.String).alias("product_id"),
        pl.lit(None, dtype=pl.Float64).alias("amount_cny"),
        "order_status",
        pl.col("customer_unique_id").alias("user_id"),
        cancel_time.alias("requested_at"),
        pl.lit(0, dtype=pl.Int64).alias("first_item"),
        approved.is_not_null().alias("was_paid"),
    )
    after_sales = (
        pl.concat([cases_with_items, itemless])
        .select(
            pl.format("olist-case-{}-{}", "order_id", "first_item").alias("case_id"),
            "order_id",
            "user_id",
            "product_id",
            pl.lit("refund").alias("case_type"),
            pl.when(pl.col("order_status") == "unavailable")
            .then(pl.lit("cancelled_by_seller"))
            .otherwise(pl.lit("other"))
            .alias("reason"),
            pl.when(pl.col("was_paid"))
            .then(pl.col("amount_cny"))
            .otherwise(pl.when(pl.col("amount_cny").is_not_null()).then(0.0))
            .alias("amount_cny"),
            "requested_at",
            pl.col("requested_at").alias("resolved_at"),
            pl.lit("approved").alias("status"),
            pl.col("requested_at").alias("updated_at"),
            pl.col("requested_at").alias("_delivery_ms"),
        )
        .sort("requested_at", "case_id")
    )

    events_frame = pl.concat([created, paid, cancelled])
    first_use = pl.concat(
        [
            events_frame.select("user_id", "product_id", "event_time"),
            after_sales.select("user_id", "product_id", pl.col("requested_at").alias("event_time")),
        ]
    )
    run_start = first_use["event_time"].min()
    user_first = first_use.group_by("user_id").agg(pl.col("event_time").min().alias("_delivery_ms"))
    users = (
        customers.group_by("customer_unique_id")
        .agg(pl.col("customer_state").first().alias("region"))
        .rename({"customer_unique_id": "user_id"})
        .join(user_first, on="user_id", how="left")
        .with_columns(pl.col("_delivery_ms").fill_null(run_start))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("user_id")
    )
    product_first = first_use.group_by("product_id").agg(
        pl.col("event_time").min().alias("_delivery_ms")
    )
    attributes = _attributes()
    products_out = (
        products.join(translation, on="product_category_name", how="left")
        .select(
            "product_id",
            pl.coalesce("product_category_name_english", "product_category_name").alias("category"),
            attributes.alias("attributes"),
        )
        .join(product_first, on="product_id", how="left")
        .with_columns(pl.col("_delivery_ms").fill_null(run_start))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("product_id")
    )
    bad = pl.concat(
        [
            unmapped_rows(
                orders.filter(pl.col("reason").is_not_null()).with_columns(day_ms=purchase)
            ),
            unmapped_rows(
                items.filter(pl.col("reason").is_not_null()).with_columns(
                    day_ms=pl.lit(None, dtype=pl.Int64)
                )
            ),
        ]
    )
    itemless_cases = itemless.height
    notes = [
        f"amounts converted from BRL at {BRL_TO_CNY} CNY per BRL; freight not included",
        "times are São Paulo local time converted to UTC",
        "Olist repeats an order item per unit: items are grouped per (order, product) into one "
        "line per status with quantity = units; an order with several products has one line "
        "per product per status (same order_id)",
        f"{paid_without_time.height} order line(s) in a paid status without order_approved_at: "
        "only `created` landed",
        f"{itemless_cases} canceled/unavailable order(s) have no items: their after_sales case "
        "has no product and no orders lines exist for them",
        "no live sessions, anchors, prices, segments, views, interactions or social here",
    ]
    return Adapted(
        SOURCE,
        streams={"orders": events_frame},
        exports={"users": users, "products": products_out, "after_sales": after_sales},
        unmapped=bad,
        notes=notes,
        input_rows=orders.height + items.height + customers.height + products.height,
    )
