"""The real bronze job lands every line the generator delivered, file for file."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from livelake.generator import GeneratorConfig, generate
from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.lake.read import read_table

pytestmark = pytest.mark.slow  # Spark: seconds when the machine is idle, minutes when not

SMALL = {"start": date(2026, 1, 1), "days": 2, "users": 300, "events_per_day": 2_000}


def test_bronze_rows_per_table_equal_the_manifest_rows(spark, lake_root: Path, tmp_path: Path):
    from livelake.config import settings

    generate(GeneratorConfig(seed=2, **SMALL), tmp_path / "landing")
    day = date(2026, 1, 2)
    ctx = JobContext.create(settings(), spark=spark, job="test")
    assert ingest.run(ctx, day).status == "ok"
    manifest = json.loads((tmp_path / "landing/platform/dt=2026-01-02/_manifest.json").read_text())
    expected: Counter[str] = Counter()
    for name, entry in manifest["files"].items():
        table = name.split("/")[1] if name.startswith("events/") else Path(name).stem
        expected[table] += entry["rows"]
    for table, rows in expected.items():
        landed = read_table(f"bronze/{table}")
        assert landed.height == rows, table
