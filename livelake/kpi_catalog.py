"""The KPI catalog: every metric of the mart declared once, as data.

Three kinds of declarations, each in one place:

- a **fact** is one SQL query over relations named like the silver tables (`{views}`,
  `{orders}`, …) and the model's `{conversion_scores}`, plus four dimension relations built
  here (`{user_dim}`, `{anchor_dim}`, `{product_dim}`, `{session_dim}`, each "as known at
  the end of day D"). Every fact row
  carries the breakdown columns it supports, and the fact lists its **measures**: named
  aggregate expressions over its rows.
- a **metric** is numerator measure / denominator measure x scale, with a unit, a valid
  range (what the GE suite checks) and, where the plan names one, its **targets**. Numerator
  and denominator may come from different facts (GMV per visit); a metric is offered for
  the breakdowns both of them support.
- a **breakdown** is a column every fact either has or does not: anchor tier, category,
  region, device, hour of day (UTC), plus `all`.

Where one of the generator's calibration queries (`livelake.generator.calibration`, the
plan figures the generator is tested against) measures the same figure, the catalog metric
names it in `same_as` and computes the same thing per day (in percent);
tests/jobs/gold/test_kpi_calibration.py runs both on generated data and asserts equality.

`category` is the product's category where a fact row has a product (carts, orders,
after-sales, explanation segments, interactions about a product), else the live session's.
Rows whose breakdown cannot be resolved count under `unknown`, never dropped.

The job (`livelake.jobs.gold.kpi`) aggregates each fact once with GROUPING SETS and derives
every metric row from the catalog; the GE suite (`expectations/gold/kpi_daily.json`) is
generated from the same declarations (`kpi_suite`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from livelake.features.user import LONG_VISIT_SECONDS, SHORT_VISIT_SECONDS
from livelake.lake.tables.silver import AFTER_SALES_REASONS, INTERACTIONS

BREAKDOWNS = ("anchor_tier", "category", "region", "device", "hour_of_day")
OVERALL = "all"
UNKNOWN = "unknown"

REPURCHASE_WINDOW_DAYS = 30
NEW_USER_DAYS = 7
INTERACTION_TYPES = INTERACTIONS.column("event_type").allowed


@dataclass(frozen=True)
class Breakdowns:
    """SQL expressions of a fact's breakdown columns; region and device need a user."""

    tier: str
    category: str
    at: str
    region: str | None = None
    device: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b for b in BREAKDOWNS if self._expression(b) is not None)

    def _expression(self, breakdown: str) -> str | None:
        hour = f"lpad(CAST(hour({self.at}) AS STRING), 2, '0')"
        return {
            "anchor_tier": self.tier,
            "category": self.category,
            "region": self.region,
            "device": self.device,
            "hour_of_day": hour,
        }[breakdown]

    def select(self) -> str:
        """The breakdown columns of a fact row, `unknown` when unresolved."""
        return ", ".join(f"coalesce({self._expression(b)}, '{UNKNOWN}') AS {b}" for b in self.names)


@dataclass(frozen=True)
class Fact:
    """A relation at a stated grain whose rows carry breakdown columns and feed measures."""

    name: str
    grain: str
    sql: str
    columns: Breakdowns
    measures: dict[str, str]

    @property
    def breakdowns(self) -> tuple[str, ...]:
        return self.columns.names

    @property
    def query(self) -> str:
        """The fact's SQL with its breakdown columns filled in (relations still `{named}`)."""
        return self.sql.replace("{breakdowns}", self.columns.select())


@dataclass(frozen=True)
class Target:
    milestone: str
    value: float
    source: str


@dataclass(frozen=True)
class Metric:
    """numerator / denominator x scale (or numerator x scale when there is no denominator)."""

    name: str
    description: str
    unit: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    valid_range: tuple[float | None, float | None] = (0.0, None)
    targets: tuple[Target, ...] = ()
    direction: str = "higher_is_better"
    same_as: str | None = None  # the livelake.generator.calibration query it equals

    @property
    def target(self) -> Target | None:
        """The nearest milestone: what `gap_to_target` is measured against."""
        return self.targets[0] if self.targets else None


