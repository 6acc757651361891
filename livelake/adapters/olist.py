"""Olist Brazilian E-Commerce multi-table export -> landing format.

Inputs (a folder, or the CSV files): orders.csv, customers.csv, order_items.csv,
products.csv and optionally product_category_name_translation.csv (upstream column names).
Mapping: customers -> users (user_id = customer_unique_id, region = state); products ->
products (English category, dimensions as attributes); each order's items, grouped by
product (Olist repeats an item per unit) -> orders lines: `created` at purchase, then `paid`
at approval, or `cancelled` for canceled/unavailable orders; canceled and unavailable orders
-> after_sales refunds (`cancelled_by_seller` for unavailable, `other` for canceled).
Times are São Paulo local time, converted to UTC; prices are BRL, converted at a fixed
rate. Order payments, reviews, sellers and geolocation are not used.

Partial or inconsistent exports (e.g. the first lines of each file) map what they can: every
other row is counted per reason with its file and line (missing or repeated ids, unknown
customer or product, bad or non-existent local times, bad prices, orders without items that
are not cancellations, items whose order is missing or not mapped). A file that cannot be
read as the upstream CSV (missing, empty, not comma-separated, not UTF-8, a column missing)
stops the run with one line naming it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from livelake.adapters import AdapterInputError
from livelake.sources.land import Adapted, unmapped_rows

SOURCE = "olist"
BRL_TO_CNY = 2.12  # 2017 average exchange rate; amounts are converted with this one rate
LOCAL_TIME_ZONE = "America/Sao_Paulo"
WINDOW = ("2016-09-01", "2018-11-01")  # upstream dataset: 2016-09 .. 2018-10
PAID_STATUSES = ("approved", "invoiced", "processing", "shipped", "delivered")
CANCELLED_STATUSES = ("canceled", "unavailable")
TABLES = ("orders", "customers", "order_items", "products")
TRANSLATION = "product_category_name_translation"
#: product attribute -> products.csv column
ATTRIBUTES = {
    "weight_g": "product_weight_g",
    "length_cm": "product_length_cm",
    "height_cm": "product_height_cm",
    "width_cm": "product_width_cm",
    "photos": "product_photos_qty",
}
#: The columns read from each file (upstream names; others are ignored).
COLUMNS = {
    "orders": (
        "order_id",
        "customer_id",
        "order_status",
        "order_purchase_timestamp",
        "order_approved_at",
    ),
    "customers": ("customer_id", "customer_unique_id", "customer_state"),
    "order_items": ("order_id", "order_item_id", "product_id", "price"),
    "products": ("product_id", "product_category_name", *ATTRIBUTES.values()),
    TRANSLATION: ("product_category_name", "product_category_name_english"),
}


def _files(paths: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in paths:
        for f in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
            name = f.stem.removeprefix("olist_").removesuffix("_dataset")
            if name in COLUMNS and found.get(name, f) != f:
                raise AdapterInputError(f"olist export has two {name} files: {found[name]}, {f}")
            found[name] = f
    missing = [f"{t}.csv (olist_{t}_dataset.csv)" for t in TABLES if t not in found]
    if missing:
        raise AdapterInputError(
            f"olist export is missing {', '.join(missing)} "
            f"(given: {', '.join(str(p) for p in paths)})"
        )
    return found


def _read(path: Path, table: str) -> pl.DataFrame:
    """All columns as text, with the physical line number (header is line 1). A file that is
    not the upstream CSV stops the run here, in one line naming it, instead of failing later
    on a missing column or misreading every row."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _input_error(
            path, f"line {line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None
    header = text.lstrip("\ufeff").partition("\n")[0].rstrip("\r")
    if not text.strip("\ufeff \t\r\n"):
        raise _input_error(path, "empty file")
    if "," not in header:
        raise _input_error(path, f"line 1: not comma-separated (header {header!r})")
    try:
        frame = pl.read_csv(data, infer_schema=False)
    except pl.exceptions.ComputeError as exc:
        line = _bad_line(text)
        problem = (
            f"line {line}: more fields than the header, or an unclosed quote"
            if line
            else " ".join(str(exc).split())[:200]
        )
        raise _input_error(path, problem) from None
    missing = [c for c in COLUMNS[table] if c not in frame.columns]
    if missing:
        raise _input_error(path, f"line 1: no column {', '.join(missing)} (header {header!r})")
    return frame.with_row_index("line", offset=2).with_columns(
        pl.col("line").cast(pl.Int64), pl.lit(path.name).alias("source_file")
    )


