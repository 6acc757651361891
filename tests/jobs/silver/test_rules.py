"""The rules as SQL text: literals survive Spark's parser exactly; small inputs plan
statically on one shuffle partition while large ones keep adaptive query execution."""

from __future__ import annotations

import pytest

from livelake.config import load_settings
from livelake.jobs.silver import rules
from livelake.spark import ADAPTIVE, SHUFFLE_PARTITIONS, planned_for


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "file's period ends (",
        "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
        r"(\d{4}-\d{2}-\d{2})T(\d{2})\.jsonl",
        "back\\slash and 'quotes' and \"double\"",
        "直播 ✓",
    ],
)
def test_a_text_literal_reads_back_as_the_same_string(spark, value):
    assert spark.sql(f"SELECT {rules.text(value)} AS v").first()["v"] == value


def test_a_long_field_takes_whole_numbers_written_as_decimals_and_nothing_else(spark):
    sql = rules.typed("t", "long")
    frame = spark.createDataFrame([(" 37 ",), ("37.0",), ("37.5",), ("x",), (None,)], "t string")

    assert [r[0] for r in frame.selectExpr(sql).collect()] == [37, 37, None, None, None]


def test_a_small_input_plans_statically_on_one_shuffle_partition_and_settings_come_back(spark):
    cfg = load_settings(adaptive_min_rows=1_000)
    before = {key: spark.conf.get(key) for key in (ADAPTIVE, SHUFFLE_PARTITIONS)}

    with planned_for(spark, 999, cfg) as small:
        inside_small = (spark.conf.get(ADAPTIVE), spark.conf.get(SHUFFLE_PARTITIONS))
        partitions = spark.range(500).repartition("id").rdd.getNumPartitions()
    with planned_for(spark, 1_000, cfg) as large:
        inside_large = (spark.conf.get(ADAPTIVE), spark.conf.get(SHUFFLE_PARTITIONS))

    assert (small, inside_small, partitions) == (False, ("false", "1"), 1)
    assert (large, inside_large) == (True, (before[ADAPTIVE], before[SHUFFLE_PARTITIONS]))
    assert {key: spark.conf.get(key) for key in before} == before
