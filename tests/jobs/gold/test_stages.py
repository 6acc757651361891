"""The runner knows the gold stages, and they say so plainly when there is nothing to read."""

from __future__ import annotations

from livelake.jobs.runner import available_stages, run_day
from tests.jobs.gold.world import D1


def test_the_runner_finds_the_three_gold_stages():
    names = [s.name for s in available_stages()]
    assert [n for n in names if n in ("aggregates", "features", "training")] == [
        "aggregates",
        "features",
        "training",
    ]


def test_on_an_empty_lake_each_gold_stage_has_nothing_to_do(ctx):
    reports = run_day(ctx, D1, stages=["aggregates", "features", "training"])
    assert [(r.stage, r.status) for r in reports] == [
        ("aggregates", "nothing_to_do"),
        ("features", "nothing_to_do"),
        ("training", "nothing_to_do"),
    ]
    assert reports[0].message == "no silver event table exists yet"
