"""`dag.test()` of livelake_weekly_train (real Airflow, no Spark): it trains and publishes on
gated data, returns the model card in its XCom, and refuses without retry after a failed gate."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from tests.model.training_lake import (
    gate_rows,
    planted_training_set,
    publish_rows,
    write_training_set,
)

DAY = date(2026, 1, 12)


def _lake_with_training_gate(lake_root: Path, tmp_path: Path, monkeypatch, passed: bool) -> Path:
    from livelake.config import settings

    models = tmp_path / "models"
    monkeypatch.setenv("LIVELAKE_MODELS_ROOT", str(models))
    settings.cache_clear()
    publish_rows(lake_root, write_training_set(lake_root, planted_training_set()))
    gate_rows(lake_root, "run-1", date(2026, 1, 10), passed, datetime(2026, 1, 11, tzinfo=UTC))
    return models


def test_weekly_training_publishes_a_model_on_gated_data(
    dagbag, airflow_db, lake_root, tmp_path, monkeypatch
):
    from livelake.orchestration.local_airflow import run_weekly_training

    models = _lake_with_training_gate(lake_root, tmp_path, monkeypatch, passed=True)

    state, summary = run_weekly_training(DAY)

    assert state == "success"
    assert summary["status"] == "published" and summary["auc"] > 0.8
    card = json.loads(Path(summary["card_json"]).read_text())
    assert card["model_id"] == summary["model_id"]
    assert (
        json.loads((models / "conversion_baseline" / "current.json").read_text())["model_id"]
        == summary["model_id"]
    )


def test_weekly_training_refuses_after_a_failed_training_gate(
    dagbag, airflow_db, lake_root, tmp_path, monkeypatch
):
    from livelake.orchestration.local_airflow import run_weekly_training

    models = _lake_with_training_gate(lake_root, tmp_path, monkeypatch, passed=False)

    state, summary = run_weekly_training(DAY)

    assert (state, summary) == ("failed", None)
    assert not (models / "conversion_baseline" / "current.json").exists()
