"""User and user×category features: engagement, dwell, cart-to-pay, RFM, refunds, social
reach, and category interests decaying with a 14-day half-life (the plan's drift period)."""

from __future__ import annotations

from livelake.column_types import MONEY
from livelake.features.feature import (
    Measure,
    carried,
    expression,
    profile,
    ratio,
    windows,
)

HALF_LIFE_DAYS = 14.0
# What a short and a long room visit are (dwell_seconds of the leave event), for the features
# and the KPIs alike: the plan says most visits are shorter than 3 minutes.
SHORT_VISIT_SECONDS = 180
LONG_VISIT_SECONDS = 600

_DECAY = (
    f"with a {HALF_LIFE_DAYS:g}-day half-life "
    f"(yesterday's score × 2^(-1/{HALF_LIFE_DAYS:g}) + today's)"
)
ENTER = "event_type = 'enter'"
LEAVE = "event_type = 'leave' AND dwell_seconds IS NOT NULL"
PAID = "event_type = 'paid'"


def _user(name: str, source: str, function: str, description: str, **kw: str) -> Measure:
    return Measure(name, "user", source, function, description, **kw)  # type: ignore[arg-type]


VISITS = _user("visits", "views", "count", "live-room entries", where=ENTER)
SESSIONS_VISITED = _user(
    "sessions_visited",
    "views",
    "count_distinct",
    "distinct live sessions entered",
    value="session_id",
    where=ENTER,
)
DWELL_SECONDS = _user(
    "dwell_seconds",
    "views",
    "sum",
    "seconds spent in live rooms (leave events)",
    value="dwell_seconds",
    where=LEAVE,
)
DWELL_VISITS = _user("dwell_visits", "views", "count", "visits with a known dwell", where=LEAVE)
SHORT_VISITS = _user(
    "short_visits",
    "views",
    "count",
    f"visits shorter than {SHORT_VISIT_SECONDS} s",
    where=f"{LEAVE} AND dwell_seconds < {SHORT_VISIT_SECONDS}",
)
LONG_VISITS = _user(
    "long_visits",
    "views",
    "count",
    f"visits of {LONG_VISIT_SECONDS} s or longer",
    where=f"{LEAVE} AND dwell_seconds >= {LONG_VISIT_SECONDS}",
)
INTERACTIONS = _user("interactions", "interactions", "count", "comments, likes, shares, gifts")
COMMENTS = _user("comments", "interactions", "count", "comments", where="event_type = 'comment'")
LIKES = _user("likes", "interactions", "count", "likes", where="event_type = 'like'")
GIFTS = _user("gifts", "interactions", "count", "gifts sent", where="event_type = 'gift'")
GIFT_VALUE = _user(
    "gift_value_cny",
    "interactions",
    "sum",
    "value of gifts sent, CNY",
    value="gift_value_cny",
    where="event_type = 'gift'",
    dtype=MONEY,
)
CART_ADDS = _user(
    "cart_adds", "cart_events", "count", "add-to-cart events", where="event_type = 'add'"
)
CART_REMOVES = _user(
    "cart_removes", "cart_events", "count", "remove-from-cart events", where="event_type = 'remove'"
)
ORDERS_CREATED = _user(
    "orders_created", "orders", "count", "orders created", where="event_type = 'created'"
)
PAID_ORDERS = _user("paid_orders", "orders", "count", "orders paid", where=PAID)
PAID_GMV = _user(
    "paid_gmv_cny",
    "orders",
    "sum",
    "amount paid, CNY",
    value="amount_cny",
    where=PAID,
    dtype=MONEY,
)
CANCELLED_ORDERS = _user(
    "cancelled_orders", "orders", "count", "orders cancelled", where="event_type = 'cancelled'"
)
REFUND_CASES = _user("refund_cases", "after_sales", "count", "refund or return cases opened")
REFUND_AMOUNT = _user(
    "refund_amount_cny",
    "after_sales",
    "sum",
    "amount asked back, CNY",
    value="amount_cny",
    dtype=MONEY,
)
NET_FOLLOWS = _user(
    "net_follows",
    "social",
    "sum",
    "anchors followed minus unfollowed",
    value="CASE WHEN edge_type = 'follow' THEN 1 ELSE -1 END",
    where="edge_type IN ('follow', 'unfollow')",
)
SHARES_SENT = _user(
    "shares_sent", "social", "count", "share edges to other users", where="edge_type = 'share'"
)
INVITES_SENT = _user(
    "invites_sent", "social", "count", "invite edges to other users", where="edge_type = 'invite'"
)

MEASURES: tuple[Measure, ...] = (
    VISITS,
    SESSIONS_VISITED,
    DWELL_SECONDS,
    DWELL_VISITS,
    SHORT_VISITS,
    LONG_VISITS,
    INTERACTIONS,
    COMMENTS,
    LIKES,
    GIFTS,
    GIFT_VALUE,
    CART_ADDS,
    CART_REMOVES,
    ORDERS_CREATED,
    PAID_ORDERS,
    PAID_GMV,
    CANCELLED_ORDERS,
    REFUND_CASES,
    REFUND_AMOUNT,
    NET_FOLLOWS,
    SHARES_SENT,
    INVITES_SENT,
)

