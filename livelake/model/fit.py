"""Fit the conversion model: a regularised gradient-boosted ranker, stopped on the validation
days, then calibrated on the calibration days so its scores read as conversion probabilities.

The booster's raw probabilities are not to be trusted at a ~0.2% base rate (boosting pushes
scores toward the extremes); the calibrator maps them onto rates observed on days neither
the booster nor its early stopping saw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from livelake.model.config import TrainingConfig

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class FittedModel:
    model: Any  # predict_proba on prepared features: the calibrated classifier
    iterations: int  # boosting rounds kept by early stopping
    calibration_method: str  # "sigmoid" (Platt) or "isotonic"
    calibration_positives: int


def calibration_method(positives: int, config: TrainingConfig) -> str:
    """Isotonic with plenty of positives; Platt below that.

    Isotonic regression is a staircase with one step per run of positives: with a few dozen
    positives it overfits, and its lowest steps predict exactly 0, which log-loss punishes
    without bound. Platt scaling fits two numbers (a slope and an intercept on the booster's
    log-odds) and stays smooth however few positives there are.
    """
    return "isotonic" if positives >= config.isotonic_min_positives else "sigmoid"


def fit_calibrated(
    x_train: pd.DataFrame,
    y_train: np.ndarray,
    x_val: pd.DataFrame,
    y_val: np.ndarray,
    x_cal: pd.DataFrame,
    y_cal: np.ndarray,
    config: TrainingConfig,
) -> FittedModel:
    """Boost on the train days, stop on the validation days, calibrate on the calibration days."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator

    base_rate = max(float(y_train.mean()), 1e-6)
    booster = HistGradientBoostingClassifier(
        categorical_features="from_dtype",
        random_state=config.seed,
        learning_rate=config.learning_rate,
        max_leaf_nodes=config.max_leaf_nodes,
        min_samples_leaf=math.ceil(config.min_leaf_positives / base_rate),
        l2_regularization=config.l2_regularization,
        max_iter=config.max_iter,
        early_stopping=True,
        scoring="loss",
        n_iter_no_change=config.n_iter_no_change,
    )
    booster.fit(x_train, y_train, X_val=x_val, y_val=y_val)
    positives = int(y_cal.sum())
    method = calibration_method(positives, config)
    calibrated = CalibratedClassifierCV(FrozenEstimator(booster), method=method)
    calibrated.fit(x_cal, y_cal)
    return FittedModel(calibrated, int(booster.n_iter_), method, positives)
