"""The rules as SQL text: literals survive Spark's parser exactly; small inputs plan
statically on one shuffle partition while large ones keep adaptive query execution."""

from __future__ import annotations

import pytest

from livelake.config import load_settings
from livelake.jobs.silver import rules
from livelake.spark import (
    ADAPTIVE,
    CODEGEN_FACTORY,
    SHUFFLE_PARTITIONS,
    WHOLE_STAGE_CODEGEN,
    planned_for,
)


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


def test_a_small_input_plans_statically_interpreted_on_one_partition_and_settings_come_back(
    spark,
):
    cfg = load_settings(adaptive_min_rows=1_000)
    keys = (ADAPTIVE, SHUFFLE_PARTITIONS, WHOLE_STAGE_CODEGEN, CODEGEN_FACTORY)
    before = {key: spark.conf.get(key) for key in keys}

    with planned_for(spark, 999, cfg) as large:
        inside_small = tuple(spark.conf.get(key) for key in keys)
        partitions = spark.range(500).repartition("id").rdd.getNumPartitions()
        # Interpreted expressions give what compiled ones give.
        summed = spark.range(500).selectExpr("sum(id * 2 + 1) AS s").first()["s"]
    with planned_for(spark, 1_000, cfg) as large_too:
        inside_large = tuple(spark.conf.get(key) for key in keys)

    assert (large, inside_small, partitions) == (
        False,
        ("false", "1", "false", "NO_CODEGEN"),
        1,
    )
    assert summed == 250_000
    assert (large_too, inside_large) == (True, tuple(before.values()))
    assert {key: spark.conf.get(key) for key in before} == before