# --- Dimensions as of the end of day D ---------------------------------------------------

_AS_OF = (
    "valid_from < TIMESTAMP {day_end} AND (valid_to IS NULL OR valid_to >= TIMESTAMP {day_end})"
)

DIMENSIONS: dict[str, str] = {
    "user_dim": f"""
        SELECT user_id, region, device_type AS device,
               registered_at >= TIMESTAMP {{new_since}} AS is_new_user
        FROM {{users}} WHERE {_AS_OF}""",
    "anchor_dim": f"""
        SELECT anchor_id, tier AS anchor_tier, main_category, followers
        FROM {{anchors}} WHERE {_AS_OF}""",
    "product_dim": f"""
        SELECT product_id, category, list_price_cny
        FROM {{products}} WHERE {_AS_OF}""",
    "session_dim": """
        SELECT s.session_id, s.session_date, s.started_at, s.ended_at,
               a.anchor_tier, coalesce(s.category, a.main_category) AS category
        FROM {live_sessions} s LEFT JOIN {anchor_dim} a ON a.anchor_id = s.anchor_id""",
}


# --- Facts --------------------------------------------------------------------------------

ROOM_VISITS = Fact(
    "room_visits",
    "one row per room visit (distinct visit_id in a live session) seen on day D",
    """
    WITH visits AS (
        SELECT visit_id, user_id, session_id, min(event_time) AS first_seen_at
        FROM {views}
        WHERE event_date = DATE {day} AND session_id IS NOT NULL
        GROUP BY visit_id, user_id, session_id
    ), carted AS (
        SELECT DISTINCT user_id, session_id FROM {cart_events}
        WHERE event_date = DATE {day} AND event_type = 'add' AND session_id IS NOT NULL
    ), paid AS (
        SELECT DISTINCT user_id, session_id FROM {orders}
        WHERE event_date = DATE {day} AND event_type = 'paid' AND session_id IS NOT NULL
    )
    SELECT c.user_id IS NOT NULL AS is_carted,
           p.user_id IS NOT NULL AS is_paid,
           coalesce(u.is_new_user, false) AS is_new_user,
           {breakdowns}
    FROM visits v
    LEFT JOIN carted c ON c.user_id = v.user_id AND c.session_id = v.session_id
    LEFT JOIN paid p ON p.user_id = v.user_id AND p.session_id = v.session_id
    LEFT JOIN {session_dim} s ON s.session_id = v.session_id
    LEFT JOIN {user_dim} u ON u.user_id = v.user_id""",
    Breakdowns(
        tier="s.anchor_tier",
        category="s.category",
        region="u.region",
        device="u.device",
        at="v.first_seen_at",
    ),
    {
        "room_visits": "count(*)",
        "carted_visits": "count_if(is_carted)",
        "paying_visits": "count_if(is_paid)",
        "new_user_visits": "count_if(is_new_user)",
        "returning_user_visits": "count_if(NOT is_new_user)",
    },
)

VISITS = Fact(
    "visits",
    "one row per completed room visit (a leave event with its dwell) on day D",
    """
    SELECT w.dwell_seconds,
           {breakdowns}
    FROM {views} w
    LEFT JOIN {session_dim} s ON s.session_id = w.session_id
    LEFT JOIN {user_dim} u ON u.user_id = w.user_id
    WHERE w.event_date = DATE {day} AND w.event_type = 'leave'
      AND w.dwell_seconds IS NOT NULL""",
    Breakdowns(
        tier="s.anchor_tier",
        category="s.category",
        region="u.region",
        device="u.device",
        at="w.event_time",
    ),
    {
        "completed_visits": "count(*)",
        "watch_minutes": "sum(dwell_seconds) / 60.0",
        "short_visits": f"count_if(dwell_seconds < {SHORT_VISIT_SECONDS})",
        "long_visits": f"count_if(dwell_seconds >= {LONG_VISIT_SECONDS})",
    },
)

