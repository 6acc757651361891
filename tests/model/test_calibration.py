"""Calibrated probabilities: the day split, the calibrator's choice, the calibration table and
its reliability plot, and a rare-event model whose probabilities beat the constant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from livelake.config import settings
from livelake.model.config import TrainingConfig
from livelake.model.data import TrainingRefusedError
from livelake.model.evaluate import calibration_table, expected_calibration_error
from livelake.model.fit import calibration_method
from livelake.model.reliability import reliability_svg
from livelake.model.split import split_days
from livelake.model.train import train_and_publish
from tests.model.training_lake import (
    gate_rows,
    planted_training_set,
    publish_rows,
    write_training_set,
)

DAYS = [date(2026, 1, 1) + timedelta(days=i) for i in range(6)]


def test_six_days_split_into_three_train_days_then_one_day_each_held_out():
    split = split_days(list(reversed(DAYS)) + DAYS[:2], TrainingConfig())

    assert split.train == DAYS[:3]
    assert (split.validation, split.calibration, split.test) == ([DAYS[3]], [DAYS[4]], [DAYS[5]])


def test_too_few_days_for_a_held_out_window_each_are_refused():
    with pytest.raises(TrainingRefusedError, match=r"holds 3 example day\(s\).*needs 4\+"):
        split_days(DAYS[:3], TrainingConfig())


def test_platt_below_the_isotonic_positive_count_isotonic_from_it():
    config = TrainingConfig(isotonic_min_positives=1000)

    assert calibration_method(40, config) == "sigmoid"
    assert calibration_method(999, config) == "sigmoid"
    assert calibration_method(1000, config) == "isotonic"


def test_calibration_table_bins_by_equal_count_and_ece_weights_the_gaps_by_rows():
    y = np.array([0, 0, 1, 0, 1, 1])
    p = np.array([0.1, 0.3, 0.2, 0.6, 0.7, 0.8])

    table = calibration_table(y, p, bins=2)

    assert [(b["rows"], b["positives"]) for b in table] == [(3, 1), (3, 2)]
    assert table[0]["mean_predicted"] == pytest.approx(0.2)
    assert table[1]["mean_predicted"] == pytest.approx(0.7)
    # |0.2 - 1/3| and |0.7 - 2/3|, three rows each
    assert expected_calibration_error(table) == pytest.approx((0.4 / 3 + 0.1 / 3) / 2)


def test_the_reliability_plot_draws_one_point_per_bin_scaled_to_the_largest_rate():
    table = calibration_table(np.array([0, 0, 0, 1]), np.array([0.001, 0.002, 0.003, 0.004]), 2)

    svg = reliability_svg(table)

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert svg.count("<circle") == 2
    assert "bin 2: 2 rows, predicted 0.350%, observed 50.000%" in svg
    assert ">55.00%</text>" in svg  # the axes end 10% above the largest rate, not at 100%


@pytest.fixture
def rare_lake(lake_root: Path, tmp_path: Path, monkeypatch) -> Path:
    """Ten days of 6,000 examples at a ~0.6% base rate: a few hundred positives in all."""
    monkeypatch.setenv("LIVELAKE_MODELS_ROOT", str(tmp_path / "models"))
    settings.cache_clear()
    frame = planted_training_set(seed=5, rows_per_day=6_000, intercept=-9.0)
    publish_rows(lake_root, write_training_set(lake_root, frame))
    gate_rows(lake_root, "run-1", date(2026, 1, 10), True, datetime(2026, 1, 11, tzinfo=UTC))
    return lake_root


def test_a_rare_event_model_is_calibrated_on_held_out_days_and_beats_the_constant(rare_lake):
    card = train_and_publish(TrainingConfig(seed=7)).card

    data, fit, m = card["data"], card["fit"], card["metrics"]
    assert fit["calibration_method"] == "sigmoid"
    assert fit["calibration_positives"] == data["calibration_positives"] < 1000
    assert 0 < fit["boosting_iterations"] < TrainingConfig().max_iter
    assert 0.002 < m["base_rate"] < 0.01
    assert m["log_loss"] < 0.9 * card["metric_gate"]["constant_log_loss"]
    assert m["ece"] < 0.01
    assert m["mean_predicted"] == pytest.approx(m["base_rate"], rel=0.35)
    assert Path(card["paths"]["reliability_plot"]).read_text().count("<circle") == 10
