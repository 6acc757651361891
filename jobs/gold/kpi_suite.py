"""The GE suite of `gold/kpi_daily`, generated from the KPI catalog.

Valid ranges live on the catalog's metrics, so the suite is derived, not hand-kept: one
range expectation per distinct range (with a row condition naming its metrics), the
catalog's names, breakdowns and units as value sets, and day-over-day bounds on the overall
rows. `expectations/gold/kpi_daily.json` is this module's output
(`python -m livelake.jobs.gold.kpi_suite > expectations/gold/kpi_daily.json`); a test keeps
the two equal. Severity follows the quality gate's convention (`meta.severity`).
"""

from __future__ import annotations

import json
from typing import Any

from livelake.kpi_catalog import BREAKDOWNS, METRICS, OVERALL

SUITE_NAME = "gold.kpi_daily"
# Overall rows may move this much from one day to the next before the gate warns.
DAY_OVER_DAY_BOUNDS_PCT = (-80.0, 400.0)
DAY_OVER_DAY_MOSTLY = 0.9
MIN_SERIES_ROWS = 200
MIN_ROWS_VS_PREVIOUS_DAY = 0.5


def _expectation(type_: str, severity: str, rule: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "meta": {"severity": severity, "rule": rule}}


def _ranges() -> list[dict[str, Any]]:
    by_range: dict[tuple[float | None, float | None], list[str]] = {}
    for metric in METRICS:
        by_range.setdefault(metric.valid_range, []).append(metric.name)
    out = []
    for (low, high), names in by_range.items():
        if low is None and high is None:
            continue
        bounds = {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}
        listed = ", ".join(f"'{n}'" for n in names)
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                "error",
                f"value of {len(names)} metrics within [{low}, {high}]",
                column="value",
                row_condition=f"metric in [{listed}]",
                condition_parser="pandas",
                **bounds,
            )
        )
    return out


def suite() -> dict[str, Any]:
    """The suite as GE 1.x suite JSON (loadable with `ExpectationSuite(**suite())`)."""
    low, high = DAY_OVER_DAY_BOUNDS_PCT
    return {
        "name": SUITE_NAME,
        "expectations": [
            _expectation(
                "expect_column_values_to_be_in_set",
                "error",
                "metric is declared in the KPI catalog",
                column="metric",
                value_set=sorted(m.name for m in METRICS),
            ),
            _expectation(
                "expect_column_values_to_be_in_set",
                "error",
                "breakdown is one of the catalog's breakdowns",
                column="breakdown",
                value_set=[OVERALL, *BREAKDOWNS],
            ),
            _expectation(
                "expect_column_values_to_be_in_set",
                "error",
                "unit is one of the catalog's units",
                column="unit",
                value_set=sorted({m.unit for m in METRICS}),
            ),
            *_ranges(),
            _expectation(
                "expect_column_values_to_be_between",
                "warn",
                f"overall metrics move within {low:+.0f}%..{high:+.0f}% of the day before",
                column="day_over_day_change_pct",
                min_value=low,
                max_value=high,
                mostly=DAY_OVER_DAY_MOSTLY,
                row_condition=f"breakdown == '{OVERALL}'",
                condition_parser="pandas",
            ),
            _expectation(
                "expect_table_row_count_to_be_between",
                "warn",
                f"at least {MIN_SERIES_ROWS} series for the day",
                min_value=MIN_SERIES_ROWS,
            ),
        ],
        "meta": {"livelake": {"min_rows_vs_previous_day": MIN_ROWS_VS_PREVIOUS_DAY}},
    }


if __name__ == "__main__":
    print(json.dumps(suite(), indent=2, ensure_ascii=False))