visits_1d, visits_7d, visits_30d, visits_90d = windows(
    VISITS, (1, 7, 30, 90), "live-room entries in the last {days} days (frequency)"
)
(sessions_visited_7d,) = windows(
    SESSIONS_VISITED, (7,), "sum over the last {days} days of daily distinct sessions entered"
)
dwell_seconds_7d, dwell_seconds_30d = windows(
    DWELL_SECONDS, (7, 30), "seconds in live rooms, last {days} days"
)
(dwell_visits_30d,) = windows(DWELL_VISITS, (30,), "visits with a known dwell, last {days} days")
(short_visits_30d,) = windows(
    SHORT_VISITS, (30,), f"visits under {SHORT_VISIT_SECONDS} s, last {{days}} days"
)
(long_visits_30d,) = windows(
    LONG_VISITS, (30,), f"visits of {LONG_VISIT_SECONDS} s or more, last {{days}} days"
)
interactions_7d, interactions_30d = windows(
    INTERACTIONS, (7, 30), "interactions (互动), last {days} days"
)
(comments_7d,) = windows(COMMENTS, (7,), "comments, last {days} days")
(likes_7d,) = windows(LIKES, (7,), "likes, last {days} days")
(gifts_30d,) = windows(GIFTS, (30,), "gifts sent, last {days} days")
(gift_value_cny_30d,) = windows(GIFT_VALUE, (30,), "gift value sent in CNY, last {days} days")
cart_adds_7d, cart_adds_30d = windows(CART_ADDS, (7, 30), "add-to-cart events, last {days} days")
(cart_removes_30d,) = windows(CART_REMOVES, (30,), "remove-from-cart events, last {days} days")
paid_orders_7d, paid_orders_30d, paid_orders_90d = windows(
    PAID_ORDERS, (7, 30, 90), "orders paid in the last {days} days (frequency)"
)
paid_gmv_cny_30d, paid_gmv_cny_90d = windows(
    PAID_GMV, (30, 90), "CNY paid in the last {days} days (monetary)"
)
(cancelled_orders_30d,) = windows(CANCELLED_ORDERS, (30,), "orders cancelled, last {days} days")
(refund_cases_90d,) = windows(REFUND_CASES, (90,), "refund / return cases opened, last {days} days")
(shares_sent_30d,) = windows(
    SHARES_SENT, (30,), "shares to other users, last {days} days (social reach)"
)
(invites_sent_30d,) = windows(
    INVITES_SENT, (30,), "invites to other users, last {days} days (social reach)"
)
(purchase_days_90d,) = windows(
    PAID_ORDERS,
    (90,),
    "days with at least one paid order in the last {days} days (repurchase)",
    aggregation="active_days",
    name="purchase_days_{days}d",
    max_value=90,
)
lifetime_paid_orders = carried(
    "lifetime_paid_orders", PAID_ORDERS, "lifetime_sum", "orders paid ever"
)
lifetime_paid_gmv_cny = carried("lifetime_paid_gmv_cny", PAID_GMV, "lifetime_sum", "CNY paid ever")
anchors_followed = carried(
    "anchors_followed",
    NET_FOLLOWS,
    "lifetime_sum",
    "anchors followed now (follows minus unfollows ever; social reach)",
    min_value=None,
)
days_since_last_visit = carried(
    "days_since_last_visit",
    VISITS,
    "recency_days",
    "days since the last live-room entry (0 = on the snapshot day); null if never",
    max_null_fraction=1.0,
)
days_since_last_paid_order = carried(
    "days_since_last_paid_order",
    PAID_ORDERS,
    "recency_days",
    "days since the last paid order (recency); null if never",
    max_null_fraction=1.0,
)
engagement_decayed = carried(
    "engagement_decayed",
    INTERACTIONS,
    "decay",
    f"interactions {_DECAY}",
    half_life_days=HALF_LIFE_DAYS,
)

