"""Fixtures for the gate tests: tiny `silver/views` frames built from its declaration."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jobs.quality.view_rows import DAY


@pytest.fixture
def views_frame(spark):
    """Build a DataFrame of `silver/views` rows (nullable schema so bad rows can be staged)."""
    from pyspark.sql.types import StructField, StructType

    from livelake.lake.tables.silver import VIEWS

    schema = StructType([StructField(f.name, f.dataType, True) for f in VIEWS.spark_schema()])

    def build(rows: list[dict[str, Any]]):
        return spark.createDataFrame([[r[c] for c in VIEWS.column_names] for r in rows], schema)

    return build


@pytest.fixture
def job_ctx(spark, lake_root):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    return JobContext.create(settings(), job="test.gates", spark=spark).job("silver", DAY)


@pytest.fixture
def three_days(spark, lake_root, views_frame, monkeypatch, tmp_path):
    """A lake with one gated silver run per day: passed, passed with warnings, refused."""
    from tests.jobs.quality.three_days import build_three_days

    return build_three_days(spark, lake_root, views_frame, monkeypatch, tmp_path)