CARTS = Fact(
    "carts",
    "one row per (user, live session, product) added to the cart on day D",
    """
    WITH carts AS (
        SELECT user_id, session_id, product_id,
               count_if(event_type = 'add') AS adds,
               count_if(event_type = 'remove') AS removes,
               sum(CASE WHEN event_type = 'add' THEN quantity * unit_price_cny END)
                   AS added_value_cny,
               min(CASE WHEN event_type = 'add' THEN event_time END) AS first_added_at
        FROM {cart_events}
        WHERE event_date = DATE {day}
        GROUP BY user_id, session_id, product_id
    ), paid AS (
        SELECT DISTINCT user_id, session_id, product_id FROM {orders}
        WHERE event_date = DATE {day} AND event_type = 'paid'
    )
    SELECT c.adds, c.removes, CAST(c.added_value_cny AS DOUBLE) AS added_value_cny,
           p.user_id IS NOT NULL AS is_paid,
           {breakdowns}
    FROM carts c
    LEFT JOIN paid p ON p.user_id = c.user_id AND p.product_id = c.product_id
                    AND p.session_id IS NOT DISTINCT FROM c.session_id
    LEFT JOIN {session_dim} s ON s.session_id = c.session_id
    LEFT JOIN {user_dim} u ON u.user_id = c.user_id
    LEFT JOIN {product_dim} pr ON pr.product_id = c.product_id
    WHERE c.adds > 0""",
    Breakdowns(
        tier="s.anchor_tier",
        category="coalesce(pr.category, s.category)",
        region="u.region",
        device="u.device",
        at="c.first_added_at",
    ),
    {
        "carts": "count(*)",
        "paid_carts": "count_if(is_paid)",
        "unpaid_carts": "count_if(NOT is_paid)",
        "cart_adds": "sum(adds)",
        "cart_removes": "sum(removes)",
        "cart_value_cny": "sum(added_value_cny)",
    },
)

ORDER_EVENTS = Fact(
    "order_events",
    "one row per order status change (created, paid, cancelled) on day D",
    """
    WITH prior_buyers AS (
        SELECT DISTINCT user_id FROM {orders}
        WHERE event_type = 'paid'
          AND event_date >= DATE {repeat_since} AND event_date < DATE {day}
    )
    SELECT o.event_type, o.user_id, o.quantity,
           CAST(o.amount_cny AS DOUBLE) AS amount_cny,
           CAST(o.coupon_cny AS DOUBLE) AS coupon_cny,
           CAST(o.unit_price_cny * o.quantity AS DOUBLE) AS live_value_cny,
           CAST(pr.list_price_cny * o.quantity AS DOUBLE) AS list_value_cny,
           b.user_id IS NOT NULL AS is_repeat_buyer,
           coalesce(u.is_new_user, false) AS is_new_user,
           {breakdowns}
    FROM {orders} o
    LEFT JOIN prior_buyers b ON b.user_id = o.user_id
    LEFT JOIN {anchor_dim} a ON a.anchor_id = o.anchor_id
    LEFT JOIN {session_dim} s ON s.session_id = o.session_id
    LEFT JOIN {user_dim} u ON u.user_id = o.user_id
    LEFT JOIN {product_dim} pr ON pr.product_id = o.product_id
    WHERE o.event_date = DATE {day}""",
    Breakdowns(
        tier="coalesce(a.anchor_tier, s.anchor_tier)",
        category="coalesce(pr.category, s.category)",
        region="u.region",
        device="u.device",
        at="o.event_time",
    ),
    {
        "orders_created": "count_if(event_type = 'created')",
        "orders_paid": "count_if(event_type = 'paid')",
        "orders_cancelled": "count_if(event_type = 'cancelled')",
        "gmv_cny": "sum(CASE WHEN event_type = 'paid' THEN amount_cny END)",
        "units_sold": "sum(CASE WHEN event_type = 'paid' THEN quantity END)",
        "coupon_cny": "sum(CASE WHEN event_type = 'paid' THEN coupon_cny END)",
        "live_value_cny": "sum(CASE WHEN event_type = 'paid' THEN live_value_cny END)",
        "listed_value_cny": "sum(CASE WHEN event_type = 'paid' THEN list_value_cny END)",
        "anchoring_discount_cny": (
            "sum(CASE WHEN event_type = 'paid' THEN list_value_cny - live_value_cny END)"
        ),
        "buyers": "count(DISTINCT CASE WHEN event_type = 'paid' THEN user_id END)",
        "repeat_buyers": (
            "count(DISTINCT CASE WHEN event_type = 'paid' AND is_repeat_buyer THEN user_id END)"
        ),
        "new_buyers": (
            "count(DISTINCT CASE WHEN event_type = 'paid' AND is_new_user THEN user_id END)"
        ),
    },
)

