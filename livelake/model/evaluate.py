"""How a conversion model is judged on the test days: AUC, log-loss, Brier, calibration (table
and ECE), and each feature's own AUC (the gate's leak check)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


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
