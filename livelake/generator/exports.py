"""The day's CSV exports: dimension rows created or changed on that day.

The first day exports every user, anchor and product; later days only the rows that changed
(membership upgrades, follower counts, list prices) plus the day's own sessions, explanation
segments, live prices and social edges. Instants stay epoch milliseconds here.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from livelake.generator.catalog import (
    CATEGORIES,
    DAY_MS,
    DEVICE_TYPES,
    MEMBERSHIP_LEVELS,
    REGIONS,
    TIERS,
    Platform,
    entity_ids,
    phone_numbers,
)

COLORS = ("red", "black", "white", "blue", "green", "pink")


def users_rows(
    rng: np.random.Generator, p: Platform, day_index: int, day_ms: int, upgrades_per_user: float
) -> pl.DataFrame:
    """Apply the day's membership upgrades; all users on day 0, else the upgraded ones."""
    n_up = rng.binomial(p.users, upgrades_per_user)
    who = np.unique(rng.choice(p.users, n_up, replace=False))
    who = who[p.user_membership[who] < len(MEMBERSHIP_LEVELS) - 1]
    p.user_membership[who] += 1
    updated = np.full(p.users, day_ms, dtype=np.int64)
    updated[who] = day_ms + rng.integers(0, DAY_MS, len(who))
    index = np.arange(p.users) if day_index == 0 else who
    return pl.DataFrame(
        {
            "user_id": p.user_ids(index),
            "user_name": entity_ids("user_", index, 8),
            "phone": phone_numbers(index),
            "region": np.array(REGIONS)[p.user_region[index]],
            "registered_at": p.user_registered_ms[index],
            "membership_level": np.array(MEMBERSHIP_LEVELS)[p.user_membership[index]],
            "device_type": np.array(DEVICE_TYPES)[p.user_device[index]],
            "device_id": entity_ids("dev-", index, 8),
            "updated_at": updated[index],
        }
    )


def anchors_rows(
    p: Platform, day_index: int, day_ms: int, follower_delta: np.ndarray
) -> pl.DataFrame:
    """Apply the day's follower change; all anchors on day 0, else those whose count moved.
    The row is the end-of-day snapshot (updated_at 23:59:59)."""
    p.anchor_followers = np.maximum(0, p.anchor_followers + follower_delta)
    index = np.arange(p.anchors) if day_index == 0 else np.flatnonzero(follower_delta != 0)
    return pl.DataFrame(
        {
            "anchor_id": p.anchor_ids(index),
            "anchor_name": entity_ids("anchor_", index, 5),
            "tier": np.array(TIERS)[p.anchor_tier[index]],
            "followers": p.anchor_followers[index],
            "main_category": np.array(CATEGORIES)[p.anchor_category[index]],
            "professionalism_score": p.anchor_professionalism[index],
            "registered_at": p.anchor_registered_ms[index],
            "updated_at": np.full(len(index), day_ms + DAY_MS - 1_000, dtype=np.int64),
        }
    )