INTERACTIONS = Fact(
    "interactions",
    "one row per comment, like, share or gift on day D",
    """
    SELECT i.event_type, i.user_id, CAST(i.gift_value_cny AS DOUBLE) AS gift_value_cny,
           {breakdowns}
    FROM {interactions} i
    LEFT JOIN {session_dim} s ON s.session_id = i.session_id
    LEFT JOIN {user_dim} u ON u.user_id = i.user_id
    LEFT JOIN {product_dim} pr ON pr.product_id = i.product_id
    WHERE i.event_date = DATE {day}""",
    Breakdowns(
        tier="s.anchor_tier",
        category="coalesce(pr.category, s.category)",
        region="u.region",
        device="u.device",
        at="i.event_time",
    ),
    {
        "interactions": "count(*)",
        **{f"{kind}s": f"count_if(event_type = '{kind}')" for kind in INTERACTION_TYPES},
        "gift_value_cny": "sum(gift_value_cny)",
        "interacting_users": "count(DISTINCT user_id)",
    },
)

EXPLANATIONS = Fact(
    "explanations",
    "one row per product explanation segment that started on day D",
    """
    SELECT sp.session_id, sp.product_id, sp.explain_seconds,
           {breakdowns}
    FROM {session_products} sp
    LEFT JOIN {session_dim} s ON s.session_id = sp.session_id
    LEFT JOIN {product_dim} pr ON pr.product_id = sp.product_id
    WHERE sp.segment_date = DATE {day}""",
    Breakdowns(
        tier="s.anchor_tier", category="coalesce(pr.category, s.category)", at="sp.explain_start"
    ),
    {
        "explanation_segments": "count(*)",
        "explained_products": "count(DISTINCT concat_ws('|', session_id, product_id))",
        "explain_minutes": "sum(explain_seconds) / 60.0",
    },
)

SESSIONS = Fact(
    "sessions",
    "one row per live session that started on day D",
    """
    SELECT (unix_timestamp(coalesce(s.ended_at, TIMESTAMP {day_end}))
            - unix_timestamp(s.started_at)) / 60.0 AS live_minutes,
           {breakdowns}
    FROM {session_dim} s
    WHERE s.session_date = DATE {day}""",
    Breakdowns(tier="s.anchor_tier", category="s.category", at="s.started_at"),
    {"live_sessions": "count(*)", "live_minutes": "sum(live_minutes)"},
)

