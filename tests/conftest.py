"""Shared fixtures: one local Spark session for the whole run, and a fresh lake per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LIVELAKE_PII_KEY", "test-pii-key-not-secret")


@pytest.fixture(scope="session")
def spark():
    from livelake.config import load_settings
    from livelake.spark import get_spark

    session = get_spark(load_settings(spark_master="local[2]", shuffle_partitions=2))
    yield session
    session.stop()


@pytest.fixture
def lake_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty lake; LIVELAKE_LAKE_ROOT points at it so JVM-free readers find it too."""
    from livelake.config import settings

    root = tmp_path / "lake"
    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", str(root))
    monkeypatch.setenv("LIVELAKE_LANDING_ROOT", str(tmp_path / "landing"))
    settings.cache_clear()
    yield root
    settings.cache_clear()


@pytest.fixture
def lake(spark, lake_root):
    from livelake.config import settings
    from livelake.lake import open_lake

    return open_lake(spark, settings())
