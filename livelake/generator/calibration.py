"""The plan's calibration figures, each measured once by SQL over silver-named relations.

The generator is built to reproduce the plan's figures (docs/generator.md); these queries
are how its tests measure that it does. Each `CalibrationQuery` is one portable SQL text
(DuckDB and Spark SQL run it unchanged) over relations named like the silver tables, with
the column names of docs/landing-format.md: `views`, `orders`, `cart_events`,
`live_sessions`, `anchors`. The calibration tests run them in DuckDB over generated landing
files (`register_landing`, `evaluate_duckdb`); `evaluate_spark` runs the same text where
those relations are Spark tables or temp views, and tests/generator/test_metrics_portable.py
keeps the two engines in agreement.

These are not the KPI mart's metrics: the mart declares its own, per day and breakdown, in
`livelake.kpi_catalog`; a catalog metric that computes one of these figures names
it in `same_as`, and tests/jobs/gold/test_kpi_calibration.py checks the two agree.

A *visit* is one `visit_id` of `views`; a *paid order* is an `orders` line with
`event_type = 'paid'`. Inputs are assumed clean (deduplicated, quarantine removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livelake.features.user import SHORT_VISIT_SECONDS

MAX_INTEREST_LAG_DAYS = 14


@dataclass(frozen=True)
class CalibrationQuery:
    """A plan figure and the SQL that measures it: one `value` column (plus the `group_by`
    column for a figure given per group, such as per anchor tier)."""

    name: str
    description: str
    plan_target: str
    sql: str
    group_by: str | None = None


_VISITS = """visits AS (
    SELECT DISTINCT visit_id, user_id, session_id FROM views WHERE session_id IS NOT NULL
)"""


def _in_session(name: str, stream: str, event_type: str) -> str:
    """A CTE of the (user, session) pairs with an `event_type` line of `stream`."""
    return f"""{name} AS (
    SELECT DISTINCT user_id, session_id FROM {stream}
    WHERE event_type = '{event_type}' AND session_id IS NOT NULL
)"""


def _share_of_visits(in_session: str) -> str:
    """The share of `visits` whose user and session are in the CTE named `in_session`."""
    return f"""SELECT CAST(COUNT(x.user_id) AS DOUBLE) / COUNT(*) AS value, COUNT(*) AS visits
FROM visits v
LEFT JOIN {in_session} x ON v.user_id = x.user_id AND v.session_id = x.session_id"""


_PAID_IN_SESSION = _in_session("paid_in_session", "orders", "paid")

_LAGS = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(1, MAX_INTEREST_LAG_DAYS + 1))

LIVE_ROOM_CONVERSION = CalibrationQuery(
    name="live_room_conversion",
    description="Share of room visits (distinct visit_id) whose user paid an order in that "
    "live session.",
    plan_target="2.8% overall (2023 industry average)",
    sql=f"""WITH {_VISITS},
{_PAID_IN_SESSION}
{_share_of_visits("paid_in_session")}""",
)

CONVERSION_BY_ANCHOR_TIER = CalibrationQuery(
    name="conversion_by_anchor_tier",
    description="live_room_conversion per tier of the session's anchor (latest anchor row).",
    plan_target="head 3.5-4%, mid 1.5-2.5%, long tail < 1%",
    group_by="tier",
    sql=f"""WITH {_VISITS},
{_PAID_IN_SESSION},
anchor_tier AS (
    SELECT anchor_id, tier FROM (
        SELECT anchor_id, tier,
               ROW_NUMBER() OVER (PARTITION BY anchor_id ORDER BY updated_at DESC) AS rn
        FROM anchors
    ) ranked WHERE rn = 1
),
session_tier AS (
    SELECT DISTINCT s.session_id, a.tier
    FROM live_sessions s JOIN anchor_tier a ON s.anchor_id = a.anchor_id
)
SELECT t.tier AS tier, CAST(COUNT(p.user_id) AS DOUBLE) / COUNT(*) AS value,
       COUNT(*) AS visits
FROM visits v
JOIN session_tier t ON v.session_id = t.session_id
LEFT JOIN paid_in_session p ON v.user_id = p.user_id AND v.session_id = p.session_id
GROUP BY t.tier
ORDER BY t.tier""",
)

ADD_TO_CART_RATE = CalibrationQuery(
    name="add_to_cart_rate",
    description="Share of room visits (distinct visit_id) whose user added a product to the "
    "cart in that live session.",
    plan_target="1.5% of visits (baseline; the plan's target is 3.2%)",
    sql=f"""WITH {_VISITS},
{_in_session("carted_in_session", "cart_events", "add")}
{_share_of_visits("carted_in_session")}""",
)

SHORT_VISIT_SHARE = CalibrationQuery(
    name="short_visit_share",
    description="Share of visits shorter than 3 minutes (dwell_seconds of the leave event).",
    plan_target="> 60%",
    sql=f"""SELECT CAST(SUM(CASE WHEN dwell_seconds < {SHORT_VISIT_SECONDS} THEN 1 ELSE 0 END)
       AS DOUBLE) / COUNT(*) AS value, COUNT(*) AS visits
