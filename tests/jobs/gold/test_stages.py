"""The runner lists every stage and loads each one; gold stages say so plainly when there is
nothing to read."""

from __future__ import annotations

from livelake.jobs.runner import DAILY_STAGES
from livelake.orchestration.tasks import execute_day
from tests.jobs.gold.world import D1


def test_every_listed_stage_loads_its_run_and_a_split_stage_its_parts():
    """A renamed stage module fails here (an import error), not as a silently shorter day."""
    assert [s.name for s in DAILY_STAGES] == [
        "bronze",
        "silver",
        "aggregates",
        "features",
        "training",
        "kpi",
    ]
    for stage in DAILY_STAGES:
        assert callable(stage.load())
    assert callable(DAILY_STAGES[1].load("users"))


def test_on_an_empty_lake_each_gold_stage_has_nothing_to_do(ctx):
    reports = execute_day(ctx, D1, stages=["aggregates", "features", "training"])
    assert [(r.stage, r.status) for r in reports] == [
        ("aggregates", "nothing_to_do"),
        ("features", "nothing_to_do"),
        ("training", "nothing_to_do"),
    ]
    assert reports[0].message == "no silver event table exists yet"
