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
    max_importance_rows: int = 20_000  # permutation importance on a sample of the test days
