"""The metric gate says no for the right reasons: deliberately broken models are rejected by the
check that names their fault, and its measures agree with independent implementations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from livelake.model.config import TrainingConfig
from livelake.model.evaluate import feature_aucs, metrics
from livelake.model.gate import CurrentModel, checks, verdict
from livelake.model.train import ModelRejectedError, train_and_publish
from tests.model.training_lake import planted_training_set, publish_rows, write_training_set


def _failed(card: dict) -> list[str]:
    return [c["name"] for c in card["metric_gate"]["checks"] if c["status"] == "fail"]


def _retrain_on(lake_root: Path, frame) -> dict:
    publish_rows(lake_root, write_training_set(lake_root, frame), run_id="run-2")
    with pytest.raises(ModelRejectedError) as rejected:
        train_and_publish()
    return rejected.value.card


def test_a_model_trained_on_shuffled_labels_is_rejected_for_ranking_and_probabilities(
    gated_lake, tmp_path
):
    frame = planted_training_set()
    frame["label"] = np.random.default_rng(1).permutation(frame["label"].to_numpy())

    card = _retrain_on(gated_lake, frame)

    assert _failed(card) == ["auc_floor", "log_loss_vs_base_rate"]
    assert card["metric_gate"]["reasons"][0].startswith("auc_floor: test AUC 0.5")
    assert card["status"] == "rejected"
    folder = tmp_path / "models/conversion_baseline" / card["model_id"]
    assert json.loads((folder / "model_card.json").read_text())["status"] == "rejected"
    assert not (tmp_path / "models/conversion_baseline/current.json").exists()


def test_a_model_with_a_leaked_feature_is_rejected_naming_the_feature(gated_lake):
    frame = planted_training_set()
    noise = np.random.default_rng(2).normal(scale=0.1, size=len(frame))
    frame["user__paid_orders_today"] = frame["label"] + noise  # the day's own outcome

    card = _retrain_on(gated_lake, frame)

    assert _failed(card) == ["no_leaked_feature"]
    (reason,) = card["metric_gate"]["reasons"]
    assert reason.startswith("no_leaked_feature: `user__paid_orders_today` alone ranks")
    assert "it knows the label (a leak) (must be ≤ 0.95)" in reason


def test_regression_checks_are_skipped_with_the_reason_when_the_current_model_cannot_be_scored():
    scores = {"auc": 0.8, "log_loss": 0.01, "ece": 0.001}
    unscorable = CurrentModel("m-1", reason="current model m-1 uses features this set lacks: x")

    found = checks(scores, 0.02, {"a__x": 0.6}, unscorable, TrainingConfig())

    assert [(c.name, c.status) for c in found][-2:] == [
        ("no_auc_regression", "skipped"),
        ("no_log_loss_regression", "skipped"),
    ]
    assert found[-1].detail == "current model m-1 uses features this set lacks: x"
    assert verdict(found) == {
        "passed": True,
        "checks": verdict(found)["checks"],
        "reasons": [],
    }


def test_each_check_fails_just_past_its_bound():
    config = TrainingConfig()
    scores = {"auc": 0.75, "log_loss": 0.0091, "ece": 0.0201}
    current = CurrentModel("m-1", auc=0.7701, log_loss=0.0086)

    found = checks(scores, 0.01, {"a__x": 0.951, "a__y": 0.6}, current, config)

    assert [(c.name, c.status) for c in found] == [
        ("auc_floor", "pass"),
        ("log_loss_vs_base_rate", "fail"),
        ("ece_bound", "fail"),
        ("no_leaked_feature", "fail"),
        ("no_auc_regression", "fail"),
        ("no_log_loss_regression", "fail"),
    ]
    assert found[1].value == pytest.approx(0.91)
    assert found[4].value == pytest.approx(-0.0201)
    assert found[5].value == pytest.approx(0.0091 / 0.0086 - 1)


def test_log_loss_and_brier_agree_with_their_textbook_formulas():
    rng = np.random.default_rng(3)
    p = rng.beta(0.5, 150, size=50_000)
    y = (rng.random(50_000) < p).astype("int64")

    m = metrics(y, p, bins=10)

    assert m["log_loss"] == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert m["brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert m["brier"] == pytest.approx(brier_score_loss(y, p))


def test_ece_is_near_zero_for_calibrated_and_half_the_mean_for_halved_probabilities():
    """Simulated with known calibration: y ~ Bernoulli(p) is calibrated; y ~ Bernoulli(p / 2)
    is off by p / 2 everywhere, so its ECE is the mean of p / 2."""
    rng = np.random.default_rng(4)
    n = 400_000
    p = rng.beta(0.5, 150, size=n)  # mean ~0.33%, like the platform's conversion
    calibrated = (rng.random(n) < p).astype("int64")
    halved = (rng.random(n) < p / 2).astype("int64")

    ece_calibrated = metrics(calibrated, p, bins=10)["ece"]
    ece_halved = metrics(halved, p, bins=10)["ece"]

    assert ece_calibrated < 0.0004  # sampling noise: ~sqrt(0.0033 / 40,000) per bin
    assert ece_halved == pytest.approx(p.mean() / 2, abs=0.0004)
    # sklearn's quantile reliability curve: the same equal-count bins, equal weights
    observed, predicted = calibration_curve(halved, p, n_bins=10, strategy="quantile")
    assert ece_halved == pytest.approx(np.mean(np.abs(observed - predicted)), abs=1e-5)


def test_a_feature_equal_to_the_label_ranks_perfectly_and_missing_values_rank_lowest():
    import pandas as pd

    y = np.array([0, 0, 1, 1, 0])
    x = pd.DataFrame(
        {
            "a__leak": [0.0, 0.0, 1.0, 1.0, None],
            "a__inverse": [5.0, 4.0, 1.0, 2.0, 3.0],
            "a__text": pd.Series(["x", "y", "x", "y", None], dtype="category"),
        }
    )

    assert feature_aucs(x, y) == {"a__leak": 1.0, "a__inverse": 1.0}