AFTER_SALES = Fact(
    "after_sales",
    "one row per refund or return case requested on day D",
    """
    WITH order_anchor AS (
        SELECT order_id, max(anchor_id) AS anchor_id FROM {orders} GROUP BY order_id
    )
    SELECT a.case_type, a.reason, CAST(a.amount_cny AS DOUBLE) AS amount_cny,
           {breakdowns}
    FROM {after_sales} a
    LEFT JOIN order_anchor o ON o.order_id = a.order_id
    LEFT JOIN {anchor_dim} ad ON ad.anchor_id = o.anchor_id
    LEFT JOIN {user_dim} u ON u.user_id = a.user_id
    LEFT JOIN {product_dim} pr ON pr.product_id = a.product_id
    WHERE a.requested_date = DATE {day}""",
    Breakdowns(
        tier="ad.anchor_tier",
        category="pr.category",
        region="u.region",
        device="u.device",
        at="a.requested_at",
    ),
    {
        "after_sales_cases": "count(*)",
        "refund_cases": "count_if(case_type = 'refund')",
        "return_cases": "count_if(case_type = 'return')",
        "after_sales_amount_cny": "sum(amount_cny)",
        **{f"reason_{r}_cases": f"count_if(reason = '{r}')" for r in AFTER_SALES_REASONS},
    },
)

SOCIAL = Fact(
    "social",
    "one row per follow, unfollow, share or invite edge created on day D",
    """
    SELECT e.edge_type,
           {breakdowns}
    FROM {social} e
    LEFT JOIN {anchor_dim} a
           ON a.anchor_id = e.dst_id AND e.edge_type IN ('follow', 'unfollow')
    LEFT JOIN {user_dim} u ON u.user_id = e.src_user_id
    WHERE e.created_date = DATE {day}""",
    Breakdowns(
        tier="a.anchor_tier",
        category="a.main_category",
        region="u.region",
        device="u.device",
        at="e.created_at",
    ),
    {
        "follows": "count_if(edge_type = 'follow')",
        "unfollows": "count_if(edge_type = 'unfollow')",
        "net_follows": "count_if(edge_type = 'follow') - count_if(edge_type = 'unfollow')",
        "share_edges": "count_if(edge_type = 'share')",
        "invites": "count_if(edge_type = 'invite')",
    },
)

SCORED_EXPOSURES = Fact(
    "scored_exposures",
    "one row per (user, live session, product) of day D the published conversion model scored "
    "(gold/conversion_scores, from features of D-1), paid for in that session on D or not",
    """
    WITH paid AS (
        SELECT DISTINCT user_id, session_id, product_id FROM {orders}
        WHERE event_date = DATE {day} AND event_type = 'paid'
    )
    SELECT c.score, p.user_id IS NOT NULL AS is_paid,
           {breakdowns}
    FROM {conversion_scores} c
    LEFT JOIN paid p ON p.user_id = c.user_id AND p.session_id = c.session_id
                    AND p.product_id = c.product_id
    LEFT JOIN {session_dim} s ON s.session_id = c.session_id
    LEFT JOIN {user_dim} u ON u.user_id = c.user_id
    LEFT JOIN {product_dim} pr ON pr.product_id = c.product_id
    WHERE c.session_date = DATE {day}""",
    Breakdowns(
        tier="s.anchor_tier",
        category="coalesce(pr.category, s.category)",
        region="u.region",
        device="u.device",
        at="s.started_at",
    ),
    {
        "scored_exposures": "count(*)",
        "predicted_conversions": "sum(score)",
        "observed_conversions": "count_if(is_paid)",
    },
)

FACTS: tuple[Fact, ...] = (
    ROOM_VISITS,
    VISITS,
    CARTS,
    ORDER_EVENTS,
    INTERACTIONS,
    EXPLANATIONS,
    SESSIONS,
    AFTER_SALES,
    SOCIAL,
    SCORED_EXPOSURES,
)

# --- Metrics ------------------------------------------------------------------------------

PCT = 100.0
SHARE = (0.0, 100.0)
ANY = (None, None)
PLAN = "plan: raise live-room conversion from the 2.8% industry average"


def _count(name: str, description: str, measure: str | None = None) -> Metric:
    return Metric(name, description, "count", measure or name)


