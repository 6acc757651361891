"""Which features, and which of the plan's four purchase drivers, the model leans on — with
bootstrap intervals, so an order is only claimed when the data can tell the drivers apart.

Importance is permutation importance on the test days measured as the rise in log-loss: a
group of columns (one feature, or every feature of a driver) is shuffled together across
rows and the model re-scored. Log-loss is a mean over rows, so the bootstrap resamples the
per-row rises instead of re-predicting: intervals cost no extra model calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

EPS = 1e-15  # probabilities are clipped like sklearn's log_loss


@dataclass(frozen=True)
class Driver:
    """A purchase driver of the plan, its weight, and the feature-name fragments it covers."""

    name: str
    planned_weight_pct: int
    fragments: tuple[str, ...]

    def matches(self, feature: str) -> bool:
        local = feature.split("__", 1)[-1].lower()
        return any(fragment in local for fragment in self.fragments)


# The plan's weights 35 / 28 / 22 / 15 (DESIGN.md, "Source data"), strongest first.
DRIVERS: tuple[Driver, ...] = (
    Driver("anchor professionalism", 35, ("professional",)),
    Driver("product explanation time", 28, ("explain", "explanation")),
    Driver("interaction frequency", 22, ("interaction", "comment", "like", "gift")),
    Driver("price anchoring", 15, ("price_anchor", "discount", "coupon", "live_price", "flash")),
)


def _row_log_loss(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    import numpy as np

    p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def grouped_importances(
    model: Any,
    x: pd.DataFrame,
    y: np.ndarray,
    groups: dict[str, list[str]],
    seed: int,
    repeats: int,
    bootstraps: int,
) -> dict[str, dict[str, float]]:
    """Per group: mean log-loss rise when its columns are shuffled, and its 95% interval."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    base = _row_log_loss(y, model.predict_proba(x)[:, 1])
    rises = np.zeros((len(x), len(groups)))
    # Hundreds of predict calls: on a loaded 2-core box (Spark next door) OpenMP's thread
    # start-up and spinning stall them (9 minutes on the demo week); one thread is steady.
    with threadpool_limits(limits=1):
        for g, columns in enumerate(groups.values()):
            for _ in range(repeats):
                order = rng.permutation(len(x))
                shuffled = x.copy()
                for column in columns:  # same row order for the group: it moves as one
                    shuffled[column] = x[column].iloc[order].set_axis(x.index)
                rises[:, g] += _row_log_loss(y, model.predict_proba(shuffled)[:, 1]) - base
    rises /= repeats
    resampled = np.array(
        [rises[rng.integers(0, len(x), len(x))].mean(axis=0) for _ in range(bootstraps)]
    )
    low, high = np.percentile(resampled, [2.5, 97.5], axis=0)
    mean = rises.mean(axis=0)
    return {
        name: {"importance": float(mean[g]), "low": float(low[g]), "high": float(high[g])}
        for g, name in enumerate(groups)
    }


def feature_table(importances: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """One row per feature, strongest first, with its rank."""
    rows = [{"feature": name, **values} for name, values in importances.items()]
    rows.sort(key=lambda r: r["importance"], reverse=True)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def driver_groups(features: list[str]) -> dict[str, list[str]]:
    """Each driver's features (drivers with none are left out)."""
    groups = {d.name: [f for f in features if d.matches(f)] for d in DRIVERS}
    return {name: columns for name, columns in groups.items() if columns}


def driver_ranking(
    importances: dict[str, dict[str, float]], groups: dict[str, list[str]]
) -> dict[str, Any]:
    """Do the drivers rank as the generator planted them, and can the intervals tell?

    "Ranks as generated" needs every driver found, the point estimates in the planned order,
    and each driver's interval entirely above the next planned driver's.
    """
    drivers = [
        {
            "driver": d.name,
            "planned_weight_pct": d.planned_weight_pct,
            "features": groups.get(d.name, []),
            **importances.get(d.name, {"importance": None, "low": None, "high": None}),
        }
        for d in DRIVERS
    ]
    found = [d for d in drivers if d["importance"] is not None]
    observed = [d["driver"] for d in sorted(found, key=lambda d: -d["importance"])]
    planned = [d.name for d in DRIVERS]
    missing = [d["driver"] for d in drivers if d["importance"] is None]
    overlapping = [
        f"{a['driver']} / {b['driver']}" for a, b in pairwise(found) if a["low"] <= b["high"]
    ]
    order_as_planned = not missing and observed == planned
    return {
        "planned_order": planned,
        "observed_order": observed,
        "missing": missing,
        "order_as_planned": order_as_planned,
        "overlapping": overlapping,
        "ranks_as_generated": order_as_planned and not overlapping,
        "drivers": drivers,
    }
