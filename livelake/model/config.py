"""What a training run may be told: its publish thresholds and seeds (light to import, so the
CLI shows these defaults in `--help` without loading the model stack)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingConfig:
    min_auc: float = 0.60  # below this a model is no better than a coarse rule
    max_auc_drop: float = 0.02  # tolerated AUC loss against the current model
    test_fraction: float = 0.2  # share of the distinct example days held out (at least one)
    seed: int = 7
    # The estimator: a few hundred positives among ~10^5 examples overfit an unregularised
    # booster (confident, wrong probabilities; log-loss 20x the constant's on the demo week).
    learning_rate: float = 0.05
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 200
    l2_regularization: float = 1.0
    max_iter: int = 500  # an upper bound: boosting stops when the validation loss does
    validation_fraction: float = 0.2  # of the training window, for early stopping
    max_importance_rows: int = 20_000  # permutation importance on a sample of the test days
