"""The runner lists every stage and loads each one; gold stages say so plainly when there is
nothing to read."""

from __future__ import annotations

import polars as pl

from livelake.jobs.gold import inputs
from livelake.jobs.runner import DAILY_STAGES
from livelake.lake.read import read_table
from livelake.lake.tables.silver import SILVER
from livelake.orchestration.tasks import execute_day
from tests.jobs.gold.world import D1, D2, write_world


def test_every_listed_stage_loads_its_run_and_a_split_stage_its_parts():
    """A renamed stage module fails here (an import error), not as a silently shorter day."""
    assert [s.name for s in DAILY_STAGES] == [
        "bronze",
        "silver",
        "aggregates",
        "features",
        "training",
        "score",
        "kpi",
        "experiments",
    ]
    for stage in DAILY_STAGES:
        assert callable(stage.load())
    assert callable(DAILY_STAGES[1].load("users"))


def test_on_an_empty_lake_each_gold_stage_has_nothing_to_do(ctx):
    reports = execute_day(ctx, D1, stages=["aggregates", "features", "training", "score"])
    assert [(r.stage, r.status) for r in reports] == [
        ("aggregates", "nothing_to_do"),
        ("features", "nothing_to_do"),
        ("training", "nothing_to_do"),
        ("score", "nothing_to_do"),
    ]
    assert reports[0].message == "no silver event table exists yet"


def test_the_size_of_a_day_is_the_silver_rows_in_its_partitions(spark, ctx):
    """What decides how a gold stage is planned, read from the Delta logs alone."""
    write_world(spark, ctx.lake)
    expected = {day: 0 for day in (D1, D2)}
    for table in SILVER.values():
        if table.partition_by and ctx.lake.exists(table):  # the world runs no experiment
            # written straight into silver by the world, so never published: read the commits
            rows = read_table(
                table.qualified_name, lake_root=ctx.settings.lake_root, consistent=False
            )
            for day in expected:
                expected[day] += rows.filter(pl.col(table.partition_by[0]) == day).height

    assert {day: inputs.day_rows(ctx, day) for day in expected} == expected
    assert expected[D1] > 0
