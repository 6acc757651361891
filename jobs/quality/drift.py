"""Drift checks: today's metrics against the trailing days of published runs.

For every tracked metric of a table (see `metrics.py`) the trailing `days` (default 7) of
*published* runs give a baseline (the mean of each day's last value). Today's value must stay
within a declared relative bound of it (default ±50%, null fraction: +0.10 absolute), checked
as ordinary GE expectations so drift shows in Data Docs and `audit/quality_results` like any
other rule. Severity is `warn` unless the table's suite declares otherwise in
`meta.livelake.drift` (`{"relative_bound": 0.5, "null_fraction_bound": 0.1, "days": 7,
"severity": "warn", "min_days": 3}`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow.compute as pc

from livelake.jobs.quality.expectation import expectation
from livelake.jobs.quality.history import table_exists
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table
from livelake.lake.tables.audit import METRIC_HISTORY, PUBLISHED_RUNS

DRIFTING = ("mean", "distinct_count", "null_fraction")


@dataclass(frozen=True)
class DriftPolicy:
    relative_bound: float = 0.5
    null_fraction_bound: float = 0.1
    days: int = 7
    min_days: int = 3
    severity: str = "warn"

    @classmethod
    def declared(cls, rules: dict[str, Any] | None) -> DriftPolicy:
        return cls(**((rules or {}).get("drift") or {}))


def trailing_baseline(
    lake_root: str, table_name: str, day: date, days: int
) -> dict[tuple[str, str], list[tuple[date, float]]]:
    """Per (column, metric): (day, last value) of each trailing day's published runs, by day."""
    if not (table_exists(lake_root, METRIC_HISTORY) and table_exists(lake_root, PUBLISHED_RUNS)):
        return {}
    window = (pc.field("day") >= day - timedelta(days=days)) & (pc.field("day") < day)
    published = read_arrow(
        PUBLISHED_RUNS,
        columns=["run_id", "day"],
        filter=window & (pc.field("table_name") == table_name),
        lake_root=lake_root,
    ).to_pylist()
    runs = {(r["run_id"], r["day"]) for r in published}
    history = read_arrow(
        METRIC_HISTORY,
        filter=window & (pc.field("table_name") == table_name),
        lake_root=lake_root,
    ).to_pylist()
    latest: dict[tuple[str, str, date], tuple[Any, float]] = {}
    for r in history:
        if (r["run_id"], r["day"]) not in runs or r["value"] is None:
            continue
        k = (r["column_name"], r["metric"], r["day"])
        if k not in latest or r["recorded_at"] > latest[k][0]:
            latest[k] = (r["recorded_at"], r["value"])
    out: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
    for (column, metric, on), (_, value) in sorted(latest.items(), key=lambda kv: kv[0][2]):
        out[(column, metric)].append((on, value))
    return dict(out)


def drift_expectations(
    lake_root: str, table: Table, day: date, policy: DriftPolicy
) -> list[dict[str, Any]]:
    baseline = trailing_baseline(lake_root, table.qualified_name, day, policy.days)
    out = []
    for (column, metric), dated in sorted(baseline.items()):
        values = [value for _, value in dated]
        if len(values) < policy.min_days or metric not in DRIFTING:
            continue
        mean = sum(values) / len(values)
        rule = f"{metric} within bounds of the trailing {len(values)} days (mean {mean:.4g})"
        common = {"severity": policy.severity, "rule": rule, "column": column}
        if metric == "mean" and mean != 0:
            margin = abs(mean) * policy.relative_bound
            out.append(
                expectation(
                    "expect_column_mean_to_be_between",
                    min_value=mean - margin,
                    max_value=mean + margin,
                    **common,
                )
            )
        elif metric == "distinct_count" and mean > 0:
            out.append(
                expectation(
                    "expect_column_unique_value_count_to_be_between",
                    min_value=int(mean * (1 - policy.relative_bound)),
                    max_value=int(mean * (1 + policy.relative_bound)) + 1,
                    **common,
                )
            )
        elif metric == "null_fraction" and mean + policy.null_fraction_bound < 1:
            out.append(
                expectation(
                    "expect_column_values_to_not_be_null",
                    mostly=round(1 - (mean + policy.null_fraction_bound), 6),
                    **common,
                )
            )
    return out
