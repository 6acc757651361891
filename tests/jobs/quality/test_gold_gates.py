"""Gold-style gates from declarations: a label rate of 0 and a feature out of its range.

The tables are declared here (not registered), with their suite in a temporary
`expectations_dir`, exactly as a gold stage declares its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from livelake.jobs.publish import GateFailedError, publish
from livelake.lake.registry import Table, col, key

DAY = date(2026, 1, 2)

TRAINING = Table(
    layer="gold",
    name="gate_test_training",
    grain="one row per example",
    columns=(key("example_id"), col("label", "int"), key("day", "date")),
    partition_by=("day",),
    keys=("example_id",),
)
FEATURES_TABLE = Table(
    layer="gold",
    name="gate_test_user_features",
    grain="one row per user",
    columns=(key("user_id"), col("conversion_rate_30d", "double"), key("day", "date")),
    partition_by=("day",),
    keys=("user_id",),
)
LABEL_RATE_SUITE = """{
  "name": "gold.gate_test_training",
  "expectations": [
    {"type": "expect_column_mean_to_be_between",
     "kwargs": {"column": "label", "min_value": 0.005, "max_value": 0.5},
     "meta": {"severity": "error", "rule": "label rate within bounds"}}
  ]
}"""


@dataclass(frozen=True)
class Feature:
    name: str
    table: str
    dtype: str = "double"
    min_value: float | None = None
    max_value: float | None = None
    max_null_fraction: float = 0.0
    description: str = ""


@pytest.fixture
def ctx(spark, lake_root, tmp_path, monkeypatch):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    (tmp_path / "suites" / "gold").mkdir(parents=True)
    (tmp_path / "suites" / "gold" / "gate_test_training.json").write_text(LABEL_RATE_SUITE)
    monkeypatch.setenv("LIVELAKE_EXPECTATIONS_DIR", str(tmp_path / "suites"))
    settings.cache_clear()
    return JobContext.create(settings(), job="test", spark=spark).job("training", DAY)


def test_a_label_rate_of_zero_fails_the_training_gate(ctx):
    df = ctx.spark.createDataFrame(
        [("x1", 0, DAY), ("x2", 0, DAY), ("x3", 0, DAY)], "example_id string, label int, day date"
    )
    staged = ctx.lake.stage(TRAINING, df, "replace_partitions", [DAY])
    before = ctx.lake.version(TRAINING)
    with pytest.raises(GateFailedError, match="gold/gate_test_training") as refused:
        publish(ctx, "training", DAY, [staged])
    assert ctx.lake.version(TRAINING) == before
    [failure] = refused.value.verdict.failures
    assert failure.startswith(
        "gold/gate_test_training: expect_column_mean_to_be_between(label) [error]"
    )
    assert "observed 0.0" in failure


def test_a_feature_outside_its_declared_range_fails_the_feature_gate(ctx, monkeypatch):
    from livelake.jobs.quality import features as feature_rules

    declared = [Feature("conversion_rate_30d", FEATURES_TABLE.qualified_name, max_value=1.0)]
    monkeypatch.setattr(feature_rules, "FEATURES", declared)
    df = ctx.spark.createDataFrame(
        [("u1", 0.1, DAY), ("u2", 1.7, DAY), ("u3", None, DAY)],
        "user_id string, conversion_rate_30d double, day date",
    )
    staged = ctx.lake.stage(FEATURES_TABLE, df, "replace_partitions", [DAY])
    before = ctx.lake.version(FEATURES_TABLE)
    with pytest.raises(GateFailedError) as refused:
        publish(ctx, "features", DAY, [staged])
    assert ctx.lake.version(FEATURES_TABLE) == before
    failures = "\n".join(refused.value.verdict.failures)
    assert "expect_column_values_to_be_between(conversion_rate_30d) [error]" in failures
    assert "1.7" in failures
    assert "expect_column_values_to_not_be_null(conversion_rate_30d) [error]" in failures
