"""One simulated day of the platform: sessions, visits and everything users do in them.

The behaviour model is documented in docs/generator.md; the constants below are its knobs.
Everything is vectorised over visits/events with numpy; the returned frames are the ground
truth (no defects) with instants as epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from livelake.generator.catalog import (
    CATEGORIES,
    CATEGORY_POPULARITY,
    DAY_MS,
    Platform,
    entity_ids,
    phone_numbers,
)
from livelake.generator.experiments import ExperimentBook
from livelake.generator.exports import (
    anchors_rows,
    live_price_rows,
    products_and_base_prices,
    segment_rows,
    session_rows,
    social_rows,
    users_rows,
)
from livelake.kpi_catalog import REPURCHASE_WINDOW_DAYS
from livelake.lake.tables.silver import AFTER_SALES_REASONS, INTERACTIONS, VIEWS

# -- purchase propensity -------------------------------------------------------------------
#: Relative weights of the four propensity drivers (the plan's 35/28/22/15).
WEIGHT_PROFESSIONALISM = 0.35
WEIGHT_EXPLANATION = 0.28
WEIGHT_INTERACTION = 0.22
WEIGHT_PRICE_ANCHOR = 0.15
#: logit(p) = intercept + PROPENSITY_SLOPE * score; the intercept is solved each day so the
#: mean propensity over the day's visits equals CONVERSION_TARGET.
PROPENSITY_SLOPE = 6.0
CONVERSION_TARGET = 0.028
EXPLANATION_FULL_SECONDS = 900.0  # an explanation this long scores 1
INTERACTION_FULL_PER_MINUTE = 2.0
PRICE_ANCHOR_FULL_DISCOUNT = 0.5
#: Share of visits that add the product to the cart (the plan's baseline; its target is 3.2%).
ADD_TO_CART_SHARE = 0.015
#: Of all carted items this share is never paid.
UNPAID_CART_SHARE = 0.85
#: Share of buyers who pay through the cart, so that carted-and-paid visits are
#: (1 - UNPAID_CART_SHARE) x ADD_TO_CART_SHARE of visits. The others buy directly: an order
#: created and paid in the visit, no cart event.
CARTED_BUYER_SHARE = ADD_TO_CART_SHARE * (1 - UNPAID_CART_SHARE) / CONVERSION_TARGET
CANCELLED_ORDER_SHARE_OF_UNPAID_CARTS = 0.12
CART_REMOVE_SHARE = 0.25

# -- traffic -------------------------------------------------------------------------------
#: Share of visits going to head / mid / long-tail rooms within each category.
TIER_VISIT_SHARE = np.array([0.55, 0.30, 0.15])
TIER_SESSION_HOURS = np.array([[2.5, 4.0], [1.5, 3.0], [1.0, 2.0]])
TIER_SEGMENT_SECONDS = np.array([600.0, 500.0, 240.0])
TIER_INTERACTIONS_PER_MINUTE = np.array([0.8, 0.65, 0.3])
#: Rooms open between 00:00 and 16:00 UTC (08:00-24:00 Beijing time).
BROADCAST_WINDOW_MS = 16 * 3_600_000
#: Lines per visit across the four streams, used to size a day from events_per_day.
EVENTS_PER_VISIT = 3.9
DWELL_MEDIAN_SECONDS = {"browse": 80.0, "cart": 240.0, "buy": 420.0}
DWELL_SIGMA = {"browse": 1.1, "cart": 0.7, "buy": 0.5}

# -- interests and loyalty -----------------------------------------------------------------
INTEREST_HALF_LIFE_DAYS = 14.0
#: A visit goes to the user's favourite category with this probability, else a popular one.
FAVOURITE_SHARE = 0.6
REPURCHASE_SHARE = 0.18
# The second purchase lands on one of the days the KPI's repurchase window counts.
REPURCHASE_GAP_DAYS = REPURCHASE_WINDOW_DAYS - 1

# -- side effects --------------------------------------------------------------------------
FOLLOW_PER_VISIT = 0.015
UNFOLLOW_PER_VISIT = 0.002
SHARE_EDGE_PER_SHARE = 0.5
INVITES_PER_USER_DAY = 0.0005
UPGRADES_PER_USER_DAY = 0.002
PRICE_CHANGES_PER_PRODUCT_DAY = 0.015
AFTER_SALES_PER_PAID_ORDER = 0.06

CHANNELS = VIEWS.column("channel").allowed
INTERACTION_TYPES = INTERACTIONS.column("event_type").allowed
GIFT_VALUES_CNY = np.array([1.0, 6.6, 9.9, 52.0, 99.0, 520.0])
PAYMENT_METHODS = ("alipay", "wechat_pay", "card")
# Only Olist deliveries carry `cancelled_by_seller`; the generated platform never does.
CASE_REASONS = tuple(r for r in AFTER_SALES_REASONS if r != "cancelled_by_seller")


@dataclass
class DayTruth:
    """Ground truth of one day: stream frames (instants in epoch ms) and export frames."""

    day: date
    streams: dict[str, pl.DataFrame]
    exports: dict[str, pl.DataFrame]
    after_sales_due: dict[int, pl.DataFrame] = field(default_factory=dict)
    #: Defects placed in an export's rows: (row index, kind); and lines lost before landing.
    export_defects: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    lost_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class BuyerBook:
    """Who has bought, and who is due to buy again on which day (drives repurchase)."""

    due: dict[int, list[np.ndarray]] = field(default_factory=dict)
    pool_exhausted_days: list[str] = field(default_factory=list)


def day_stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def _solve_intercept(score: np.ndarray, target: float) -> float:
    """Intercept a with mean(sigmoid(a + slope*score)) == target, by bisection."""
    low, high = -20.0, 10.0
    for _ in range(60):
        mid = (low + high) / 2
        mean = np.mean(1.0 / (1.0 + np.exp(-(mid + PROPENSITY_SLOPE * score))))
        low, high = (mid, high) if mean < target else (low, mid)
    return (low + high) / 2


def _weighted_sample(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k distinct indices drawn with probability proportional to weights (Efraimidis-Spirakis)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(rng.random(len(weights))) / np.maximum(weights, 1e-12)
    k = min(k, len(weights))
    return np.sort(np.argpartition(-keys, k - 1)[:k])


def _group_cumsum_exclusive(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per-group running sum that starts at 0 in each group (groups are contiguous)."""
    total = np.cumsum(values) - values
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return total - total[starts]


