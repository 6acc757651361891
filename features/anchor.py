"""Anchor (streamer) features: professionalism (the plan's strongest conversion driver),
audience, interaction frequency, conversion and follower growth."""

from __future__ import annotations

from livelake.column_types import MONEY
from livelake.features.feature import Measure, profile, ratio, windows

PAID = "event_type = 'paid'"
ENTER = "event_type = 'enter'"


def _anchor(name: str, source: str, function: str, description: str, **kw: str) -> Measure:
    return Measure(name, "anchor", source, function, description, **kw)  # type: ignore[arg-type]


VISITS = _anchor("visits", "views", "count", "room entries into the anchor's sessions", where=ENTER)
VIEWERS = _anchor(
    "viewers", "views", "count_distinct", "distinct users entering", value="user_id", where=ENTER
)
DWELL_SECONDS = _anchor(
    "dwell_seconds",
    "views",
    "sum",
    "seconds viewers spent in the anchor's rooms",
    value="dwell_seconds",
    where="event_type = 'leave'",
)
INTERACTIONS = _anchor(
    "interactions", "interactions", "count", "interactions in the anchor's rooms"
)
GIFT_VALUE = _anchor(
    "gift_value_cny",
    "interactions",
    "sum",
    "gift value received, CNY",
    value="gift_value_cny",
    where="event_type = 'gift'",
    dtype=MONEY,
)
PAID_ORDERS = _anchor("paid_orders", "orders", "count", "orders paid", where=PAID)
PAID_GMV = _anchor(
    "paid_gmv_cny",
    "orders",
    "sum",
    "amount paid, CNY",
    value="amount_cny",
    where=PAID,
    dtype=MONEY,
)
SESSIONS = _anchor("sessions", "live_sessions", "count", "live sessions started")
LIVE_SECONDS = _anchor(
    "live_seconds",
    "live_sessions",
    "sum",
    "seconds on air of sessions started that day",
    value="unix_timestamp(ended_at) - unix_timestamp(started_at)",
    where="ended_at IS NOT NULL",
)
EXPLAIN_SECONDS = _anchor(
    "explain_seconds",
    "session_products",
    "sum",
    "seconds spent explaining products",
    value="explain_seconds",
)
NET_FOLLOWS = _anchor(
    "net_follows",
    "social",
    "sum",
    "new followers minus unfollows",
    value="CASE WHEN edge_type = 'follow' THEN 1 ELSE -1 END",
    where="edge_type IN ('follow', 'unfollow')",
)

MEASURES: tuple[Measure, ...] = (
    VISITS,
    VIEWERS,
    DWELL_SECONDS,
    INTERACTIONS,
    GIFT_VALUE,
    PAID_ORDERS,
    PAID_GMV,
    SESSIONS,
    LIVE_SECONDS,
    EXPLAIN_SECONDS,
    NET_FOLLOWS,
)

visits_7d, visits_30d = windows(VISITS, (7, 30), "room entries, last {days} days")
(viewer_days_30d,) = windows(
    VIEWERS, (30,), "sum of daily distinct viewers, last {days} days", name="viewer_days_{days}d"
)
(dwell_seconds_30d,) = windows(
    DWELL_SECONDS, (30,), "viewer seconds in the rooms, last {days} days"
)
interactions_7d, interactions_30d = windows(
    INTERACTIONS, (7, 30), "interactions received, last {days} days"
)
(gift_value_cny_30d,) = windows(GIFT_VALUE, (30,), "gift value received in CNY, last {days} days")
paid_orders_7d, paid_orders_30d = windows(PAID_ORDERS, (7, 30), "orders paid, last {days} days")
(paid_gmv_cny_30d,) = windows(PAID_GMV, (30,), "CNY paid, last {days} days")
(sessions_30d,) = windows(SESSIONS, (30,), "live sessions started, last {days} days")
(live_seconds_30d,) = windows(LIVE_SECONDS, (30,), "seconds on air, last {days} days")
(explain_seconds_30d,) = windows(
    EXPLAIN_SECONDS, (30,), "seconds explaining products, last {days} days"
)
(net_new_followers_30d,) = windows(
    NET_FOLLOWS,
    (30,),
    "followers gained minus lost, last {days} days",
    name="net_new_followers_{days}d",
    min_value=None,
)

ANCHOR_FEATURES = [
    profile(
        "professionalism_score",
        "anchor",
        "anchors",
        "professionalism_score",
        "professionalism score 0-100 at the end of the snapshot day (plan weight 35%)",
        min_value=0.0,
        max_value=100.0,
    ),
    profile(
        "followers",
        "anchor",
        "anchors",
        "followers",
        "followers at the end of the snapshot day",
        dtype="long",
        min_value=0.0,
    ),
    profile(
        "tier_rank",
        "anchor",
        "anchors",
        "CASE tier WHEN 'long_tail' THEN 1 WHEN 'mid' THEN 2 WHEN 'head' THEN 3 END",
        "tier as a rank: long tail 1, mid 2, head 3",
        dtype="int",
        min_value=1,
        max_value=3,
    ),
    visits_7d,
    visits_30d,
    viewer_days_30d,
    dwell_seconds_30d,
    ratio(
        "avg_dwell_seconds_30d",
        dwell_seconds_30d,
        visits_30d,
        "viewer seconds per room entry, last 30 days",
    ),
    interactions_7d,
    interactions_30d,
    ratio(
        "interactions_per_visit_30d",
        interactions_30d,
        visits_30d,
        "interactions per room entry, last 30 days (interaction frequency)",
    ),
    gift_value_cny_30d,
    paid_orders_7d,
    paid_orders_30d,
    paid_gmv_cny_30d,
    ratio(
        "conversion_rate_30d",
        paid_orders_30d,
        visits_30d,
        "orders paid per room entry, last 30 days",
    ),
    sessions_30d,
    live_seconds_30d,
    explain_seconds_30d,
    ratio(
        "explain_share_30d",
        explain_seconds_30d,
        live_seconds_30d,
        "share of air time spent explaining products, last 30 days",
    ),
    net_new_followers_30d,
]
