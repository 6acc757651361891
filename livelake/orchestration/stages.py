"""The tasks of the daily DAG, named without importing the stage modules.

DAG files must parse fast, so they may not import the stage modules (Spark, GE): every stage
of `DAILY_STAGES` gets a task, in order. Silver is split into fourteen table jobs and a gate;
`silver_jobs` reads their dependencies from the table declarations, which import neither
Spark nor Great Expectations.
"""

from __future__ import annotations

from livelake.jobs.runner import DAILY_STAGES


def silver_jobs() -> dict[str, tuple[str, ...]]:
    """Each silver table job and the dimension jobs it must follow, in dependency order."""
    from livelake.jobs.silver.stage import DEPENDENCIES

    return dict(DEPENDENCIES)


def daily_steps() -> list[str]:
    """Every task of `livelake_daily` as `execute_stage` names it, in an order that respects
    the DAG's dependencies (what a sequential runner, e.g. the cluster test, goes through)."""
    from livelake.jobs.silver.stage import GATE

    steps: list[str] = []
    for stage in DAILY_STAGES:
        if stage.name == "silver":
            steps += [f"silver.{name}" for name in silver_jobs()] + [f"silver.{GATE}"]
        else:
            steps.append(stage.name)
    return steps
