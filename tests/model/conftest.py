"""A lake holding a gated, published training set with planted drivers, and a models root."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from livelake.config import settings
from tests.model.training_lake import (
    gate_rows,
    planted_training_set,
    publish_rows,
    write_training_set,
)


@pytest.fixture
def gated_lake(lake_root: Path, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("LIVELAKE_MODELS_ROOT", str(tmp_path / "models"))
    settings.cache_clear()
    version = write_training_set(lake_root, planted_training_set())
    publish_rows(lake_root, version)
    gate_rows(lake_root, "run-1", date(2026, 1, 10), True, datetime(2026, 1, 11, tzinfo=UTC))
    return lake_root
