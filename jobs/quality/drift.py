"""Drift checks: today's metrics against the trailing days of published runs.

For every tracked metric of a table (see `metrics.py`) the trailing `days` (default 7) of
*published* runs give a baseline: each day's last value. Today's mean or distinct count must
stay within a declared relative bound (default ±50%) of the baseline's mean *or* of its
trend (the least-squares line through those days, read at today), i.e. between the lower of
the two less the bound and the higher plus the bound. On a young lake a 30- or 90-day window
is still filling and a count of ids grows with the data, both steadily: their trend runs
ahead of their mean, which alone would flag every normal day. A noisy but level metric
stays near its mean, where a trend fitted on a few days can wander. A collapse or a shifted
distribution leaves both. A null fraction may not rise more than +0.10 (absolute)
above the baseline's mean. Checks are ordinary GE expectations so drift shows in Data Docs
and `audit/quality_results` like any other rule. Severity is `warn` unless the table's suite
declares otherwise in `meta.livelake.drift` (`{"relative_bound": 0.5, "null_fraction_bound":
0.1, "days": 7, "severity": "warn", "min_days": 3}`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow.compute as pc

from livelake.jobs.quality.expectation import expectation
from livelake.jobs.quality.history import table_exists
from livelake.jobs.quality.metrics import tracked
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table
from livelake.lake.tables.audit import METRIC_HISTORY, PUBLISHED_RUNS


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


def trend(dated: list[tuple[date, float]], day: date) -> float:
    """The least-squares line through the dated values, read at `day` (their mean when the
    values share one day or there is only one)."""
    xs = [(on - day).days for on, _ in dated]
    ys = [value for _, value in dated]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return mean_y
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y - slope * mean_x


def drift_expectations(
    lake_root: str, table: Table, day: date, policy: DriftPolicy
) -> list[dict[str, Any]]:
    baseline = trailing_baseline(lake_root, table.qualified_name, day, policy.days)
    measured = set(tracked(table))  # history may hold metrics no longer tracked
    out = []
    for (column, metric), dated in sorted(baseline.items()):
        if len(dated) < policy.min_days or (column, metric) not in measured:
            continue
        days = len(dated)
        common = {"severity": policy.severity, "column": column}
        if metric == "null_fraction":
            mean = sum(value for _, value in dated) / days
            if mean + policy.null_fraction_bound < 1:
                out.append(
                    expectation(
                        "expect_column_values_to_not_be_null",
                        rule=f"null fraction at most {policy.null_fraction_bound:+g} above the "
                        f"trailing {days} days (mean {mean:.4g})",
                        mostly=round(1 - (mean + policy.null_fraction_bound), 6),
                        **common,
                    )
                )
            continue
        mean = sum(value for _, value in dated) / days
        low, high = sorted((mean, trend(dated, day)))
        min_value = low - abs(low) * policy.relative_bound
        max_value = high + abs(high) * policy.relative_bound
        rule = (
            f"{metric} within {policy.relative_bound:.0%} of the trailing {days} days' mean "
            f"({mean:.4g}) or of their trend ({trend(dated, day):.4g})"
        )
        if metric == "mean" and (low, high) != (0, 0):
            out.append(
                expectation(
                    "expect_column_mean_to_be_between",
                    rule=rule,
                    min_value=min_value,
                    max_value=max_value,
                    **common,
                )
            )
        elif metric == "distinct_count" and high > 0:
            out.append(
                expectation(
                    "expect_column_unique_value_count_to_be_between",
                    rule=rule,
                    min_value=int(min_value),
                    max_value=int(max_value) + 1,
                    **common,
                )
            )
    return out
