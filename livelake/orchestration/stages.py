"""The daily stages present in this installation, found without importing them.

DAG files must parse fast, so they may not import the stage modules (Spark, GE); a stage
whose module exists gets a task, in `DAILY_STAGES` order. Silver is split into twelve table
jobs and a gate; `silver_jobs` reads their dependencies from the table declarations, which
import neither Spark nor Great Expectations.
"""

from __future__ import annotations

import importlib.util

from livelake.jobs.runner import DAILY_STAGES, Stage


def present_stages() -> list[Stage]:
    present = []
    for stage in DAILY_STAGES:
        try:
            found = importlib.util.find_spec(stage.module) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            present.append(stage)
    return present


def silver_jobs() -> dict[str, tuple[str, ...]]:
    """Each silver table job and the dimension jobs it must follow, in dependency order."""
    from livelake.jobs.silver.stage import DEPENDENCIES

    return dict(DEPENDENCIES)


def daily_steps() -> list[str]:
    """Every task of `livelake_daily` as `execute_stage` names it, in an order that respects
    the DAG's dependencies (what a sequential runner, e.g. the cluster test, goes through)."""
    from livelake.jobs.silver.stage import GATE

    steps: list[str] = []
    for stage in present_stages():
        if stage.name == "silver":
            steps += [f"silver.{name}" for name in silver_jobs()] + [f"silver.{GATE}"]
        else:
            steps.append(stage.name)
    return steps