@dataclass
class Rooms:
    """The day's live sessions (one per anchor, indexed like anchors) and their product
    explanation segments (contiguous per session, in time order)."""

    ids: pl.Series
    start: np.ndarray
    end: np.ndarray
    seg_session: np.ndarray
    seg_start: np.ndarray
    seg_end: np.ndarray
    seg_product: np.ndarray
    seg_list_price: np.ndarray
    seg_discount: np.ndarray
    seg_live_price: np.ndarray
    seg_coupon: np.ndarray
    seg_flash: np.ndarray
    flash_start: np.ndarray
    flash_end: np.ndarray

    @property
    def duration_ms(self) -> np.ndarray:
        return self.end - self.start


@dataclass
class Visits:
    """One entry per room visit: who, where, what was explained, and what they did."""

    visitor: np.ndarray
    session: np.ndarray
    segment: np.ndarray
    interaction_rate: np.ndarray  # per minute
    propensity: np.ndarray
    buys: np.ndarray  # an order is created and paid in the visit
    carts: np.ndarray  # the product is added to the cart (some buyers, the unpaid carts)
    enter: np.ndarray
    dwell_ms: np.ndarray

    @property
    def leave(self) -> np.ndarray:
        return self.enter + self.dwell_ms


def open_rooms(rng: np.random.Generator, p: Platform, day_ms: int, stamp: str) -> Rooms:
    """Every anchor broadcasts once; a room explains products one after another."""
    n_cat = len(CATEGORIES)
    n_sessions = p.anchors
    tier = p.anchor_tier
    hours = rng.uniform(TIER_SESSION_HOURS[tier, 0], TIER_SESSION_HOURS[tier, 1])
    duration_ms = (hours * 3_600_000).astype(np.int64)
    start = day_ms + (rng.random(n_sessions) * (BROADCAST_WINDOW_MS - duration_ms)).astype(np.int64)
    end = start + duration_ms
    n_seg = np.maximum(1, np.round(duration_ms / 1000 / TIER_SEGMENT_SECONDS[tier])).astype(int)
    seg_session = np.repeat(np.arange(n_sessions), n_seg)
    raw = rng.gamma(4.0, 1.0, len(seg_session))
    raw_total = np.add.reduceat(raw, np.cumsum(n_seg) - n_seg)
    seg_len = np.maximum(1_000, (raw / raw_total[seg_session] * duration_ms[seg_session])).astype(
        np.int64
    )
    seg_start = start[seg_session] + _group_cumsum_exclusive(seg_len, n_seg)
    seg_end = np.minimum(seg_start + seg_len, end[seg_session])
    seg_cat = p.anchor_category[seg_session]
    per_cat = np.bincount(p.product_category, minlength=n_cat)
    seg_product = seg_cat + n_cat * (rng.random(len(seg_session)) * per_cat[seg_cat]).astype(int)
    seg_list_price = p.product_list_price_cny[seg_product]
    seg_discount = rng.beta(2.0, 8.0, len(seg_session))
    seg_live_price = np.round(seg_list_price * (1 - seg_discount), 2)
    seg_coupon = np.minimum(
        rng.choice([0.0, 0.0, 5.0, 10.0, 20.0], len(seg_session)),
        np.floor(seg_live_price * 0.2),
    )
    seg_flash = rng.random(len(seg_session)) < 0.1
    flash_start = seg_start + (rng.random(len(seg_session)) * 0.5 * seg_len).astype(np.int64)
    return Rooms(
        ids=entity_ids(f"s{stamp}-", np.arange(n_sessions), 5),
        start=start,
        end=end,
        seg_session=seg_session,
        seg_start=seg_start,
        seg_end=seg_end,
        seg_product=seg_product,
        seg_list_price=seg_list_price,
        seg_discount=seg_discount,
        seg_live_price=seg_live_price,
        seg_coupon=seg_coupon,
        seg_flash=seg_flash,
        flash_start=flash_start,
        flash_end=np.minimum(flash_start + (0.3 * seg_len).astype(np.int64), seg_end),
    )