def products_and_base_prices(
    rng: np.random.Generator, p: Platform, day_index: int, day_ms: int, changes_per_product: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply the day's list-price changes; every product on day 0, else the changed ones.
    Each product row comes with a base price row (no session) valid from the change on."""
    if day_index == 0:
        index = np.arange(p.products)
        valid_from = np.full(p.products, day_ms, dtype=np.int64)
    else:
        index = np.unique(rng.choice(p.products, rng.binomial(p.products, changes_per_product)))
        factor = rng.uniform(0.85, 1.15, len(index))
        p.product_list_price_cny[index] = np.round(p.product_list_price_cny[index] * factor, 2)
        valid_from = day_ms + rng.integers(0, DAY_MS, len(index))
    category = np.array(CATEGORIES)[p.product_category[index]]
    product_ids = p.product_ids(index)
    colors = pl.Series(np.array(COLORS)[p.product_color[index]])
    pack_sizes = pl.Series(index % 5 + 1).cast(pl.String)
    attributes = '{"color":"' + colors + '","pack_size":' + pack_sizes + "}"
    products = pl.DataFrame(
        {
            "product_id": product_ids,
            "title": pl.Series(category) + " item " + entity_ids("", index, 6),
            "category": category,
            "brand": pl.Series(category)
            + "-brand-"
            + entity_ids("", p.product_brand[index] % 40, 2),
            "list_price_cny": p.product_list_price_cny[index],
            "attributes": attributes,
            "updated_at": valid_from,
        }
    )
    n = len(index)
    prices = pl.DataFrame(
        {
            "product_id": product_ids,
            "valid_from": valid_from,
            "valid_to": pl.Series([None] * n, dtype=pl.Int64),
            "list_price_cny": p.product_list_price_cny[index],
            "live_price_cny": p.product_list_price_cny[index],
            "coupon_cny": np.zeros(n),
            "is_flash_sale": pl.Series(["false"] * n, dtype=pl.String),
            "flash_sale_start": pl.Series([None] * n, dtype=pl.Int64),
            "flash_sale_end": pl.Series([None] * n, dtype=pl.Int64),
            "session_id": pl.Series([None] * n, dtype=pl.String),
            "updated_at": valid_from,
        }
    )
    return products, prices


HALF_HOUR_MS = 30 * 60 * 1000


def session_rows(
    p: Platform,
    session_ids: pl.Series,
    start: np.ndarray,
    end: np.ndarray,
) -> pl.DataFrame:
    index = np.arange(p.anchors)
    category = np.array(CATEGORIES)[p.anchor_category]
    # Head and mid anchors announce each session for the half hour it starts in (a few
    # minutes late, as rooms do); long-tail anchors go live unannounced.
    announced = np.array(TIERS)[p.anchor_tier] != "long_tail"
    scheduled = pl.Series(start - start % HALF_HOUR_MS).set(pl.Series(~announced), None)
    return pl.DataFrame(
        {
            "session_id": session_ids,
            "anchor_id": p.anchor_ids(index),
            "category": category,
            "title": pl.Series(category) + " live with " + p.anchor_ids(index),
            "scheduled_start": scheduled,
            "started_at": start,
            "ended_at": end,
            "updated_at": end,
        }
    )


def segment_rows(
    p: Platform,
    stamp: str,
    session_ids: pl.Series,
    seg_session: np.ndarray,
    seg_start: np.ndarray,
    seg_end: np.ndarray,
    seg_product: np.ndarray,
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "segment_id": entity_ids(f"g{stamp}-", np.arange(len(seg_session)), 7),
            "session_id": session_ids.gather(seg_session),
            "product_id": p.product_ids(seg_product),
            "explain_start": seg_start,
            "explain_end": seg_end,
            "updated_at": seg_end,
        }
    )


def live_price_rows(
    p: Platform,
    session_ids: pl.Series,
    seg_session: np.ndarray,
    seg_start: np.ndarray,
    seg_end: np.ndarray,
    seg_product: np.ndarray,
    list_price: np.ndarray,
    live_price: np.ndarray,
    coupon: np.ndarray,
    flash: np.ndarray,
    flash_start: np.ndarray,
    flash_end: np.ndarray,
) -> pl.DataFrame:
    """One price row per explanation segment: the live price, coupon and flash-sale window."""
    return pl.DataFrame(
        {
            "product_id": p.product_ids(seg_product),
            "valid_from": seg_start,
            "valid_to": seg_end,
            "list_price_cny": list_price,
            "live_price_cny": live_price,
            "coupon_cny": coupon,
            "is_flash_sale": np.where(flash, "true", "false"),
            "flash_sale_start": pl.Series(np.where(flash, flash_start, 0)).set(
                pl.Series(~flash), None
            ),
            "flash_sale_end": pl.Series(np.where(flash, flash_end, 0)).set(pl.Series(~flash), None),
            "session_id": session_ids.gather(seg_session),
            "updated_at": seg_start,
        }
    )


def social_rows(
    rng: np.random.Generator,
    p: Platform,
    day_ms: int,
    follows: tuple[np.ndarray, np.ndarray, np.ndarray],
    unfollows: tuple[np.ndarray, np.ndarray, np.ndarray],
    shares: pl.DataFrame,
    share_edge_share: float,
    invites_per_user: float,
) -> pl.DataFrame:
    """Follow/unfollow edges (user -> anchor) and share/invite edges (user -> user)."""
    share_keep = shares.filter(pl.Series(rng.random(shares.height) < share_edge_share))
    n_invites = rng.binomial(p.users, invites_per_user)
    parts = [
        pl.DataFrame(
            {
                "edge_type": "follow",
                "src_user_id": p.user_ids(follows[0]),
                "dst_id": p.anchor_ids(follows[1]),
                "created_at": follows[2],
            }
        ),
        pl.DataFrame(
            {
                "edge_type": "unfollow",
                "src_user_id": p.user_ids(unfollows[0]),
                "dst_id": p.anchor_ids(unfollows[1]),
                "created_at": unfollows[2],
            }
        ),
        pl.DataFrame(
            {
                "edge_type": "share",
                "src_user_id": share_keep["user_id"],
                "dst_id": p.user_ids(rng.integers(0, p.users, share_keep.height)),
                "created_at": share_keep["event_time"],
            }
        ),
        pl.DataFrame(
            {
                "edge_type": "invite",
                "src_user_id": p.user_ids(rng.integers(0, p.users, n_invites)),
                "dst_id": p.user_ids(rng.integers(0, p.users, n_invites)),
                "created_at": day_ms + rng.integers(0, DAY_MS, n_invites),
            }
        ),
    ]
    edges = pl.concat(
        [part.with_columns(pl.col("edge_type").cast(pl.String)) for part in parts]
    ).sort("created_at", maintain_order=True)
    return edges.with_columns(updated_at=pl.col("created_at"))