def _share(name: str, description: str, numerator: str, denominator: str, **kw) -> Metric:
    return Metric(name, description, "share_pct", numerator, denominator, PCT, SHARE, **kw)


def _rate(name: str, description: str, numerator: str, denominator: str, **kw) -> Metric:
    return Metric(name, description, "rate_pct", numerator, denominator, PCT, **kw)


METRICS: tuple[Metric, ...] = (
    # Room funnel: visits -> cart -> paid.
    _count("room_visits", "room visits: distinct visit_id in a live session"),
    _share(
        "live_room_conversion_pct",
        "room visits whose user paid an order in that live session on the day",
        "paying_visits",
        "room_visits",
        same_as="live_room_conversion",
        targets=(
            Target("phase_1", 4.5, PLAN + " to 4.5%"),
            Target("phase_2", 5.5, PLAN + " to 5.5%"),
            Target("phase_3", 6.0, PLAN + " to 6.0%"),
        ),
    ),
    _share(
        "add_to_cart_rate_pct",
        "room visits whose user added a product to the cart in that session on the day",
        "carted_visits",
        "room_visits",
        same_as="add_to_cart_rate",
        targets=(Target("plan", 3.2, "plan: add-to-cart rate 3.2%"),),
    ),
    _count("carted_visits", "room visits whose user added to the cart in that session"),
    _count("paying_visits", "room visits whose user paid in that session"),
    _share(
        "new_user_visit_share_pct",
        "room visits by users registered within 7 days",
        "new_user_visits",
        "room_visits",
    ),
    _share(
        "returning_user_visit_share_pct",
        "room visits by users registered earlier",
        "returning_user_visits",
        "room_visits",
    ),
    # Dwell.
    _count("completed_visits", "completed room visits (leave events)"),
    Metric(
        "avg_dwell_minutes",
        "average minutes a completed visit stayed in the room",
        "minutes",
        "watch_minutes",
        "completed_visits",
        valid_range=(0.0, 1440.0),
        targets=(Target("plan", 6.5, "plan: average dwell 6.5 minutes"),),
    ),
    Metric(
        "watch_minutes", "minutes spent in rooms by completed visits", "minutes", "watch_minutes"
    ),
    _share(
        "short_visit_share_pct",
        "completed visits shorter than 3 minutes",
        "short_visits",
        "completed_visits",
        direction="lower_is_better",
        same_as="short_visit_share",
    ),
    _share(
        "long_visit_share_pct",
        "completed visits of 10 minutes or more",
        "long_visits",
        "completed_visits",
    ),
    # Carts.
    _count("carts", "(user, room, product) combinations added to the cart"),
    _share(
        "cart_to_pay_pct",
        "carted (user, session, product) paid in that session the same day",
        "paid_carts",
        "carts",
    ),
    _share(
        "unpaid_cart_share_pct",
        "carted (user, session, product) not paid in that session the same day",
        "unpaid_carts",
        "carts",
        direction="lower_is_better",
        same_as="unpaid_cart_share",
    ),
    _rate(
        "cart_removal_rate_pct",
        "remove events per add event of the day's carts",
        "cart_removes",
        "cart_adds",
        direction="lower_is_better",
    ),
    Metric(
        "cart_value_cny", "value added to carts (quantity x unit price)", "cny", "cart_value_cny"
    ),
    Metric("avg_cart_value_cny", "value added per cart", "cny", "cart_value_cny", "carts"),
    # Orders and money.
    Metric("gmv_cny", "paid amount (GMV) of orders paid on the day", "cny", "gmv_cny"),
    _count("paid_orders", "orders paid on the day", "orders_paid"),
    _count("created_orders", "orders created on the day", "orders_created"),
    _count("cancelled_orders", "orders cancelled on the day", "orders_cancelled"),
    Metric("aov_cny", "average order value: GMV per paid order", "cny", "gmv_cny", "orders_paid"),
    _count("units_sold", "units in orders paid on the day"),
    Metric("units_per_order", "units per paid order", "ratio", "units_sold", "orders_paid"),
    _count("buyers", "distinct users who paid an order"),
    Metric("orders_per_buyer", "paid orders per buyer", "ratio", "orders_paid", "buyers"),
    _rate(
        "payment_rate_pct",
        "orders paid per order created on the day",
        "orders_paid",
        "orders_created",
    ),
    _rate(
        "cancellation_rate_pct",
        "orders cancelled per order created on the day",
        "orders_cancelled",
        "orders_created",
        direction="lower_is_better",
    ),
    Metric("coupon_spend_cny", "coupons redeemed on paid orders", "cny", "coupon_cny"),
    _rate("coupon_share_of_gmv_pct", "coupons redeemed per GMV", "coupon_cny", "gmv_cny"),
    Metric(
        "price_anchoring_discount_pct",
        "live price below list price, as a share of list value of paid orders (价格锚定)",
        "rate_pct",
        "anchoring_discount_cny",
        "listed_value_cny",
        PCT,
        (-100.0, 100.0),
    ),
    Metric(
        "avg_selling_price_cny",
        "live unit price per unit sold",
        "cny",
        "live_value_cny",
        "units_sold",
    ),
    _share(
        "repurchase_rate_30d_pct",
        "buyers of the day who had also paid an order in the 30 days before",
        "repeat_buyers",
        "buyers",
        targets=(Target("plan", 28.0, "plan: 30-day repurchase rate 28%"),),
    ),
    _share("new_buyer_share_pct", "buyers registered within 7 days", "new_buyers", "buyers"),
    Metric("gmv_per_visit_cny", "GMV per room visit", "cny", "gmv_cny", "room_visits"),
    # Interactions (互动).
    _count("interactions", "comments, likes, shares and gifts"),
    *(_count(f"{kind}s", f"{kind} events") for kind in INTERACTION_TYPES),
    Metric("gift_value_cny", "value of gifts sent", "cny", "gift_value_cny"),
    Metric(
        "interactions_per_watch_minute",
        "interactions per minute watched",
        "per_minute",
        "interactions",
        "watch_minutes",
    ),
    *(
        Metric(
            f"{kind}s_per_watch_minute",
            f"{kind} events per minute watched",
            "per_minute",
            f"{kind}s",
            "watch_minutes",
        )
        for kind in INTERACTION_TYPES
    ),
    _rate(
        "interacting_users_per_100_visits",
        "distinct users who interacted per 100 room visits",
        "interacting_users",
        "room_visits",
    ),
    # Product explanation (商品展示时长).
    _count("explanation_segments", "product explanation segments started"),
    _count("explained_products", "distinct (session, product) pairs explained"),
    Metric(
        "explain_minutes_per_product",
        "minutes of explanation per explained (session, product)",
        "minutes",
        "explain_minutes",
        "explained_products",
        valid_range=(0.0, 1440.0),
    ),
    Metric(
        "paid_orders_per_explained_product",
        "paid orders per explained product",
        "ratio",
        "orders_paid",
        "explained_products",
    ),
    # Live sessions.
    _count("live_sessions", "live sessions started"),
    Metric(
        "live_hours",
        "hours broadcast by sessions started on the day",
        "hours",
        "live_minutes",
        scale=1 / 60,
    ),
    Metric(
        "avg_session_minutes",
        "minutes per live session",
        "minutes",
        "live_minutes",
        "live_sessions",
    ),
    Metric(
        "visits_per_session",
        "room visits per live session",
        "ratio",
        "room_visits",
        "live_sessions",
    ),
    Metric(
        "gmv_per_live_hour_cny",
        "GMV per broadcast hour",
        "cny",
        "gmv_cny",
        "live_minutes",
        scale=60.0,
    ),
    # After-sales.
    _count("after_sales_cases", "refund and return cases requested"),
    _count("refund_cases", "refund cases requested"),
    _count("return_cases", "return cases requested"),
    _rate(
        "refund_rate_pct",
        "refund cases per paid order",
        "refund_cases",
        "orders_paid",
        direction="lower_is_better",
    ),
    _rate(
        "return_rate_pct",
        "return cases per paid order",
        "return_cases",
        "orders_paid",
        direction="lower_is_better",
    ),
    Metric(
        "after_sales_amount_cny",
        "amount claimed in refunds and returns",
        "cny",
        "after_sales_amount_cny",
    ),
    _rate(
        "after_sales_share_of_gmv_pct",
        "amount claimed per GMV",
        "after_sales_amount_cny",
        "gmv_cny",
        direction="lower_is_better",
    ),
    *(
        _share(
            f"after_sales_reason_{r}_pct",
            f"after-sales cases with reason {r}",
            f"reason_{r}_cases",
            "after_sales_cases",
        )
        for r in AFTER_SALES_REASONS
    ),
    # Followers and social.
    _count("new_follows", "follow edges created", "follows"),
    _count("unfollows", "unfollow edges created"),
    Metric(
        "net_follower_growth", "follows minus unfollows", "count", "net_follows", valid_range=ANY
    ),
    _rate("follows_per_100_visits", "follows per 100 room visits", "follows", "room_visits"),
    _count("share_edges", "share edges (user -> user)"),
    _count("invites", "invite edges (user -> user)"),
    # Calibration monitor: the published model's predictions against what happened. Per
    # anchor tier (and every other breakdown) the two shares should stay close.
    _count("scored_exposures", "exposures the published conversion model scored"),
    _share(
        "predicted_conversion_pct",
        "mean probability the published model gave the scored exposures (features of D-1)",
        "predicted_conversions",
        "scored_exposures",
    ),
    _share(
        "observed_scored_conversion_pct",
        "scored exposures whose user paid for the product in that session: what the "
        "predictions are held against",
        "observed_conversions",
        "scored_exposures",
    ),
)


