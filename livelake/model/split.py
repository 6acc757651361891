"""Split the training set by day, never by row: examples of one day share users, sessions and
the day's mood, so a row split would let the model see the test day while training."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from livelake.model.config import TrainingConfig
from livelake.model.data import TRAINING_TABLE, TrainingRefusedError


@dataclass(frozen=True)
class DaySplit:
    """Consecutive windows of distinct example days, oldest first."""

    train: list[date]
    validation: list[date]  # early stopping
    calibration: list[date]  # the probability calibrator
    test: list[date]  # the metrics and the gate

    def windows(self) -> dict[str, list[date]]:
        return {
            "train": self.train,
            "validation": self.validation,
            "calibration": self.calibration,
            "test": self.test,
        }


def split_days(days: list[date], config: TrainingConfig) -> DaySplit:
    """The newest days are the test window, before them calibration, before that validation."""
    days = sorted(set(days))
    sizes = [
        max(1, math.floor(len(days) * fraction))
        for fraction in (
            config.validation_fraction,
            config.calibration_fraction,
            config.test_fraction,
        )
    ]
    if len(days) < sum(sizes) + 1:
        raise TrainingRefusedError(
            f"{TRAINING_TABLE} holds {len(days)} example day(s) with features; the split "
            f"needs {sum(sizes) + 1}+ (train, validation, calibration and test days)"
        )
    n_val, n_cal, n_test = sizes
    test_start = len(days) - n_test
    cal_start = test_start - n_cal
    val_start = cal_start - n_val
    return DaySplit(
        train=days[:val_start],
        validation=days[val_start:cal_start],
        calibration=days[cal_start:test_start],
        test=days[test_start:],
    )
