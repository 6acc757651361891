"""The platform's slowly changing entities: users, anchors and products, and their state.

Everything here is drawn once from the seed at the start of a run and then evolves day by
day (membership upgrades, follower counts, list prices, each user's favourite category).
Arrays are indexed by entity number; ids are derived strings (`u00000042`, `a00007`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from livelake.lake.tables.silver import ANCHORS, USERS

CATEGORIES = (
    "apparel",
    "beauty",
    "food",
    "home",
    "electronics",
    "mother_baby",
    "sports",
    "jewelry",
    "books",
    "pets",
    "health",
    "toys",
)
#: Share of random (non-favourite) category choices; also the stationary share of favourites.
CATEGORY_POPULARITY = np.array([1.0 / (i + 3) for i in range(len(CATEGORIES))])
CATEGORY_POPULARITY /= CATEGORY_POPULARITY.sum()

TIERS = ANCHORS.column("tier").allowed
#: Professionalism score range (0-100) per tier.
PROFESSIONALISM_RANGE = {"head": (80.0, 98.0), "mid": (65.0, 85.0), "long_tail": (10.0, 45.0)}
#: Median followers per tier.
FOLLOWERS_MEDIAN = {"head": 2_000_000, "mid": 150_000, "long_tail": 4_000}
MEMBERSHIP_LEVELS = USERS.column("membership_level").allowed  # in upgrade order
REGIONS = (
    "Guangdong",
    "Zhejiang",
    "Jiangsu",
    "Shandong",
    "Henan",
    "Sichuan",
    "Hubei",
    "Fujian",
    "Hunan",
    "Shanghai",
    "Beijing",
    "Hebei",
)
DEVICE_TYPES = USERS.column("device_type").allowed
BRANDS_PER_CATEGORY = 40
DAY_MS = 86_400_000


def entity_ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    """`prefix` + zero-padded number, vectorised: entity_ids("u", [42], 8) -> ["u00000042"]."""
    return prefix + pl.Series(numbers.astype(np.int64)).cast(pl.String).str.zfill(width)


@dataclass
class Platform:
    """Entity attributes (fixed) and state (evolving) for one run."""

    users: int
    user_activity: np.ndarray  # relative visit frequency, lognormal
    user_region: np.ndarray  # index into REGIONS
    user_registered_ms: np.ndarray
    user_membership: np.ndarray  # index into MEMBERSHIP_LEVELS, evolves
    user_device: np.ndarray  # index into DEVICE_TYPES
    user_favourite: np.ndarray  # index into CATEGORIES, evolves (interest drift)
    user_ever_bought: np.ndarray  # bool, evolves
    anchor_tier: np.ndarray  # index into TIERS
    anchor_category: np.ndarray
    anchor_professionalism: np.ndarray  # 0-100
    anchor_followers: np.ndarray  # evolves
    anchor_registered_ms: np.ndarray
    product_category: np.ndarray
    product_brand: np.ndarray
    product_list_price_cny: np.ndarray  # evolves
    product_color: np.ndarray

    @property
    def anchors(self) -> int:
        return len(self.anchor_tier)

    @property
    def products(self) -> int:
        return len(self.product_category)

    def user_ids(self, index: np.ndarray) -> pl.Series:
        return entity_ids("u", index, 8)

    def anchor_ids(self, index: np.ndarray) -> pl.Series:
        return entity_ids("a", index, 5)

    def product_ids(self, index: np.ndarray) -> pl.Series:
        return entity_ids("p", index, 6)


def anchor_tiers(anchors: int) -> tuple[np.ndarray, np.ndarray]:
    """Category and tier of each anchor: categories round-robin; within a category the first
    8% (at least one) are head, the next 27% (at least one) mid, the rest long tail."""
    n_cat = len(CATEGORIES)
    index = np.arange(anchors)
    category = index % n_cat
    rank = index // n_cat
    per_category = np.bincount(category, minlength=n_cat)[category]
    heads = np.maximum(1, np.round(0.08 * per_category))
    mids = np.maximum(1, np.round(0.27 * per_category))
    tier = np.where(rank < heads, 0, np.where(rank < heads + mids, 1, 2))
    return category, tier


def create_platform(
    rng: np.random.Generator, users: int, anchors: int, products: int, start_ms: int
) -> Platform:
    """Draw every entity of a run."""
    category, tier = anchor_tiers(anchors)
    low = np.array([PROFESSIONALISM_RANGE[t][0] for t in TIERS])[tier]
    high = np.array([PROFESSIONALISM_RANGE[t][1] for t in TIERS])[tier]
    followers_median = np.array([FOLLOWERS_MEDIAN[t] for t in TIERS])[tier]
    product_category = np.arange(products) % len(CATEGORIES)
    return Platform(
        users=users,
        user_activity=rng.lognormal(0.0, 0.8, users),
        user_region=rng.integers(0, len(REGIONS), users),
        user_registered_ms=start_ms - rng.integers(DAY_MS, 1_500 * DAY_MS, users),
        user_membership=rng.choice(4, users, p=[0.6, 0.25, 0.12, 0.03]),
        user_device=rng.choice(3, users, p=[0.4, 0.55, 0.05]),
        user_favourite=rng.choice(len(CATEGORIES), users, p=CATEGORY_POPULARITY),
        user_ever_bought=np.zeros(users, dtype=bool),
        anchor_tier=tier,
        anchor_category=category,
        anchor_professionalism=np.round(rng.uniform(low, high), 1),
        anchor_followers=np.round(followers_median * rng.lognormal(0.0, 0.5, anchors)).astype(
            np.int64
        ),
        anchor_registered_ms=start_ms - rng.integers(30 * DAY_MS, 2_000 * DAY_MS, anchors),
        product_category=product_category,
        product_brand=product_category * BRANDS_PER_CATEGORY
        + rng.integers(0, BRANDS_PER_CATEGORY, products),
        product_list_price_cny=np.round(rng.lognormal(np.log(99.0), 0.8, products), 2),
        product_color=rng.integers(0, 6, products),
    )


def phone_numbers(users: np.ndarray) -> pl.Series:
    """A stable, phone-shaped string per user (PII in the landing data)."""
    return pl.Series(13_000_000_000 + (users.astype(np.int64) * 7_919 + 12_345) % 999_999_999).cast(
        pl.String
    )
