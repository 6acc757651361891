"""How a conversion model is judged: AUC, log-loss, calibration, feature importances, and
whether the plan's four purchase drivers rank the way the generator planted them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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


def calibration_table(y_true: np.ndarray, p: np.ndarray, bins: int) -> list[dict[str, Any]]:
    """Predicted vs observed conversion per equal-count bin of the predicted probability.

    Equal-count, not equal-width: at a ~0.2% base rate nearly every prediction falls in the
    first of ten equal-width bins, and the table (and ECE) would say nothing.
    """
    import numpy as np

    order = np.argsort(p, kind="stable")
    table = []
    for i, idx in enumerate(np.array_split(order, min(bins, len(order)))):
        if len(idx) == 0:
            continue
        table.append(
            {
                "bin": i + 1,
                "rows": len(idx),
                "positives": int(y_true[idx].sum()),
                "p_min": float(p[idx].min()),
                "p_max": float(p[idx].max()),
                "mean_predicted": float(p[idx].mean()),
                "observed_rate": float(y_true[idx].mean()),
            }
        )
    return table


def expected_calibration_error(table: list[dict[str, Any]]) -> float:
    """Row-weighted mean gap between predicted and observed rate over the calibration bins."""
    rows = sum(b["rows"] for b in table)
    return sum(b["rows"] / rows * abs(b["mean_predicted"] - b["observed_rate"]) for b in table)


def metrics(y_true: np.ndarray, p: np.ndarray, bins: int) -> dict[str, Any]:
    """The test days' scores: ranking (AUC), probabilities (log-loss, Brier), calibration."""
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

    table = calibration_table(y_true, p, bins)
    return {
        "auc": float(roc_auc_score(y_true, p)),
        "log_loss": float(log_loss(y_true, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y_true, p)),
        "ece": expected_calibration_error(table),
        "base_rate": float(y_true.mean()),
        "mean_predicted": float(p.mean()),
        "calibration": table,
    }


def permutation_importances(
    model: Any, x: pd.DataFrame, y: np.ndarray, seed: int, repeats: int = 5
) -> list[dict[str, Any]]:
    """Drop in test AUC when each feature is shuffled, strongest first."""
    from sklearn.inspection import permutation_importance
    from threadpoolctl import threadpool_limits

    # Thousands of small predict calls: OpenMP's thread start-up and spinning cost more than
    # they give, and on a loaded 2-core box (Spark next door) they stall; one thread is steady.
    with threadpool_limits(limits=1):
        result = permutation_importance(
            model, x, y, scoring="roc_auc", n_repeats=repeats, random_state=seed
        )
    rows = [
        {
            "feature": name,
            "importance_auc": float(result.importances_mean[i]),
            "std": float(result.importances_std[i]),
        }
        for i, name in enumerate(x.columns)
    ]
    rows.sort(key=lambda r: r["importance_auc"], reverse=True)
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def driver_ranking(importances: list[dict[str, Any]]) -> dict[str, Any]:
    """Each driver's strongest feature and rank; do the drivers rank in the planned order?"""
    drivers = []
    for driver in DRIVERS:
        matched = [row for row in importances if driver.matches(row["feature"])]
        best = max(matched, key=lambda r: r["importance_auc"]) if matched else None
        drivers.append(
            {
                "driver": driver.name,
                "planned_weight_pct": driver.planned_weight_pct,
                "features": [row["feature"] for row in matched],
                "best_feature": best["feature"] if best else None,
                "importance_auc": best["importance_auc"] if best else None,
                "feature_rank": best["rank"] if best else None,
            }
        )
    found = [d for d in drivers if d["importance_auc"] is not None]
    observed = [d["driver"] for d in sorted(found, key=lambda d: -d["importance_auc"])]
    planned = [d.name for d in DRIVERS]
    missing = [d["driver"] for d in drivers if d["importance_auc"] is None]
    return {
        "planned_order": planned,
        "observed_order": observed,
        "missing": missing,
        "ranks_as_generated": not missing and observed == planned,
        "drivers": drivers,
    }


def feature_aucs(x: pd.DataFrame, y: np.ndarray) -> dict[str, float]:
    """Each numeric feature's own AUC on `y` (either direction; missing values rank lowest).

    A feature built from the day's own outcome ranks the day almost perfectly by itself; the
    gate reads that as a leak. Text features are left out: ranking them needs an encoding
    fitted on the labels, which would itself leak.
    """
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    scores = {}
    for name in x.columns:
        column = x[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            continue
        values = column.fillna(column.min() - 1 if column.notna().any() else 0)
        auc = float(roc_auc_score(y, values))
        scores[name] = max(auc, 1 - auc)
    return scores
