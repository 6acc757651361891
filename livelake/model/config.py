"""What a training run may be told: its day split, estimator, calibration and gate thresholds,
and seed (light to import, so the CLI shows these defaults in `--help` without loading the
model stack). Every floor, margin and bound of the metric gate is declared here, once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingConfig:
    # The day split, oldest to newest: train | validation | calibration | test. Each held-out
    # window is a share of the distinct example days (at least one day each), so the model is
    # stopped, calibrated and judged on days it never trained on.
    test_fraction: float = 0.2
    calibration_fraction: float = 0.2
    validation_fraction: float = 0.2  # early stopping watches these days' log-loss
    seed: int = 7
    # The estimator at a ~0.2% base rate: a leaf of 200 rows holds ~0.4 expected positives, so
    # small leaves learn "never converts" and send positives to p ~ 0 (log-loss 10x the
    # constant's on the demo week). Leaves sized to hold a few positives each at the training
    # base rate, few of them, shrunk, and a slow rate keep it smooth.
    learning_rate: float = 0.05
    max_leaf_nodes: int = 7
    min_leaf_positives: float = 5.0  # min_samples_leaf = this / the training base rate
    l2_regularization: float = 10.0
    max_iter: int = 500  # an upper bound: boosting stops when the validation days' loss does
    n_iter_no_change: int = 20
    # Calibration: isotonic needs many positives per step of its staircase; below this many
    # positives on the calibration days Platt's two parameters are the safer fit.
    isotonic_min_positives: int = 1000
    calibration_bins: int = 10  # equal-count bins of the calibration table and ECE
    # The metric gate.
    min_auc: float = 0.60  # below this a model is no better than a coarse rule
    max_log_loss_ratio: float = 0.9  # log-loss at most this share of the base-rate model's
    max_ece: float = 0.02  # expected calibration error on the test days
    max_feature_auc: float = 0.95  # one feature alone ranking this well knows the label: leak
    max_auc_drop: float = 0.02  # tolerated AUC loss against the current model, same test days
    max_log_loss_rise: float = 0.05  # tolerated relative log-loss rise against it, same days
    # Driver importance: permutation on a sample of the test days, rows bootstrapped.
    max_importance_rows: int = 20_000
    importance_repeats: int = 5  # shuffles per feature group, averaged
    importance_bootstraps: int = 500  # resamples of the rows for the 95% intervals