def draw_visits(
    rng: np.random.Generator,
    p: Platform,
    rooms: Rooms,
    day_ms: int,
    n_visits: int,
    session_lift: np.ndarray | None = None,
) -> Visits:
    """Visits: user (activity) -> category (interest) -> room (tier share, followers);
    then the purchase propensity (35/28/22/15), who buys, who carts, and dwell."""
    n_cat = len(CATEGORIES)
    tier = p.anchor_tier
    activity = p.user_activity / p.user_activity.sum()
    visitor = rng.choice(p.users, n_visits, p=activity)
    random_cat = rng.choice(n_cat, n_visits, p=CATEGORY_POPULARITY)
    visit_cat = np.where(
        rng.random(n_visits) < FAVOURITE_SHARE, p.user_favourite[visitor], random_cat
    )
    session_cat = p.anchor_category
    key = session_cat * 3 + tier
    followers_by_key = np.bincount(key, weights=p.anchor_followers, minlength=n_cat * 3)
    tier_present = np.bincount(key, minlength=n_cat * 3).reshape(n_cat, 3) > 0
    share = TIER_VISIT_SHARE * tier_present
    share = share / share.sum(axis=1, keepdims=True)
    weight = share[session_cat, tier] * p.anchor_followers / followers_by_key[key]
    by_cat = np.argsort(session_cat, kind="stable")
    cumulative = np.cumsum(weight[by_cat])
    first_of_cat = np.searchsorted(session_cat[by_cat], np.arange(n_cat), side="left")
    last_of_cat = np.searchsorted(session_cat[by_cat], np.arange(n_cat), side="right") - 1
    pick = np.searchsorted(cumulative, visit_cat + rng.random(n_visits) * 0.999999, side="right")
    pick = np.clip(pick, first_of_cat[visit_cat], last_of_cat[visit_cat])
    session = by_cat[pick]  # session index == anchor index (one session per anchor)
    duration_ms = rooms.duration_ms
    enter_wish = rooms.start[session] + (rng.random(n_visits) * duration_ms[session]).astype(
        np.int64
    )
    seg_key = rooms.seg_session.astype(np.int64) * 2 * DAY_MS + (rooms.seg_start - day_ms)
    visit_key = session.astype(np.int64) * 2 * DAY_MS + (enter_wish - day_ms)
    segment = np.clip(np.searchsorted(seg_key, visit_key, side="right") - 1, 0, None)

    interaction_rate = rng.gamma(2.0, TIER_INTERACTIONS_PER_MINUTE[tier[session]] / 2.0)
    explained_s = (rooms.seg_end - rooms.seg_start)[segment] / 1000
    score = (
        WEIGHT_PROFESSIONALISM * p.anchor_professionalism[session] / 100.0
        + WEIGHT_EXPLANATION * np.minimum(explained_s / EXPLANATION_FULL_SECONDS, 1.0)
        + WEIGHT_INTERACTION * np.minimum(interaction_rate / INTERACTION_FULL_PER_MINUTE, 1.0)
        + WEIGHT_PRICE_ANCHOR
        * np.minimum(rooms.seg_discount[segment] / PRICE_ANCHOR_FULL_DISCOUNT, 1.0)
    )
    intercept = _solve_intercept(score, CONVERSION_TARGET)
    propensity = 1.0 / (1.0 + np.exp(-(intercept + PROPENSITY_SLOPE * score)))
    if session_lift is not None:  # an experiment's variant effect (generator/experiments.py)
        propensity = np.clip(propensity + session_lift[session], 0.0, 1.0)
    buys = rng.random(n_visits) < propensity
    # an exact quota of buyers pays through the cart (not a coin per buyer: the cart counts
    # are small), and for each of them UNPAID_CART_SHARE / (1 - UNPAID_CART_SHARE) visits
    # that do not buy (chosen with probability ∝ propensity) cart without paying
    buying, not_buying = np.flatnonzero(buys), np.flatnonzero(~buys)
    n_carted_buyers = round(CARTED_BUYER_SHARE * len(buying))
    n_unpaid_carts = round(n_carted_buyers * UNPAID_CART_SHARE / (1 - UNPAID_CART_SHARE))
    carts = np.zeros(n_visits, dtype=bool)
    carts[rng.choice(buying, n_carted_buyers, replace=False)] = True
    carts[not_buying[_weighted_sample(rng, propensity[not_buying], n_unpaid_carts)]] = True

    kind = np.where(buys, 2, np.where(carts, 1, 0))  # buyers stay longer
    medians = np.array([DWELL_MEDIAN_SECONDS[k] for k in ("browse", "cart", "buy")])
    sigmas = np.array([DWELL_SIGMA[k] for k in ("browse", "cart", "buy")])
    dwell_s = np.exp(np.log(medians[kind]) + sigmas[kind] * rng.standard_normal(n_visits))
    dwell_ms = np.clip((dwell_s * 1000).astype(np.int64), 3_000, duration_ms[session])
    dwell_ms = dwell_ms // 1000 * 1000  # whole seconds
    return Visits(
        visitor=visitor,
        session=session,
        segment=segment,
        interaction_rate=interaction_rate,
        propensity=propensity,
        buys=buys,
        carts=carts,
        enter=np.minimum(enter_wish, rooms.end[session] - dwell_ms),
        dwell_ms=dwell_ms,
    )


