"""Declared suites: `expectations/<layer>/<table>.json`, GE suite JSON versioned with the code.

Besides GE expectations a declared suite may carry livelake rules in `meta.livelake` that need
the table's history, resolved at run time into ordinary GE expectations:

- `min_rows_vs_previous_day` (0..1): no collapse. For a date-partitioned table the rows of the
  run's own day partition must be at least this fraction of the previous published day's own
  partition (from `audit/metric_history`); late rows for earlier days do not mask a collapse.
  For other tables the whole staged row count is compared with the previous publication's
  (from `audit/published_runs`).
- `freshness` (`{"column": "event_date", "max_lag_days": 0, "severity": "error"}`): the staged
  rows of a run for day D reach D - max_lag_days in `column` (default: the date partition),
  i.e. the run brought data of its own day, not only old rows. An empty staged table fails it.
- `references` (a list): foreign keys that must be keys of a dimension, checked by a join in
  the gate (see `references.py`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import livelake
from livelake.config import Settings
from livelake.jobs.quality.drift import trailing_baseline
from livelake.jobs.quality.expectation import SuiteFileError as SuiteFileError
from livelake.jobs.quality.expectation import expectation, severity_of, with_severity
from livelake.jobs.quality.history import previous_publication
from livelake.jobs.quality.metrics import DAY_ROWS, day_partition
from livelake.jobs.quality.references import Reference, parse_references
from livelake.lake.registry import Table

RULES = ("min_rows_vs_previous_day", "freshness", "references", "drift")


@dataclass(frozen=True)
class DeclaredSuite:
    path: Path
    expectations: list[dict[str, Any]] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)


def expectations_dir(cfg: Settings) -> Path:
    """The suites folder: `expectations_dir` from the config, else the one beside the code."""
    if cfg.expectations_dir:
        folder = Path(cfg.expectations_dir)
        if not folder.is_dir():
            raise SuiteFileError(f"expectations_dir {folder} does not exist")
        return folder
    return Path(livelake.__file__).resolve().parents[1] / "expectations"


def suite_path(cfg: Settings, table: Table) -> Path:
    return expectations_dir(cfg) / table.layer / f"{table.name}.json"


def load_declared(cfg: Settings, table: Table) -> DeclaredSuite | None:
    """The table's declared suite, or None when it has none."""
    path = suite_path(cfg, table)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SuiteFileError(f"{path}: not valid JSON: {exc}") from None
    expected_name = f"{table.layer}.{table.name}"
    if data.get("name") != expected_name:
        raise SuiteFileError(f"{path}: suite name must be {expected_name!r}")
    configs = data.get("expectations", [])
    for i, config in enumerate(configs):
        if not isinstance(config, dict) or "type" not in config:
            raise SuiteFileError(f"{path}: expectation #{i + 1} has no 'type'")
    rules = (data.get("meta") or {}).get("livelake", {})
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise SuiteFileError(f"{path}: unknown meta.livelake rules {unknown}; known: {RULES}")
    _check_freshness(path, table, rules.get("freshness"))
    references = parse_references(path, table, rules.get("references"))
    return DeclaredSuite(path, [with_severity(c) for c in configs], rules, references)


def _check_freshness(path: Path, table: Table, rule: Any) -> None:
    if rule is None:
        return
    if not isinstance(rule, dict) or not isinstance(rule.get("max_lag_days"), int):
        raise SuiteFileError(f"{path}: meta.livelake.freshness needs an integer max_lag_days")
    column = rule.get("column") or day_partition(table)
    if column is None or column not in table.column_names:
        raise SuiteFileError(
            f"{path}: freshness needs a date column of {table.qualified_name} (got {column!r})"
        )
    severity_of({"severity": rule.get("severity", "error")})


def freshness_expectations(table: Table, day: date, rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The latest date of the staged rows is at least `day - max_lag_days`."""
    rule = rules.get("freshness")
    if rule is None:
        return []
    column = rule.get("column") or day_partition(table)
    lag = int(rule["max_lag_days"])
    oldest = day - timedelta(days=lag)
    text = f"rows of {day}" if lag == 0 else f"rows within {lag} day(s) of {day}"
    return [
        expectation(
            "expect_column_max_to_be_between",
            severity=severity_of({"severity": rule.get("severity", "error")}),
            rule=f"fresh: the run for {day} brings {text} (latest {column} >= {oldest})",
            column=column,
            min_value=oldest.isoformat(),
        )
    ]


def history_expectations(
    cfg: Settings, table: Table, day: date, rules: dict[str, Any]
) -> list[dict[str, Any]]:
    """Turn a declared suite's history rules into GE expectations for a run of `day`."""
    ratio = rules.get("min_rows_vs_previous_day")
    if ratio is None:
        return []
    part = day_partition(table)
    if part is not None:
        baseline = trailing_baseline(cfg.lake_root, table.qualified_name, day, days=7)
        dated = baseline.get((part, DAY_ROWS))
        if not dated or not dated[-1][1]:
            return []
        previous_day, rows = dated[-1][0], int(dated[-1][1])
        return [
            expectation(
                "expect_table_row_count_to_be_between",
                rule=(
                    f"rows of {part} {day} at least {ratio:.0%} of the previous published day "
                    f"({rows} rows for {previous_day})"
                ),
                min_value=math.floor(rows * ratio),  # a tiny day may legitimately be 0
                of_run_day=True,
            )
        ]
    previous = previous_publication(cfg.lake_root, table.qualified_name, day)
    if previous is None or not previous.rows:
        return []
    return [
        expectation(
            "expect_table_row_count_to_be_between",
            rule=(
                f"row count at least {ratio:.0%} of the previous publication "
                f"({previous.rows} rows for {previous.day})"
            ),
            min_value=math.floor(previous.rows * ratio),
        )
    ]