def _bad_line(text: str) -> int | None:
    """Where polars gave up (it does not say): the first record with more fields than the
    header, or running past its line (Olist records are one line each)."""
    rows = csv.reader(io.StringIO(text))
    width = len(next(rows))
    line = 1
    try:
        for line, row in enumerate(rows, start=2):
            if len(row) > width or rows.line_num != line:
                return line
    except csv.Error:  # an unclosed quote ran into the csv module's field size limit
        return line + 1
    return None


def _input_error(path: Path, problem: str) -> AdapterInputError:
    return AdapterInputError(f"olist file {path}: {problem}")


def _key_reason(table: str, key: tuple[str, ...], required: tuple[str, ...] = ()) -> pl.Expr:
    """Rows without their ids, or repeating an earlier row's key, would break or multiply the
    joins: only the first row of a key is used."""
    return (
        pl.when(pl.any_horizontal(pl.col(*key, *required).is_null()))
        .then(pl.lit("missing_id"))
        .when(pl.col("line") != pl.col("line").min().over(key))
        .then(pl.lit(f"duplicate_{table}"))
    )


def _utc_ms(column: str) -> pl.Expr:
    local = pl.col(column).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
    utc = local.dt.replace_time_zone(
        LOCAL_TIME_ZONE, ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")
    return utc.dt.epoch("ms").alias(f"{column}_ms")


def _attributes() -> pl.Expr:
    """Product dimensions as a JSON object (integers; null when Olist has none or a value is
    not a number)."""
    parts: list[pl.Expr] = []
    for i, (key, column) in enumerate(ATTRIBUTES.items()):
        number = pl.col(column).cast(pl.Float64, strict=False)
        value = number.cast(pl.Int64, strict=False).cast(pl.String)
        parts += [pl.lit(("{" if i == 0 else ",") + f'"{key}":'), value.fill_null("null")]
    return pl.concat_str([*parts, pl.lit("}")])


def adapt(paths: list[Path]) -> Adapted:
    files = _files(paths)
    orders, customers, items, products = (_read(files[t], t) for t in TABLES)
    translation = (
        _read(files[TRANSLATION], TRANSLATION)
        .select(COLUMNS[TRANSLATION])
        .unique("product_category_name", keep="first", maintain_order=True)
        if TRANSLATION in files
        else pl.DataFrame(schema=dict.fromkeys(COLUMNS[TRANSLATION], pl.String))
    )
    low, high = (pl.lit(d).str.to_datetime("%Y-%m-%d").dt.epoch("ms") for d in WINDOW)
    customers = customers.with_columns(
        _key_reason("customer", ("customer_id",), ("customer_unique_id",)).alias("reason")
    )
    products = products.with_columns(_key_reason("product", ("product_id",)).alias("reason"))

    # Items are checked first: an order whose items all fail cannot land either.
    price = pl.col("price").cast(pl.Float64, strict=False)
    items = items.join(
        products.filter(pl.col("reason").is_null())
        .select("product_id")
        .with_columns(pl.lit(True).alias("_known")),
        on="product_id",
        how="left",
    )
    item_reason = pl.coalesce(
        _key_reason("item", ("order_id", "order_item_id")),
        pl.when(~pl.col("order_id").is_in(orders["order_id"].implode()))
        .then(pl.lit("item_without_order"))
        .when(pl.col("_known").is_null())
        .then(pl.lit("unknown_product"))
        .when(price.is_null() | ~price.is_finite() | (price < 0))
        .then(pl.lit("bad_price"))
        .when(pl.col("order_item_id").cast(pl.Int64, strict=False).is_null())
        .then(pl.lit("bad_item_id")),
    )
    items = items.with_columns(item_reason.alias("reason"))
    item_orders = items.group_by("order_id").agg(
        pl.len().alias("item_count"), pl.col("reason").is_null().sum().alias("mapped_items")
    )

    orders = (
        orders.with_columns(_utc_ms("order_purchase_timestamp"), _utc_ms("order_approved_at"))
        .join(
            customers.filter(pl.col("reason").is_null()).select(
                "customer_id", "customer_unique_id", "customer_state"
            ),
            on="customer_id",
            how="left",
        )
        .join(item_orders, on="order_id", how="left")
    )
    purchase = pl.col("order_purchase_timestamp_ms")
    cancellation = pl.col("order_status").is_in(list(CANCELLED_STATUSES)).fill_null(False)
    order_reason = pl.coalesce(
        _key_reason("order", ("order_id",)),
        pl.when(pl.col("customer_unique_id").is_null())
        .then(pl.lit("unknown_customer"))
        .when(pl.col("order_purchase_timestamp").is_null())
        .then(pl.lit("missing_purchase_time"))
        .when(purchase.is_null())
        .then(pl.lit("bad_or_nonexistent_local_time"))
        .when((purchase < low) | (purchase >= high))
        .then(pl.lit("timestamp_out_of_range"))
        .when(pl.col("item_count").is_null() & ~cancellation)
        .then(pl.lit("order_without_items"))
        .when(pl.col("mapped_items") == 0)
        .then(pl.lit("items_not_mapped")),
    )
    orders = orders.with_columns(order_reason.alias("reason"))
    good_orders = orders.filter(pl.col("reason").is_null())
    items = items.join(
        good_orders.select("order_id").with_columns(pl.lit(True).alias("_order")),
        on="order_id",
        how="left",
    ).with_columns(
        pl.coalesce(
            "reason", pl.when(pl.col("_order").is_null()).then(pl.lit("order_not_mapped"))
        ).alias("reason")
    )
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
    if run_start is None:  # no order landed: no delivery to carry users and products
        customers, products = (
            f.with_columns(pl.col("reason").fill_null("no_order_landed"))
            for f in (customers, products)
        )
    first_delivery = pl.lit(run_start, dtype=pl.Int64)
    user_first = first_use.group_by("user_id").agg(pl.col("event_time").min().alias("_delivery_ms"))
    users = (
        customers.filter(pl.col("reason").is_null())
        .group_by("customer_unique_id")
        .agg(pl.col("customer_state").first().alias("region"))
        .rename({"customer_unique_id": "user_id"})
        .join(user_first, on="user_id", how="left")
        .with_columns(pl.col("_delivery_ms").fill_null(first_delivery))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("user_id")
    )
    product_first = first_use.group_by("product_id").agg(
        pl.col("event_time").min().alias("_delivery_ms")
    )
    attributes = _attributes()
    products_out = (
        products.filter(pl.col("reason").is_null())
        .join(translation, on="product_category_name", how="left")
        .select(
            "product_id",
            pl.coalesce("product_category_name_english", "product_category_name").alias("category"),
            attributes.alias("attributes"),
        )
        .join(product_first, on="product_id", how="left")
        .with_columns(pl.col("_delivery_ms").fill_null(first_delivery))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort("product_id")
    )
    bad = pl.concat(
        [
            unmapped_rows(
                orders.filter(pl.col("reason").is_not_null()).with_columns(day_ms=purchase)
            ),
            *(
                unmapped_rows(
                    f.filter(pl.col("reason").is_not_null()).with_columns(
                        day_ms=pl.lit(None, dtype=pl.Int64)
                    )
                )
                for f in (items, customers, products)
            ),
        ]
    )
    ignored = [f.name for name, f in files.items() if name not in COLUMNS]
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
        "order payments, reviews, sellers and geolocation are not used; files ignored: "
        + (", ".join(ignored) or "none"),
    ]
    return Adapted(
        SOURCE,
        streams={"orders": events_frame},
        exports={"users": users, "products": products_out, "after_sales": after_sales},
        unmapped=bad,
        notes=notes,
        input_rows=orders.height + items.height + customers.height + products.height,
    )