def simulate_day(
    rng: np.random.Generator,
    platform: Platform,
    day_index: int,
    day: date,
    last_day_index: int,
    events_per_day: int,
    buyers: BuyerBook,
    experiments: ExperimentBook | None = None,
) -> DayTruth:
    """Simulate `day` and advance the platform's state to the end of it."""
    p = platform
    stamp = day_stamp(day)
    day_ms = int(np.datetime64(day, "ms").astype(np.int64))
    rooms = open_rooms(rng, p, day_ms, stamp)
    n_visits = max(100, round(events_per_day / EVENTS_PER_VISIT))
    session_ids = rooms.ids.to_list()
    lift = experiments.session_lift(day_index, session_ids) if experiments else None
    visits = draw_visits(rng, p, rooms, day_ms, n_visits, lift)

    # -- who buys: first purchases and scheduled repurchases -------------------------------
    visit_user = visits.visitor.copy()
    buy_slots = np.flatnonzero(visits.buys)
    visit_user[buy_slots] = _assign_buyers(
        rng, p, buyers, buy_slots, day_index, last_day_index, stamp
    )
    # A buyer's other visits to the same room would count as converted too, a carting user's
    # as carted: give them to other users so conversion and add-to-cart per visit stay what
    # was drawn above.
    buys, carts = visits.buys, visits.carts
    room_key = visit_user.astype(np.int64) * p.anchors + visits.session
    bought_in, carted_in = np.isin(room_key, room_key[buys]), np.isin(room_key, room_key[carts])
    collide = ~buys & (bought_in | (~carts & carted_in))
    activity = p.user_activity / p.user_activity.sum()
    visit_user[collide] = rng.choice(p.users, int(collide.sum()), p=activity)

    streams, after_sales_due = _behaviour(rng, p, rooms, visits, visit_user, day_index, stamp)
    exports = _exports(
        rng, p, rooms, visits, visit_user, streams["interactions"], day_index, day_ms, stamp
    )
    _drift_interests(rng, p)
    truth = DayTruth(day, streams, exports, after_sales_due)
    if experiments is not None:
        _experiment_exports(experiments, truth, p, rooms, visits, visit_user, day_index, day_ms)
    return truth


