"""Assemble the suite a table is gated with for one run.

Four sources, in this order: the registry (keys, nullability, partition window), the declared
suite file (`expectations/<layer>/<table>.json`), the feature declarations of the table, and
history rules resolved against what the lake published before (row count vs previous day,
drift of tracked metrics against the trailing days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from livelake.config import Settings
from livelake.jobs.lake.registry import Table
from livelake.jobs.quality.declared import history_expectations, load_declared
from livelake.jobs.quality.derived import derived_expectations
from livelake.jobs.quality.drift import DriftPolicy, drift_expectations
from livelake.jobs.quality.features import declared_features, expectations_for_features


@dataclass(frozen=True)
class TableSuite:
    """The expectations of one table for one run, named `<layer>.<table>` like its file."""

    table: Table
    name: str
    expectations: list[dict[str, Any]]
    declared_file: str | None


def suite_name(table: Table) -> str:
    return f"{table.layer}.{table.name}"


def build_suite(cfg: Settings, table: Table, day: date) -> TableSuite:
    declared = load_declared(cfg, table)
    configs = derived_expectations(table, day, cfg.watermark_days)
    if declared is not None:
        configs += declared.expectations
        configs += history_expectations(cfg, table, day, declared.rules)
    configs += expectations_for_features(declared_features(), table.qualified_name)
    policy = DriftPolicy.declared(declared.rules if declared is not None else None)
    configs += drift_expectations(cfg.lake_root, table, day, policy)
    return TableSuite(
        table, suite_name(table), configs, str(declared.path) if declared is not None else None
    )
