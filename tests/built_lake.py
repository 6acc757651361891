"""The built lake: the tiny gold world (tests/jobs/gold/world.py) pushed through aggregates,
features and training once per test session (`built`), and private copies of it for tests that
change it.

A plugin of the root conftest, so that every module using it (BUILT_LAKE_MODULES there) shares
one definition, hence one build per worker: a fixture re-exported into another module is a
definition of its own, and was built a second time."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Built:
    root: Path
    seconds: dict[str, float]


def _context(spark):
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.lake import RunContext, open_lake

    settings.cache_clear()
    cfg = settings()
    return JobContext(spark, open_lake(spark, cfg), cfg, RunContext(job="test"))


def _point_at(root: Path) -> None:
    os.environ["LIVELAKE_LAKE_ROOT"] = str(root)


@pytest.fixture(scope="session")
def built(spark, tmp_path_factory) -> Built:
    """World D1..D3 through aggregates and features; training examples of D2 and D3."""
    import time

    from livelake.jobs.gold import aggregates, features, training
    from tests.jobs.gold.world import D1, D2, D3, write_world

    before = os.environ.get("LIVELAKE_LAKE_ROOT")
    root = tmp_path_factory.mktemp("built") / "lake"
    _point_at(root)
    ctx = _context(spark)
    write_world(spark, ctx.lake)
    seconds: dict[str, float] = {"aggregates": 0.0, "features": 0.0, "training": 0.0}
    for day in (D1, D2, D3):
        for name, stage in (("aggregates", aggregates), ("features", features)):
            started = time.monotonic()
            report = stage.run(ctx, day)
            seconds[name] += time.monotonic() - started
            assert report.status == "ok", report.message
    for day in (D2, D3):
        started = time.monotonic()
        assert training.run(ctx, day).status == "ok"
        seconds["training"] += time.monotonic() - started
    if before is None:
        os.environ.pop("LIVELAKE_LAKE_ROOT", None)
    else:
        os.environ["LIVELAKE_LAKE_ROOT"] = before
    return Built(root, seconds)


@pytest.fixture
def built_ctx(spark, built, monkeypatch):
    """A job context reading the built lake (do not write to it)."""
    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", str(built.root))
    yield _context(spark)
    from livelake.config import settings

    settings.cache_clear()


@pytest.fixture
def copy_ctx(spark, built, tmp_path, monkeypatch):
    """A job context on a private copy of the built lake (free to change)."""
    root = tmp_path / "lake"
    shutil.copytree(built.root, root)
    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", str(root))
    yield _context(spark)
    from livelake.config import settings

    settings.cache_clear()