def _experiment_exports(
    book: ExperimentBook,
    truth: DayTruth,
    p: Platform,
    rooms: Rooms,
    visits: Visits,
    visit_user: np.ndarray,
    day_index: int,
    day_ms: int,
) -> None:
    """Add the experiment definitions and the day's assignments to `truth`'s exports. Their
    draws come from a random stream of their own, so the rest of the day is unchanged."""
    rng = np.random.default_rng([book.seed, 2, day_index])
    definitions = book.definitions(day_index, day_ms)
    if definitions is not None:
        truth.exports["experiments"] = definitions
    first = (
        pl.DataFrame({"user": visit_user, "enter": visits.enter})
        .group_by("user")
        .agg(pl.col("enter").min())
        .sort("user")
    )
    users = p.user_ids(first["user"].to_numpy()).to_list()
    rows, defects, lost = book.assignments(
        rng,
        day_index,
        day_ms,
        (rooms.ids.to_list(), rooms.start),
        (users, first["enter"].to_numpy()),
    )
    if rows.height:
        truth.exports["assignments"] = rows
        truth.export_defects["assignments"] = defects
        truth.lost_lines["assignments"] = lost


def _behaviour(
    rng: np.random.Generator,
    p: Platform,
    rooms: Rooms,
    visits: Visits,
    visit_user: np.ndarray,
    day_index: int,
    stamp: str,
) -> tuple[dict[str, pl.DataFrame], dict[int, pl.DataFrame]]:
    """The four event streams of the day's visits, and after-sales cases they will cause."""
    n_visits = len(visit_user)
    enter, leave, dwell_ms = visits.enter, visits.leave, visits.dwell_ms
    buys, carts = visits.buys, visits.carts
    visit_product = rooms.seg_product[visits.segment]
    visit_anchor = visits.session
    # -- views --------------------------------------------------------------------------------
    visit_ids = entity_ids(f"v{stamp}-", np.arange(n_visits), 8)
    user_ids = p.user_ids(visit_user)
    session_col = rooms.ids.gather(visits.session)
    ip = _ips(rng, n_visits)
    base_views = pl.DataFrame(
        {
            "user_id": user_ids,
            "session_id": session_col,
            "visit_id": visit_ids,
            "channel": pl.Series(
                np.array(CHANNELS)[rng.choice(4, n_visits, p=[0.55, 0.2, 0.15, 0.1])]
            ),
            "device_id": entity_ids("dev-", visit_user, 8),
            "ip": ip,
        }
    )
    views = pl.concat(
        [
            base_views.with_columns(
                event_type=pl.lit("enter"),
                event_time=pl.Series(enter),
                dwell_seconds=pl.lit(None, dtype=pl.Int64),
            ),
            base_views.with_columns(
                event_type=pl.lit("leave"),
                event_time=pl.Series(leave),
                dwell_seconds=pl.Series(dwell_ms // 1000),
            ),
        ]
    )

    # -- interactions ---------------------------------------------------------------------
    n_int = rng.poisson(visits.interaction_rate * dwell_ms / 60_000)
    int_visit = np.repeat(np.arange(n_visits), n_int)
    int_type = rng.choice(4, len(int_visit), p=[0.4, 0.45, 0.1, 0.05])
    with_product = (int_type != 3) & (rng.random(len(int_visit)) < 0.6)
    gift = np.where(int_type == 3, GIFT_VALUES_CNY[rng.integers(0, 6, len(int_visit))], np.nan)
    interactions = pl.DataFrame(
        {
            "event_type": pl.Series(np.array(INTERACTION_TYPES)[int_type]),
            "event_time": enter[int_visit]
            + (rng.random(len(int_visit)) * dwell_ms[int_visit]).astype(np.int64),
            "user_id": user_ids.gather(int_visit),
            "session_id": session_col.gather(int_visit),
            "product_id": _nullable(p.product_ids(visit_product[int_visit]), with_product),
            "gift_value_cny": pl.Series(gift).fill_nan(None),
        }
    )

    # -- cart events and orders --------------------------------------------------------------
    # A visit that carts or buys takes a quantity of the product in focus at its live price.
    takes = buys | carts
    quantity = np.zeros(n_visits, dtype=np.int64)
    quantity[takes] = rng.choice([1, 2, 3], int(takes.sum()), p=[0.8, 0.15, 0.05])
    unit_price = rooms.seg_live_price[visits.segment]
    cart_visit = np.flatnonzero(carts)
    n_cart = len(cart_visit)
    cart_buys = buys[cart_visit]
    add_frac = np.where(cart_buys, 0.3, rng.uniform(0.2, 0.6, n_cart))
    add_time = enter[cart_visit] + (add_frac * dwell_ms[cart_visit]).astype(np.int64)
    removes = ~cart_buys & (rng.random(n_cart) < CART_REMOVE_SHARE)
    remove_time = add_time + (rng.random(n_cart) * (leave[cart_visit] - add_time)).astype(np.int64)
    cart_base = pl.DataFrame(
        {
            "user_id": user_ids.gather(cart_visit),
            "session_id": session_col.gather(cart_visit),
            "product_id": p.product_ids(visit_product[cart_visit]),
            "quantity": quantity[cart_visit],
            "unit_price_cny": unit_price[cart_visit],
        }
    )
    cart_events = pl.concat(
        [
            cart_base.with_columns(event_type=pl.lit("add"), event_time=pl.Series(add_time)),
            cart_base.filter(pl.Series(removes)).with_columns(
                event_type=pl.lit("remove"), event_time=pl.Series(remove_time[removes])
            ),
        ]
    )

    # Every buyer creates and pays an order, whether it carted first or bought directly; some
    # unpaid carts that were not removed create an order and cancel it.
    cancels = ~cart_buys & ~removes & (rng.random(n_cart) < CANCELLED_ORDER_SHARE_OF_UNPAID_CARTS)
    cancelled = np.zeros(n_visits, dtype=bool)
    cancelled[cart_visit[cancels]] = True
    added_at = np.zeros(n_visits, dtype=np.int64)
    added_at[cart_visit] = add_time
    order_visit = np.flatnonzero(buys | cancelled)
    paid = buys[order_visit]
    n_orders = len(order_visit)
    o_enter, o_dwell, o_leave = enter[order_visit], dwell_ms[order_visit], leave[order_visit]
    o_added = added_at[order_visit]
    created = np.where(
        paid,
        o_enter + (0.6 * o_dwell).astype(np.int64),
        o_added + ((o_leave - o_added) * 0.3).astype(np.int64),
    )
    closed = np.where(paid, o_enter + (0.85 * o_dwell).astype(np.int64), o_leave - 500)
    o_quantity = quantity[order_visit]
    o_price = unit_price[order_visit]
    o_coupon = rooms.seg_coupon[visits.segment[order_visit]]
    o_user = visit_user[order_visit]
    order_ids = entity_ids(f"o{stamp}-", np.arange(n_orders), 7)
    order_base = pl.DataFrame(
        {
            "user_id": user_ids.gather(order_visit),
            "order_id": order_ids,
            "session_id": session_col.gather(order_visit),
            "product_id": p.product_ids(visit_product[order_visit]),
            "anchor_id": p.anchor_ids(visit_anchor[order_visit]),
            "quantity": o_quantity,
            "unit_price_cny": o_price,
            "coupon_cny": o_coupon,
            "amount_cny": np.round(o_quantity * o_price - o_coupon, 2),
            "payment_method": pl.Series(np.array(PAYMENT_METHODS)[rng.choice(3, n_orders)]),
            "receiver_phone": phone_numbers(o_user),
            "receiver_address": _addresses(p, o_user),
        }
    )
    orders = pl.concat(
        [
            order_base.with_columns(event_type=pl.lit("created"), event_time=pl.Series(created)),
            order_base.with_columns(
                event_type=pl.Series(np.where(paid, "paid", "cancelled")),
                event_time=pl.Series(closed),
            ),
        ]
    )

    # -- after-sales cases for some paid orders, requested 1-6 days later ------------------
    has_case = paid & (rng.random(n_orders) < AFTER_SALES_PER_PAID_ORDER)
    orders = orders.with_columns(_protected=pl.Series(np.concatenate([has_case, has_case])))
    after_sales_due = _after_sales(
        rng, order_base.filter(pl.Series(has_case)), closed[has_case], day_index, stamp
    )

    streams = {
        "views": views,
        "interactions": interactions,
        "cart_events": cart_events,
        "orders": orders,
    }
    streams = {name: _with_event_ids(frame, name, stamp) for name, frame in streams.items()}
    return streams, after_sales_due


def _exports(
    rng: np.random.Generator,
    p: Platform,
    rooms: Rooms,
    visits: Visits,
    visit_user: np.ndarray,
    interactions: pl.DataFrame,
    day_index: int,
    day_ms: int,
    stamp: str,
) -> dict[str, pl.DataFrame]:
    """The day's export rows; applies follower, membership and price changes."""
    n_visits = len(visit_user)
    visit_anchor = visits.session
    leave = visits.leave
    follow = rng.random(n_visits) < FOLLOW_PER_VISIT
    unfollow = ~follow & (rng.random(n_visits) < UNFOLLOW_PER_VISIT)
    delta = np.bincount(visit_anchor[follow], minlength=p.anchors) - np.bincount(
        visit_anchor[unfollow], minlength=p.anchors
    )
    products, base_prices = products_and_base_prices(
        rng, p, day_index, day_ms, PRICE_CHANGES_PER_PRODUCT_DAY
    )
    segment_args = (rooms.ids, rooms.seg_session, rooms.seg_start, rooms.seg_end, rooms.seg_product)
    exports = {
        "users": users_rows(rng, p, day_index, day_ms, UPGRADES_PER_USER_DAY),
        "anchors": anchors_rows(p, day_index, day_ms, delta),
        "products": products,
        "prices": pl.concat(
            [
                base_prices,
                live_price_rows(
                    p,
                    *segment_args,
                    rooms.seg_list_price,
                    rooms.seg_live_price,
                    rooms.seg_coupon,
                    rooms.seg_flash,
                    rooms.flash_start,
                    rooms.flash_end,
                ),
            ]
        ),
        "live_sessions": session_rows(p, rooms.ids, rooms.start, rooms.end),
        "session_products": segment_rows(p, stamp, *segment_args),
        "social": social_rows(
            rng,
            p,
            day_ms,
            (visit_user[follow], visit_anchor[follow], leave[follow]),
            (visit_user[unfollow], visit_anchor[unfollow], leave[unfollow]),
            interactions.filter(pl.col("event_type") == "share"),
            SHARE_EDGE_PER_SHARE,
            INVITES_PER_USER_DAY,
        ),
    }
    return exports


def _assign_buyers(
    rng: np.random.Generator,
    p: Platform,
    buyers: BuyerBook,
    slots: np.ndarray,
    day_index: int,
    last_day_index: int,
    stamp: str,
) -> np.ndarray:
    """Users for the day's buying visits: first those due to buy again, then first-time
    buyers, REPURCHASE_SHARE of whom are booked to buy again within 30 days (possibly later
    the same day) — so the repurchase rate is a property of buyers, not of traffic."""
    n = len(slots)
    due_parts = buyers.due.pop(day_index, [])
    due = np.concatenate(due_parts) if due_parts else np.empty(0, dtype=np.int64)
    if len(due) > n:
        buyers.due.setdefault(day_index + 1, []).append(due[n:])
        due = due[:n]
    owners = np.empty(n, dtype=np.int64)
    order = rng.permutation(n)
    owners[order[: len(due)]] = due
    free = n - len(due)
    if free == 0:
        return owners
    pool = np.flatnonzero(~p.user_ever_bought)
    picked = pool[_weighted_sample(rng, p.user_activity[pool], min(free, len(pool)))]
    picked = rng.permutation(picked)
    # an exact quota (not a coin per buyer) keeps the realised share at REPURCHASE_SHARE
    repeat = rng.permutation(np.arange(len(picked)) < round(REPURCHASE_SHARE * len(picked)))
    horizon = min(REPURCHASE_GAP_DAYS, last_day_index - day_index)
    gap = rng.integers(0, horizon + 1, len(picked))
    same_day = repeat & (gap == 0)
    used = np.cumsum(1 + same_day)
    keep = used <= free
    taken = int(used[keep][-1]) if keep.any() else 0
    nxt = int(keep.sum())
    if taken < free and nxt < len(picked):
        same_day[nxt] = False
        repeat[nxt] &= gap[nxt] > 0
        keep[nxt] = True
        taken += 1
    new_owners = np.repeat(picked[keep], 1 + same_day[keep])
    owners[order[len(due) : len(due) + taken]] = rng.permutation(new_owners)
    p.user_ever_bought[picked[keep]] = True
    if taken < free:  # every user has bought already: fall back to anyone (noted in manifest)
        buyers.pool_exhausted_days.append(stamp)
        activity = p.user_activity / p.user_activity.sum()
        owners[order[len(due) + taken :]] = rng.choice(p.users, free - taken, p=activity)
    later = keep & repeat & (gap > 0)
    for g in np.unique(gap[later]):
        buyers.due.setdefault(day_index + int(g), []).append(picked[later & (gap == g)])
    return owners


def _ips(rng: np.random.Generator, n: int) -> pl.Series:
    octets = pl.DataFrame({f"o{i}": rng.integers(1, 255, n) for i in range(4)})
    return octets.select(pl.concat_str(pl.all().cast(pl.String), separator=".")).to_series()


def _nullable(values: pl.Series, keep: np.ndarray) -> pl.Series:
    frame = pl.DataFrame({"v": values, "k": keep})
    return frame.select(pl.when(pl.col("k")).then(pl.col("v"))).to_series().alias(values.name)


def _addresses(p: Platform, users: np.ndarray) -> pl.Series:
    from livelake.generator.catalog import REGIONS

    frame = pl.DataFrame(
        {
            "region": np.array(REGIONS)[p.user_region[users]],
            "district": users % 37 + 1,
            "road": users % 911 + 1,
            "number": users % 97 + 1,
        }
    )
    return frame.select(
        pl.format("{}, District {}, Road {} No. {}", "region", "district", "road", "number")
    ).to_series()


STREAM_ID_PREFIX = {"views": "vw", "interactions": "ia", "cart_events": "ce", "orders": "od"}


def _with_event_ids(frame: pl.DataFrame, stream: str, stamp: str) -> pl.DataFrame:
    """Order a stream by time (stable) and number its events in that order."""
    frame = frame.sort("event_time", maintain_order=True)
    if "_protected" not in frame.columns:
        frame = frame.with_columns(_protected=pl.lit(False))
    ids = entity_ids(f"{STREAM_ID_PREFIX[stream]}{stamp}-", np.arange(frame.height), 9)
    return frame.with_columns(event_id=ids)


def _after_sales(
    rng: np.random.Generator,
    paid_orders: pl.DataFrame,
    paid_ms: np.ndarray,
    day_index: int,
    stamp: str,
) -> dict[int, pl.DataFrame]:
    """Refund/return cases, keyed by the day index their row is delivered: one row when the
    case is requested, a second one when it is approved or rejected."""
    n = paid_orders.height
    if n == 0:
        return {}
    offset = rng.integers(1, 7, n)
    requested = paid_ms + offset * DAY_MS
    resolved = requested + rng.integers(3_600_000, 3 * DAY_MS, n)
    final = np.array(["approved", "rejected", "requested"])[rng.choice(3, n, p=[0.8, 0.1, 0.1])]
    cases = paid_orders.select(
        case_id=entity_ids(f"c{stamp}-", np.arange(n), 6),
        order_id="order_id",
        user_id="user_id",
        product_id="product_id",
        case_type=pl.Series(np.where(rng.random(n) < 0.6, "refund", "return")),
        reason=pl.Series(
            np.array(CASE_REASONS)[rng.choice(7, n, p=[0.25, 0.2, 0.15, 0.2, 0.08, 0.07, 0.05])]
        ),
        amount_cny="amount_cny",
        requested_at=pl.Series(requested),
    )
    opened = cases.with_columns(
        resolved_at=pl.lit(None, dtype=pl.Int64),
        status=pl.lit("requested"),
        updated_at=pl.Series(requested),
        _day=pl.Series(day_index + offset),
    )
    settled = final != "requested"
    closed = cases.filter(pl.Series(settled)).with_columns(
        resolved_at=pl.Series(resolved[settled]),
        status=pl.Series(final[settled]),
        updated_at=pl.Series(resolved[settled]),
        _day=pl.Series(
            day_index
            + (resolved[settled] - paid_ms[settled] + (paid_ms[settled] % DAY_MS)) // DAY_MS
        ),
    )
    both = pl.concat([opened, closed])
    return {
        int(key[0]): part.drop("_day")
        for key, part in both.partition_by("_day", as_dict=True, maintain_order=True).items()
    }


def _drift_interests(rng: np.random.Generator, p: Platform) -> None:
    """Each day a random 1 - 2^(-1/14) of users (an exact quota) redraw their favourite
    category from the category popularity: interest autocorrelation halves in 14 days."""
    redraw = rng.permutation(p.users)[
        : round((1 - 0.5 ** (1.0 / INTEREST_HALF_LIFE_DAYS)) * p.users)
    ]
    p.user_favourite[redraw] = rng.choice(len(CATEGORIES), len(redraw), p=CATEGORY_POPULARITY)
