"""Assemble the suite a table is gated with for one run.

Four sources, in this order: the registry (keys, nullability, allowed values and bounds,
partition window, foreign keys), the declared suite file (`expectations/<layer>/<table>.json`)
with its hand-written rules and run-time rules (freshness of the run's day, more foreign
keys), the feature and measure declarations of the table,
and history rules resolved against what the lake published before (row count vs previous
day, drift of tracked metrics against the trailing days).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from livelake.config import Settings
from livelake.jobs.quality.declared import (
    freshness_expectations,
    history_expectations,
    load_declared,
)
from livelake.jobs.quality.derived import derived_expectations
from livelake.jobs.quality.drift import DriftPolicy, drift_expectations
from livelake.jobs.quality.expectation import RUN_DAY_SCOPE, columns_named
from livelake.jobs.quality.features import (
    declared_features,
    declared_measures,
    expectations_for_features,
    expectations_for_measures,
)
from livelake.jobs.quality.references import Reference, declared_references
from livelake.lake.registry import Table


@dataclass(frozen=True)
class TableSuite:
    """The expectations of one table for one run, named `<layer>.<table>` like its file."""

    table: Table
    name: str
    expectations: list[dict[str, Any]]
    declared_file: str | None
    # Foreign keys the gate resolves by a join; their expectations are in `expectations`.
    references: list[Reference] = field(default_factory=list)
    # `run_day`: a part of the suite judged on the rows of the run's own day (`by_scope`).
    scope: str = "all"

    def by_scope(self) -> list[TableSuite]:
        """The suite as GE validates it: the rules of all staged rows under this suite's
        name, and the `run_day` rules (drift, the day's row count) as `<name>.run_day`,
        judged on the rows of the run's own day partition only (when it has such rules)."""
        day = [e for e in self.expectations if _scope(e) == RUN_DAY_SCOPE]
        rest = [e for e in self.expectations if _scope(e) != RUN_DAY_SCOPE]
        parts = [replace(self, expectations=rest)]
        if day:
            name = f"{self.name}.{RUN_DAY_SCOPE}"
            parts.append(replace(self, name=name, expectations=day, scope=RUN_DAY_SCOPE))
        return parts

    def in_pieces(self, width: int) -> list[TableSuite]:
        """The suite split so that no piece names more than `width` columns (one expectation
        is never split, and may name more): a large day's gate holds one piece's columns in
        memory at a time. A suite that fits stays whole under its name; pieces are named
        `<name>.part<i>`, the expectations of the same columns in the same piece."""
        named = [sorted(columns_named(e)) for e in self.expectations]
        if len(set().union(*named)) <= width:
            return [self]
        pieces: list[tuple[set[str], list[dict[str, Any]]]] = []
        for i in sorted(range(len(named)), key=lambda i: named[i]):
            columns = set(named[i])
            if pieces and len(pieces[-1][0] | columns) <= width:
                pieces[-1][0].update(columns)
                pieces[-1][1].append(self.expectations[i])
            else:
                pieces.append((columns, [self.expectations[i]]))
        return [
            replace(self, name=f"{self.name}.part{n}", expectations=expectations)
            for n, (_, expectations) in enumerate(pieces, 1)
        ]

    def without_references(self, dropped: list[Reference]) -> TableSuite:
        """The suite minus the expectations of `dropped` (dimensions that cannot be read)."""
        markers = {r.marker for r in dropped}
        return replace(
            self,
            expectations=[e for e in self.expectations if e["kwargs"].get("column") not in markers],
            references=[r for r in self.references if r not in dropped],
        )


def _scope(config: dict[str, Any]) -> str | None:
    return (config.get("meta") or {}).get("scope")


def suite_name(table: Table) -> str:
    return f"{table.layer}.{table.name}"


# Aggregate statistics of an empty table are undefined (GE reports them as failed): on a day
# that staged no rows they are left out, and the no-collapse rule judges the emptiness.
NEEDS_ROWS = frozenset(
    {
        "expect_column_max_to_be_between",
        "expect_column_min_to_be_between",
        "expect_column_mean_to_be_between",
        "expect_column_median_to_be_between",
        "expect_column_stdev_to_be_between",
        "expect_column_sum_to_be_between",
        "expect_column_unique_value_count_to_be_between",
        "expect_column_proportion_of_unique_values_to_be_between",
    }
)


def build_suite(
    cfg: Settings, table: Table, day: date, staged_rows: int | None = None
) -> TableSuite:
    """The suite of `table` for a run of `day`; `staged_rows` = 0 drops `NEEDS_ROWS` ones."""
    declared = load_declared(cfg, table)
    configs = derived_expectations(table, day, cfg.watermark_days)
    references = declared_references(table)
    if declared is not None:
        configs += declared.expectations
        configs += freshness_expectations(table, day, declared.rules)
        references += declared.references
        configs += history_expectations(cfg, table, day, declared.rules)
    configs += [r.expectation() for r in references]
    features = declared_features()
    configs += expectations_for_features(features, table.qualified_name)
    configs += expectations_for_measures(declared_measures(), table.qualified_name)
    policy = DriftPolicy.declared(declared.rules if declared is not None else None)
    configs += drift_expectations(cfg.lake_root, table, day, policy)
    if staged_rows == 0:
        configs = [c for c in configs if c["type"] not in NEEDS_ROWS]
    return TableSuite(
        table,
        suite_name(table),
        configs,
        str(declared.path) if declared is not None else None,
        references,
    )
