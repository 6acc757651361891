"""Product features: explanation time (商品展示时长), price anchoring (价格锚定: live price
against the 30-day minimum and reference price), conversion, refunds."""

from __future__ import annotations

from livelake.column_types import MONEY
from livelake.features.feature import Measure, expression, profile, ratio, windows

PAID = "event_type = 'paid'"


def _product(name: str, source: str, function: str, description: str, **kw: str) -> Measure:
    return Measure(name, "product", source, function, description, **kw)  # type: ignore[arg-type]


EXPLAIN_SECONDS = _product(
    "explain_seconds",
    "session_products",
    "sum",
    "seconds the product was explained on air",
    value="explain_seconds",
)
EXPLAIN_SEGMENTS = _product("explain_segments", "session_products", "count", "explanation segments")
SESSIONS_SHOWN = _product(
    "sessions_shown",
    "session_products",
    "count_distinct",
    "live sessions that showed it",
    value="session_id",
)
INTERACTIONS = _product(
    "interactions",
    "interactions",
    "count",
    "interactions about the product",
)
CART_ADDS = _product(
    "cart_adds", "cart_events", "count", "add-to-cart events", where="event_type = 'add'"
)
PAID_ORDERS = _product("paid_orders", "orders", "count", "orders paid", where=PAID)
PAID_UNITS = _product("paid_units", "orders", "sum", "units paid", value="quantity", where=PAID)
PAID_GMV = _product(
    "paid_gmv_cny",
    "orders",
    "sum",
    "amount paid, CNY",
    value="amount_cny",
    where=PAID,
    dtype=MONEY,
)
BUYERS = _product(
    "buyers", "orders", "count_distinct", "distinct paying users", value="user_id", where=PAID
)
REFUND_CASES = _product("refund_cases", "after_sales", "count", "refund or return cases opened")
MIN_LIVE_PRICE = _product(
    "min_live_price_cny",
    "prices",
    "min",
    "lowest live price valid during the day, CNY",
    value="CAST(live_price_cny AS DOUBLE)",
    dtype="double",
)
MAX_LIST_PRICE = _product(
    "max_list_price_cny",
    "prices",
    "max",
    "highest list price valid during the day, CNY",
    value="CAST(list_price_cny AS DOUBLE)",
    dtype="double",
)

MEASURES: tuple[Measure, ...] = (
    EXPLAIN_SECONDS,
    EXPLAIN_SEGMENTS,
    SESSIONS_SHOWN,
    INTERACTIONS,
    CART_ADDS,
    PAID_ORDERS,
    PAID_UNITS,
    PAID_GMV,
    BUYERS,
    REFUND_CASES,
    MIN_LIVE_PRICE,
    MAX_LIST_PRICE,
)

explain_seconds_7d, explain_seconds_30d = windows(
    EXPLAIN_SECONDS, (7, 30), "seconds explained on air, last {days} days (explanation time)"
)
(explain_segments_30d,) = windows(EXPLAIN_SEGMENTS, (30,), "explanation segments, last {days} days")
(sessions_shown_30d,) = windows(
    SESSIONS_SHOWN, (30,), "sum of daily distinct sessions that showed it, last {days} days"
)
(interactions_7d,) = windows(INTERACTIONS, (7,), "interactions about the product, last {days} days")
(cart_adds_30d,) = windows(CART_ADDS, (30,), "add-to-cart events, last {days} days")
paid_orders_7d, paid_orders_30d, paid_orders_90d = windows(
    PAID_ORDERS, (7, 30, 90), "orders paid, last {days} days"
)
(paid_units_30d,) = windows(PAID_UNITS, (30,), "units paid, last {days} days")
(paid_gmv_cny_30d,) = windows(PAID_GMV, (30,), "CNY paid, last {days} days")
(buyer_days_30d,) = windows(
    BUYERS, (30,), "sum of daily distinct buyers, last {days} days", name="buyer_days_{days}d"
)
(refund_cases_90d,) = windows(REFUND_CASES, (90,), "refund / return cases, last {days} days")
(min_live_price_cny_30d,) = windows(
    MIN_LIVE_PRICE,
    (30,),
    "lowest live price of the last {days} days, CNY",
    aggregation="min",
    max_null_fraction=1.0,
)
(max_list_price_cny_30d,) = windows(
    MAX_LIST_PRICE,
    (30,),
    "highest list (reference) price of the last {days} days, CNY",
    aggregation="max",
    max_null_fraction=1.0,
)
live_price_cny = profile(
    "live_price_cny",
    "product",
    "prices",
    "CAST(live_price_cny AS DOUBLE)",
    "live price valid at the end of the snapshot day (latest price version), CNY",
    min_value=0.0,
    max_null_fraction=1.0,
)
list_price_cny = profile(
    "list_price_cny",
    "product",
    "products",
    "CAST(list_price_cny AS DOUBLE)",
    "catalog list price at the end of the snapshot day, CNY",
    min_value=0.0,
    max_null_fraction=1.0,
)

PRODUCT_FEATURES = [
    explain_seconds_7d,
    explain_seconds_30d,
    explain_segments_30d,
    sessions_shown_30d,
    ratio(
        "avg_explain_seconds_30d",
        explain_seconds_30d,
        explain_segments_30d,
        "mean seconds per explanation segment, last 30 days",
    ),
    interactions_7d,
    cart_adds_30d,
    paid_orders_7d,
    paid_orders_30d,
    paid_orders_90d,
    paid_units_30d,
    paid_gmv_cny_30d,
    buyer_days_30d,
    ratio(
        "cart_to_pay_ratio_30d",
        paid_orders_30d,
        cart_adds_30d,
        "orders paid per add-to-cart, last 30 days",
    ),
    ratio(
        "orders_per_explain_minute_30d",
        paid_orders_30d,
        explain_seconds_30d,
        "orders paid per minute explained on air, last 30 days",
        scale=60.0,
    ),
    refund_cases_90d,
    ratio(
        "refund_rate_90d",
        refund_cases_90d,
        paid_orders_90d,
        "refund / return cases per paid order, last 90 days",
    ),
    live_price_cny,
    list_price_cny,
    min_live_price_cny_30d,
    max_list_price_cny_30d,
    expression(
        "price_vs_min_30d",
        (live_price_cny, min_live_price_cny_30d),
        "live_price_cny / NULLIF(min_live_price_cny_30d, 0)",
        "live price ÷ lowest live price of the last 30 days "
        "(1 = at its 30-day low; price anchoring)",
        window_days=30,
        min_value=0.0,
        max_null_fraction=1.0,
    ),
    expression(
        "discount_vs_ref_30d",
        (live_price_cny, max_list_price_cny_30d),
        "1 - live_price_cny / NULLIF(max_list_price_cny_30d, 0)",
        "1 - live price ÷ highest list price of the last 30 days (price anchoring)",
        window_days=30,
        max_value=1.0,
        max_null_fraction=1.0,
    ),
    profile(
        "is_flash_sale",
        "product",
        "prices",
        "CASE WHEN is_flash_sale THEN 1 ELSE 0 END",
        "1 if the latest price version is a flash sale",
        dtype="int",
        min_value=0,
        max_value=1,
        max_null_fraction=1.0,
    ),
]