# --- Derived lookups ------------------------------------------------------------------------


def measure_facts() -> dict[str, Fact]:
    """Which fact computes each measure (measure names are unique across facts)."""
    owner: dict[str, Fact] = {}
    for fact in FACTS:
        for measure in fact.measures:
            if measure in owner:
                raise ValueError(
                    f"measure {measure!r} is declared by {owner[measure].name} and {fact.name}"
                )
            owner[measure] = fact
    return owner


def breakdowns_of(metric: Metric) -> tuple[str, ...]:
    """`all` plus the breakdowns both the numerator's and the denominator's facts carry."""
    owner = measure_facts()
    allowed = set(owner[metric.numerator].breakdowns)
    if metric.denominator is not None:
        allowed &= set(owner[metric.denominator].breakdowns)
    return (OVERALL, *(b for b in BREAKDOWNS if b in allowed))


def series() -> list[tuple[str, str]]:
    """Every (metric, breakdown) series the mart publishes."""
    return [(m.name, b) for m in METRICS for b in breakdowns_of(m)]


def query_parameters(day: date) -> dict[str, str]:
    """The date literals the fact and dimension queries take (Spark quotes them)."""
    return {
        "day": day.isoformat(),
        "day_end": f"{day + timedelta(days=1)} 00:00:00",
        "new_since": f"{day - timedelta(days=NEW_USER_DAYS - 1)} 00:00:00",
        "repeat_since": (day - timedelta(days=REPURCHASE_WINDOW_DAYS)).isoformat(),
    }


def _check() -> None:
    names = [m.name for m in METRICS]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"metrics declared twice: {sorted(duplicated)}")
    owner = measure_facts()
    for metric in METRICS:
        for measure in (metric.numerator, metric.denominator):
            if measure is not None and measure not in owner:
                raise ValueError(f"metric {metric.name}: no fact declares measure {measure!r}")


_check()