USER_FEATURES = [
    visits_1d,
    visits_7d,
    visits_30d,
    visits_90d,
    sessions_visited_7d,
    dwell_seconds_7d,
    dwell_seconds_30d,
    dwell_visits_30d,
    short_visits_30d,
    long_visits_30d,
    ratio(
        "avg_dwell_seconds_30d",
        dwell_seconds_30d,
        dwell_visits_30d,
        "mean seconds per visit, last 30 days (dwell distribution)",
    ),
    ratio(
        "short_visit_share_30d",
        short_visits_30d,
        dwell_visits_30d,
        f"share of visits under {SHORT_VISIT_SECONDS} s, last 30 days (dwell distribution)",
        max_value=1.0,
    ),
    ratio(
        "long_visit_share_30d",
        long_visits_30d,
        dwell_visits_30d,
        f"share of visits of {LONG_VISIT_SECONDS} s or more, last 30 days (dwell distribution)",
        max_value=1.0,
    ),
    interactions_7d,
    interactions_30d,
    comments_7d,
    likes_7d,
    gifts_30d,
    gift_value_cny_30d,
    ratio(
        "interactions_per_visit_30d",
        interactions_30d,
        visits_30d,
        "interactions per live-room entry, last 30 days (interaction frequency)",
    ),
    cart_adds_7d,
    cart_adds_30d,
    cart_removes_30d,
    paid_orders_7d,
    paid_orders_30d,
    paid_orders_90d,
    paid_gmv_cny_30d,
    paid_gmv_cny_90d,
    ratio(
        "cart_to_pay_ratio_30d",
        paid_orders_30d,
        cart_adds_30d,
        "orders paid per add-to-cart, last 30 days",
    ),
    ratio(
        "avg_order_value_cny_90d",
        paid_gmv_cny_90d,
        paid_orders_90d,
        "CNY per paid order, last 90 days (monetary)",
    ),
    cancelled_orders_30d,
    refund_cases_90d,
    ratio(
        "refund_rate_90d",
        refund_cases_90d,
        paid_orders_90d,
        "refund / return cases per paid order, last 90 days",
    ),
    purchase_days_90d,
    lifetime_paid_orders,
    lifetime_paid_gmv_cny,
    expression(
        "is_repeat_buyer",
        (lifetime_paid_orders,),
        "CASE WHEN lifetime_paid_orders >= 2 THEN 1 ELSE 0 END",
        "1 if the user has paid two or more orders ever (repurchase)",
        dtype="int",
        min_value=0,
        max_value=1,
    ),
    days_since_last_visit,
    days_since_last_paid_order,
    anchors_followed,
    shares_sent_30d,
    invites_sent_30d,
    engagement_decayed,
    profile(
        "days_since_registration",
        "user",
        "users",
        "datediff(as_of_date, to_date(registered_at))",
        "days from registration to the snapshot day",
        dtype="long",
        min_value=0,
        max_null_fraction=1.0,
    ),
    profile(
        "membership_rank",
        "user",
        "users",
        "CASE membership_level WHEN 'none' THEN 0 WHEN 'silver' THEN 1 WHEN 'gold' THEN 2 "
        "WHEN 'platinum' THEN 3 END",
        "membership level as a rank: none 0, silver 1, gold 2, platinum 3",
        dtype="int",
        min_value=0,
        max_value=3,
        max_null_fraction=1.0,
    ),
]

# --- user × category: interests that drift (14-day half-life) ------------------------


def _interest(name: str, source: str, description: str, where: str) -> Measure:
    return Measure(name, "user_category", source, "count", description, where=where)


CATEGORY_VISITS = _interest("visits", "views", "entries into live rooms of the category", ENTER)
CATEGORY_CART_ADDS = _interest(
    "cart_adds", "cart_events", "products of the category added to cart", "event_type = 'add'"
)
CATEGORY_PAID_ORDERS = _interest("paid_orders", "orders", "orders paid in the category", PAID)

USER_CATEGORY_MEASURES: tuple[Measure, ...] = (
    CATEGORY_VISITS,
    CATEGORY_CART_ADDS,
    CATEGORY_PAID_ORDERS,
)

visits_decayed = carried(
    "visits_decayed",
    CATEGORY_VISITS,
    "decay",
    f"room entries in the category {_DECAY}",
    half_life_days=HALF_LIFE_DAYS,
)
cart_adds_decayed = carried(
    "cart_adds_decayed",
    CATEGORY_CART_ADDS,
    "decay",
    f"adds to cart in the category {_DECAY}",
    half_life_days=HALF_LIFE_DAYS,
)
paid_orders_decayed = carried(
    "paid_orders_decayed",
    CATEGORY_PAID_ORDERS,
    "decay",
    f"paid orders in the category {_DECAY}",
    half_life_days=HALF_LIFE_DAYS,
)
interest_score_decayed = expression(
    "interest_score_decayed",
    (visits_decayed, cart_adds_decayed, paid_orders_decayed),
    "visits_decayed + 3 * cart_adds_decayed + 5 * paid_orders_decayed",
    "category interest: decayed visits + 3 × decayed adds to cart + 5 × decayed paid orders",
    min_value=0.0,
)

USER_CATEGORY_FEATURES = [
    visits_decayed,
    cart_adds_decayed,
    paid_orders_decayed,
    interest_score_decayed,
    expression(
        "interest_share",
        (interest_score_decayed,),
        "interest_score_decayed / "
        "NULLIF(sum(interest_score_decayed) OVER (PARTITION BY user_id, as_of_date), 0)",
        "the category's share of the user's total interest (sums to 1 over the user's categories)",
        min_value=0.0,
        max_value=1.0,
        max_null_fraction=1.0,
    ),
    *windows(CATEGORY_VISITS, (30,), "entries into live rooms of the category, last {days} days"),
]
