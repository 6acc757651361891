"""Weekly training: refuses ungated data, judges the model, writes an honest model card.

No Spark here: the training set and the audit rows are written with delta-rs directly, shaped
like the contracts (gold/training_examples from [features], audit tables from the registry).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from livelake.config import settings
from livelake.model.card import summary_lines
from livelake.model.data import TrainingRefusedError
from livelake.model.store import ModelStore
from livelake.model.train import (
    ModelRejectedError,
    TrainingConfig,
    constant_log_loss,
    train_and_publish,
)
from tests.browser import crawl, needs_chromium
from tests.model.training_lake import (
    ROWS_PER_DAY,
    gate_rows,
    planted_training_set,
    publish_rows,
    write_training_set,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "offline"


def test_the_model_card_shows_the_planted_drivers_in_their_planned_order(gated_lake, tmp_path):
    result = train_and_publish(TrainingConfig(seed=7))

    card = result.card
    assert result.published and card["status"] == "published"
    data = card["data"]
    assert (data["train_start"], data["train_end"]) == ("2026-01-01", "2026-01-04")
    assert (data["validation_start"], data["validation_end"]) == ("2026-01-05", "2026-01-06")
    assert (data["calibration_start"], data["calibration_end"]) == ("2026-01-07", "2026-01-08")
    assert (data["test_start"], data["test_end"]) == ("2026-01-09", "2026-01-10")
    assert data["test_rows"] == 2 * ROWS_PER_DAY
    assert card["table_versions"] == {"gold/training_examples": 0}
    assert card["metrics"]["auc"] > 0.8
    gate = card["metric_gate"]
    assert gate["passed"] and gate["reasons"] == []
    assert [(c["name"], c["status"]) for c in gate["checks"]] == [
        ("auc_floor", "pass"),
        ("log_loss_vs_base_rate", "pass"),
        ("ece_bound", "pass"),
        ("no_leaked_feature", "pass"),
        ("no_auc_regression", "skipped"),
        ("no_log_loss_regression", "skipped"),
    ]
    assert gate["checks"][1]["value"] == pytest.approx(
        card["metrics"]["log_loss"] / gate["constant_log_loss"]
    )
    assert sum(b["rows"] for b in card["metrics"]["calibration"]) == 2 * ROWS_PER_DAY
    assert len(card["features"]) == 6
    assert card["feature_importances"][0]["feature"] == "anchor__professionalism_score"
    drivers = card["drivers"]
    assert drivers["ranks_as_generated"] is True
    assert drivers["overlapping"] == []
    planned = drivers["drivers"]
    assert all(a["low"] > b["high"] for a, b in pairwise(planned))
    assert [d["features"] for d in planned] == [
        ["anchor__professionalism_score"],
        ["product__explain_seconds_7d"],
        ["user__interaction_count_7d"],
        ["product__price_anchor_discount_pct"],
    ]
    assert (
        drivers["observed_order"]
        == drivers["planned_order"]
        == [
            "anchor professionalism",
            "product explanation time",
            "interaction frequency",
            "price anchoring",
        ]
    )
    folder = tmp_path / "models/conversion_baseline" / card["model_id"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "metrics.json",
        "model.joblib",
        "model_card.html",
        "model_card.json",
        "model_card.md",
        "reliability.svg",
    ]
    markdown = (folder / "model_card.md").read_text()
    assert "**Rank as generated: yes** (in the planned order, every interval above" in markdown
    assert "`gold/training_examples` Delta version **0**" in markdown
    page = (folder / "model_card.html").read_text()
    assert "<strong>Rank as generated: yes</strong>" in page
    assert "<code>gold/training_examples</code> Delta version <strong>0</strong>" in page
    assert '<img src="reliability.svg"' in page
    assert "<table>" in page and "http" not in page
    current = json.loads((tmp_path / "models/conversion_baseline/current.json").read_text())
    assert current["model_id"] == card["model_id"]


@needs_chromium
def test_the_model_card_page_opens_offline_in_a_browser(gated_lake, tmp_path):
    card = train_and_publish().card
    page = Path(card["paths"]["html"])
    shot = ARTIFACTS / "model_card.png"
    shot.unlink(missing_ok=True)

    (check,) = crawl([page], {page: shot}, count=("table tr",))

    assert (check.failed, check.errors, check.broken_links()) == ([], [], [])
    assert check.counts["table tr"] > 10  # metrics, calibration and importance tables drawn
    assert shot.stat().st_size > 20_000


def test_training_is_refused_when_the_latest_training_gate_failed(gated_lake, tmp_path):
    gate_rows(gated_lake, "run-2", date(2026, 1, 11), False, datetime(2026, 1, 12, tzinfo=UTC))

    with pytest.raises(TrainingRefusedError, match=r"latest `training` gate .*run-2.* failed 1"):
        train_and_publish()
    assert not (tmp_path / "models").exists()


def test_training_is_refused_without_any_training_gate_result(lake_root, tmp_path, monkeypatch):
    monkeypatch.setenv("LIVELAKE_MODELS_ROOT", str(tmp_path / "models"))
    settings.cache_clear()
    publish_rows(lake_root, write_training_set(lake_root, planted_training_set()))

    with pytest.raises(TrainingRefusedError, match="no `training` gate result"):
        train_and_publish()


def test_a_model_below_the_floor_is_kept_with_its_reason_but_not_published(gated_lake, tmp_path):
    with pytest.raises(
        ModelRejectedError, match=r"auc_floor: test AUC 0\.\d+ \(must be ≥ 0\.999\)"
    ):
        train_and_publish(TrainingConfig(min_auc=0.999))

    folder = tmp_path / "models/conversion_baseline"
    (kept,) = [json.loads(p.read_text()) for p in folder.glob("*/model_card.json")]
    assert kept["status"] == "rejected"
    assert [c["name"] for c in kept["metric_gate"]["checks"] if c["status"] == "fail"] == [
        "auc_floor"
    ]
    assert (folder / kept["model_id"] / "model.joblib").exists()
    assert (
        "**Verdict: REJECTED** — auc_floor: test AUC"
        in (folder / kept["model_id"] / "model_card.md").read_text()
    )
    assert not (folder / "current.json").exists()
    # What the demo and the CLI show of it: the newest card, with the gate's reasons.
    newest = ModelStore(str(tmp_path / "models")).newest_card()
    assert newest["model_id"] == kept["model_id"]
    assert summary_lines(newest)[-1].startswith(
        "not published, the metric gate said: auc_floor: test AUC 0."
    )


def test_a_model_worse_than_the_current_one_on_the_same_test_days_is_not_published(
    gated_lake, tmp_path
):
    first = train_and_publish().card
    stump = TrainingConfig(max_iter=1, max_leaf_nodes=2)

    with pytest.raises(ModelRejectedError) as rejected:
        train_and_publish(stump)

    checks = {c["name"]: c for c in rejected.value.card["metric_gate"]["checks"]}
    assert checks["no_auc_regression"]["status"] == "fail"
    assert checks["no_auc_regression"]["value"] == pytest.approx(
        rejected.value.card["metrics"]["auc"] - first["metrics"]["auc"]
    )
    assert checks["no_log_loss_regression"]["status"] == "fail"
    assert f"vs current model {first['model_id']}" in checks["no_auc_regression"]["detail"]
    current = json.loads((tmp_path / "models/conversion_baseline/current.json").read_text())
    assert current["model_id"] == first["model_id"]


def test_the_constant_base_rate_model_is_the_bar_for_probabilities():
    # 1 positive in 4, predicted 0.25 each: -(ln 0.25 + 3 ln 0.75) / 4
    assert constant_log_loss(np.array([1, 0, 0, 0]), 0.25) == pytest.approx(0.5623351446)


def test_money_features_reach_the_model_as_numbers(lake_root):
    """Exact decimals in the lake become float64 for the model, not object columns."""
    from livelake.model.data import read_training_examples

    examples = pa.table(
        {
            "user__gift_value_cny_30d": pa.array(
                [Decimal("0.10"), Decimal("0.20"), None], pa.decimal128(18, 2)
            ),
            "label": [0, 1, 0],
        }
    )
    write_deltalake(str(lake_root / "gold/training_examples"), examples)
    frame = read_training_examples(str(lake_root), 0)
    assert str(frame["user__gift_value_cny_30d"].dtype) == "float64"
    assert frame["user__gift_value_cny_30d"].tolist()[:2] == [0.1, 0.2]
