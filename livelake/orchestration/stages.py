"""The daily stages present in this installation, found without importing them.

DAG files must parse fast, so they may not import the stage modules (Spark, GE); a stage
whose module exists gets a task, in `DAILY_STAGES` order.
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
