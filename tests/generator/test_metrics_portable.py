"""One calibration query text, two engines: Spark SQL gives what DuckDB gives on the same data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from livelake.generator import GeneratorConfig, generate
from livelake.generator.calibration import (
    CALIBRATION_QUERIES,
    RELATIONS,
    evaluate_duckdb,
    evaluate_spark,
    register_landing,
)

pytestmark = pytest.mark.slow  # Spark: seconds when the machine is idle, minutes when not

SMALL = {"start": date(2026, 1, 1), "days": 4, "users": 600, "events_per_day": 3_000}


def _register_spark(spark, con) -> None:
    """The very rows DuckDB sees, handed to Spark as small temp views."""
    for name in RELATIONS:
        frame = con.execute(f"SELECT * FROM {name}").df()
        spark.createDataFrame(frame).coalesce(1).createOrReplaceTempView(name)


def test_every_query_gives_the_same_value_in_spark_and_duckdb(spark, tmp_path: Path) -> None:
    generate(GeneratorConfig.without_defects(seed=3, **SMALL), tmp_path)
    con = duckdb.connect()
    register_landing(con, tmp_path)
    _register_spark(spark, con)
    in_duckdb = evaluate_duckdb(con)
    in_spark = evaluate_spark(spark)
    assert set(in_spark) == set(CALIBRATION_QUERIES)
    for name, value in in_duckdb.items():
        if isinstance(value, dict):
            assert in_spark[name] == pytest.approx(value, rel=1e-9), name
        else:
            assert value is not None and in_spark[name] == pytest.approx(value, rel=1e-9), name
