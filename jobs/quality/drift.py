"""Drift checks: today's metrics against the trailing days of published runs.

For every tracked metric of a table (see `metrics.py`) the trailing `days` (default 7) of
*published* runs give a baseline: each day's last value. Today's mean or distinct count must
stay within a declared relative bound (default ±50%) of the baseline's mean *or* of its
trend (the least-squares line through those days, read at today), i.e. between the lower of
the two less the bound and the higher plus the bound: a noisy but level metric stays near its
mean, a steadily moving one near its trend; a collapse or a shifted distribution leaves both.
A null fraction may not rise more than +0.10 (absolute) above the baseline's mean.

What a young lake does on normal days raises nothing:
- metrics are measured on the rows of the run's own day (`metrics.py`), so a day that also
  restaged two earlier partitions for late rows does not count two days' worth of ids;
- a column whose window is still filling (`Column.warmup_days`, from the feature's window;
  None for lifetime sums and recencies, which grow for the life of the lake) is checked only
  for a fall until the lake holds its window plus the trailing days: growing is what it does;
- a rare count (a few refunds or invites a day among 2,000 users) or a mean of a few rows
  moves by more than the relative bound on its own, so the bound is widened to
  `noise_sigmas` (default 4) sampling errors where that is wider: the standard error of the
  day's mean (the trailing days' standard deviation over the square root of their rows), or
  the square root of a distinct count (Poisson). A real collapse or shift is many errors away.

Checks are ordinary GE expectations so drift shows in Data Docs and `audit/quality_results`
like any other rule. Severity is `warn` unless the table's suite declares otherwise in
`meta.livelake.drift` (`{"relative_bound": 0.5, "null_fraction_bound": 0.1, "days": 7,
"severity": "warn", "min_days": 3, "noise_sigmas": 4}`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow.compute as pc

from livelake.jobs.quality.expectation import expectation
from livelake.jobs.quality.history import table_exists
from livelake.jobs.quality.metrics import DAY_ROWS, TABLE_LEVEL, day_partition, tracked
from livelake.lake.read import read_arrow
from livelake.lake.registry import Table
from livelake.lake.tables.audit import METRIC_HISTORY, PUBLISHED_RUNS


@dataclass(frozen=True)
class DriftPolicy:
    relative_bound: float = 0.5
    null_fraction_bound: float = 0.1
    days: int = 7
    min_days: int = 3
    noise_sigmas: float = 4.0
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


def first_published_day(lake_root: str, table_name: str) -> date | None:
    """The earliest day the table was published for: how old its history is."""
    if not table_exists(lake_root, PUBLISHED_RUNS):
        return None
    days = read_arrow(
        PUBLISHED_RUNS,
        columns=["day"],
        filter=pc.field("table_name") == table_name,
        lake_root=lake_root,
    ).column("day")
    return pc.min(days).as_py() if len(days) else None


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


@dataclass(frozen=True)
class Band:
    """Where today's value of a metric is normal; None: no bound on that side."""

    min_value: float
    max_value: float | None
    rule: str


def band(
    dated: list[tuple[date, float]],
    day: date,
    policy: DriftPolicy,
    error: float = 0.0,
    *,
    metric: str = "mean",
    only_a_fall: str | None = None,
) -> Band:
    """The normal range of a metric today from its trailing values: their mean or trend, each
    widened by the relative bound or by `noise_sigmas` sampling errors, whichever is wider.

    The sampling error is `error` for a mean (its standard error); a distinct count is
    Poisson-like, its error the square root of its level. `only_a_fall` (why) drops the upper
    bound."""
    mean = sum(value for _, value in dated) / len(dated)
    level = trend(dated, day)
    low, high = sorted((mean, level))

    def noise(at: float) -> float:
        spread = math.sqrt(max(at, 0.0)) if metric == "distinct_count" else error
        return policy.noise_sigmas * spread

    min_value = low - max(abs(low) * policy.relative_bound, noise(low))
    max_value = high + max(abs(high) * policy.relative_bound, noise(high))
    within = f"within {policy.relative_bound:.0%} (or {policy.noise_sigmas:g} sampling errors) of"
    rule = (
        f"{metric} {within} the trailing {len(dated)} days' mean ({mean:.4g}) or of their "
        f"trend ({level:.4g})"
    )
    if only_a_fall:
        return Band(min_value, None, f"{rule}, from below only: {only_a_fall}")
    return Band(min_value, max_value, rule)


def drift_expectations(
    lake_root: str, table: Table, day: date, policy: DriftPolicy
) -> list[dict[str, Any]]:
    baseline = trailing_baseline(lake_root, table.qualified_name, day, policy.days)
    part = day_partition(table)
    sizes = [
        v for _, v in baseline.get((part, DAY_ROWS) if part else (TABLE_LEVEL, "row_count"), [])
    ]
    rows = sum(sizes) / len(sizes) if sizes else 0.0
    measured = set(tracked(table))  # history may hold metrics no longer tracked
    # The lake's age matters only to a column with a window to fill (gold features).
    filling = any((table.column(column).warmup_days or 0) > 0 for column, _ in measured)
    first = first_published_day(lake_root, table.qualified_name) if filling else None
    age = (day - first).days if first else 0
    # The same rows the metrics were measured on: the run's own day partition.
    of_run_day = part is not None
    out = []
    for (column, metric), dated in sorted(baseline.items()):
        if len(dated) < policy.min_days or (column, metric) not in measured:
            continue
        days = len(dated)
        common = {"severity": policy.severity, "column": column, "of_run_day": of_run_day}
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
        warmup = table.column(column).warmup_days
        only_a_fall = None
        if warmup is None:
            only_a_fall = "it grows for the life of the lake"
        elif warmup > 0 and age < warmup + policy.days:
            only_a_fall = f"its {warmup}-day window is still filling"
        if metric == "mean":
            # The standard error of a mean of `rows` values: a rare count's mean moves by
            # more than the relative bound from one day to the next on its own.
            spreads = [v for _, v in baseline.get((column, "stddev"), [])]
            sd = sum(spreads) / len(spreads) if spreads else 0.0
            error = sd / math.sqrt(rows) if rows else 0.0
            normal = band(dated, day, policy, error, only_a_fall=only_a_fall)
            if (normal.min_value, normal.max_value) == (0, 0):
                continue
            out.append(
                expectation(
                    "expect_column_mean_to_be_between",
                    rule=normal.rule,
                    min_value=normal.min_value,
                    max_value=normal.max_value,
                    **common,
                )
            )
        elif metric == "distinct_count" and max(v for _, v in dated) > 0:
            normal = band(dated, day, policy, metric=metric, only_a_fall=only_a_fall)
            out.append(
                expectation(
                    "expect_column_unique_value_count_to_be_between",
                    rule=normal.rule,
                    min_value=max(int(normal.min_value), 0),
                    max_value=None if normal.max_value is None else int(normal.max_value) + 1,
                    **common,
                )
            )
    return out