FROM views WHERE event_type = 'leave' AND dwell_seconds IS NOT NULL""",
)

UNPAID_CART_SHARE = CalibrationQuery(
    name="unpaid_cart_share",
    description="Share of carted items (distinct user, session, product with an `add`) for "
    "which the user never paid an order of that product in that session.",
    plan_target="85%",
    sql="""WITH carted AS (
    SELECT DISTINCT user_id, session_id, product_id FROM cart_events WHERE event_type = 'add'
),
paid AS (
    SELECT DISTINCT user_id, session_id, product_id FROM orders WHERE event_type = 'paid'
)
SELECT 1.0 - CAST(COUNT(p.user_id) AS DOUBLE) / COUNT(*) AS value, COUNT(*) AS carted_items
FROM carted c
LEFT JOIN paid p ON c.user_id = p.user_id AND c.product_id = p.product_id
    AND c.session_id IS NOT DISTINCT FROM p.session_id""",
)

REPURCHASE_WITHIN_30_DAYS = CalibrationQuery(
    name="repurchase_within_30_days",
    description="Share of buyers whose second paid order comes within 30 days of their "
    "first paid order in the data.",
    plan_target="18%",
    sql="""WITH ranked AS (
    SELECT user_id, event_time,
           ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY event_time, order_id) AS n
    FROM orders WHERE event_type = 'paid' AND user_id IS NOT NULL
),
firsts AS (SELECT user_id, event_time AS first_paid_at FROM ranked WHERE n = 1),
seconds AS (SELECT user_id, event_time AS second_paid_at FROM ranked WHERE n = 2)
SELECT CAST(SUM(CASE WHEN s.second_paid_at <= f.first_paid_at + INTERVAL '30' DAY
                     THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS value,
       COUNT(*) AS buyers
FROM firsts f LEFT JOIN seconds s ON f.user_id = s.user_id""",
)

INTEREST_HALF_LIFE_DAYS = CalibrationQuery(
    name="interest_half_life_days",
    description="Half-life of category-interest autocorrelation. For lag k days, a(k) is the "
    "probability that two of a user's visits k days apart are in the same category "
    "(averaged over user-day pairs, so heavy users do not dominate); its "
    "excess over chance (sum of squared category shares) decays like 2^(-k/h). h is "
    "-ln 2 / slope of ln(excess) against k (lags 1..14 with positive excess).",
    plan_target="14 ± 3 days",
    sql=f"""WITH visit_category AS (
    SELECT DISTINCT v.visit_id, v.user_id, CAST(v.event_time AS DATE) AS visit_date, s.category
    FROM views v
    JOIN (SELECT DISTINCT session_id, category FROM live_sessions) s
      ON v.session_id = s.session_id
    WHERE v.event_type = 'enter'
),
daily AS (
    SELECT user_id, visit_date, category, COUNT(*) AS n
    FROM visit_category GROUP BY user_id, visit_date, category
),
totals AS (SELECT user_id, visit_date, SUM(n) AS n FROM daily GROUP BY user_id, visit_date),
category_share AS (
    SELECT category, CAST(COUNT(*) AS DOUBLE) / SUM(COUNT(*)) OVER () AS share
    FROM visit_category GROUP BY category
),
chance AS (SELECT SUM(share * share) AS value FROM category_share),
lags AS ({_LAGS}),
same AS (
    SELECT a.user_id, a.visit_date, l.k, SUM(a.n * b.n) AS pairs
    FROM daily a CROSS JOIN lags l
    JOIN daily b ON b.user_id = a.user_id AND b.category = a.category
                AND b.visit_date = a.visit_date + l.k
    GROUP BY a.user_id, a.visit_date, l.k
),
every AS (
    SELECT a.user_id, a.visit_date, l.k, a.n * b.n AS pairs
    FROM totals a CROSS JOIN lags l
    JOIN totals b ON b.user_id = a.user_id AND b.visit_date = a.visit_date + l.k
),
curve AS (
    SELECT e.k,
           AVG(CAST(COALESCE(s.pairs, 0) AS DOUBLE) / e.pairs) - MAX(c.value) AS excess
    FROM every e
    CROSS JOIN chance c
    LEFT JOIN same s ON s.user_id = e.user_id AND s.visit_date = e.visit_date AND s.k = e.k
    GROUP BY e.k
)
SELECT -LN(2.0) / REGR_SLOPE(LN(excess), k) AS value, COUNT(*) AS lags
FROM curve WHERE excess > 0""",
)

CALIBRATION_QUERIES: dict[str, CalibrationQuery] = {
    m.name: m
    for m in (
        LIVE_ROOM_CONVERSION,
        CONVERSION_BY_ANCHOR_TIER,
        ADD_TO_CART_RATE,
        SHORT_VISIT_SHARE,
        UNPAID_CART_SHARE,
        REPURCHASE_WITHIN_30_DAYS,
        INTEREST_HALF_LIFE_DAYS,
    )
}
#: Relations the queries read (silver table names).
RELATIONS = ("views", "orders", "cart_events", "live_sessions", "anchors")


def _shape(query: CalibrationQuery, rows: list[dict[str, Any]]) -> Any:
    if query.group_by:
        return {r[query.group_by]: r["value"] for r in rows}
    return rows[0]["value"] if rows else None


def evaluate_duckdb(con: Any, names: list[str] | None = None) -> dict[str, Any]:
    """Run the queries (all, or those `names`) on a DuckDB connection where the RELATIONS
    exist. Scalar figures give a float, grouped ones a {group: value} dict."""
    out: dict[str, Any] = {}
    for name in names or list(CALIBRATION_QUERIES):
        query = CALIBRATION_QUERIES[name]
        cursor = con.execute(query.sql)
        columns = [d[0] for d in cursor.description]
        out[name] = _shape(query, [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()])
    return out


def evaluate_spark(spark: Any, names: list[str] | None = None) -> dict[str, Any]:
    """Run the queries with Spark SQL where the RELATIONS are tables or temp views."""
    queries = CALIBRATION_QUERIES
    return {
        name: _shape(queries[name], [r.asDict() for r in spark.sql(queries[name].sql).collect()])
        for name in names or list(queries)
    }


_EVENT_TYPES = {
    "views": {
        "event_id": "VARCHAR",
        "event_type": "VARCHAR",
        "event_time": "VARCHAR",
        "user_id": "VARCHAR",
        "session_id": "VARCHAR",
        "visit_id": "VARCHAR",
        "dwell_seconds": "DOUBLE",
    },
    "orders": {
        "event_id": "VARCHAR",
        "event_type": "VARCHAR",
        "event_time": "VARCHAR",
        "user_id": "VARCHAR",
        "order_id": "VARCHAR",
        "session_id": "VARCHAR",
        "product_id": "VARCHAR",
        "anchor_id": "VARCHAR",
        "amount_cny": "DOUBLE",
    },
    "cart_events": {
        "event_id": "VARCHAR",
        "event_type": "VARCHAR",
        "event_time": "VARCHAR",
        "user_id": "VARCHAR",
        "session_id": "VARCHAR",
        "product_id": "VARCHAR",
    },
}


def register_landing(con: Any, landing_root: Path, source: str = "platform") -> list[str]:
    """Expose a source's landing files to DuckDB as the queries' RELATIONS, read as
    delivered (no dedup, no quarantine): right for defect-free generated data
    (`GeneratorConfig.without_defects`), approximate otherwise. Returns relations made."""
    base = Path(landing_root) / source
    made = []
    for stream, columns in _EVENT_TYPES.items():
        files = sorted(base.glob(f"dt=*/events/{stream}/*.jsonl.gz"))
        files = [f for f in files if f.stat().st_size > 20]  # skip empty gzip members
        if not files:
            continue
        spec = ", ".join(f"'{c}': '{t}'" for c, t in columns.items())
        listing = ", ".join(f"'{f}'" for f in files)
        con.execute(
            f"""CREATE OR REPLACE VIEW {stream} AS
            SELECT * REPLACE (CAST(replace(event_time, 'Z', '') AS TIMESTAMP) AS event_time)
            FROM read_json([{listing}], format = 'newline_delimited', columns = {{{spec}}},
                           ignore_errors = true)"""
        )
        made.append(stream)
    for table in ("live_sessions", "anchors"):
        files = sorted(base.glob(f"dt=*/exports/{table}.csv"))
        if not files:
            continue
        listing = ", ".join(f"'{f}'" for f in files)
        con.execute(
            f"""CREATE OR REPLACE VIEW {table} AS
            SELECT * FROM read_csv([{listing}], header = true, all_varchar = true,
                                   union_by_name = true)"""
        )
        made.append(table)
    return made
