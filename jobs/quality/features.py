"""Feature declarations -> expectations: ranges and null rates come from `livelake.features`.

A feature is declared once (name, table, dtype, min/max, max null fraction, description); the
gate of its table checks exactly what the declaration promises. (The training examples copy
snapshot values that passed these checks when they were published, so they are not checked
again column by column: that would cost a Spark job per feature.) A daily measure that counts
(`count`, `count_distinct`) is never negative in its aggregate table. The rules only read
the declarations' attributes, so any object of that shape works (the tests use dataclasses).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from livelake.features import FEATURES, MEASURES
from livelake.features.feature import aggregate_table
from livelake.jobs.quality.expectation import expectation

COUNTING = ("count", "count_distinct")


class FeatureDeclaration(Protocol):
    """What the gate needs from a feature declaration (`livelake.features.FEATURES` items)."""

    name: str
    table: str
    dtype: str
    min_value: float | None
    max_value: float | None
    max_null_fraction: float
    description: str


class MeasureDeclaration(Protocol):
    """What the gate needs from a daily measure (`livelake.features.MEASURES` items)."""

    name: str
    entity: str
    function: str


def expectations_for_features(
    features: Iterable[FeatureDeclaration], table_name: str
) -> list[dict[str, Any]]:
    """Range and max-null-rate expectations of the features stored in `table_name`."""
    out: list[dict[str, Any]] = []
    for feature in features:
        if feature.table != table_name:
            continue
        if feature.min_value is not None or feature.max_value is not None:
            out.append(
                expectation(
                    "expect_column_values_to_be_between",
                    rule=f"feature {feature.name} in its declared range",
                    column=feature.name,
                    min_value=feature.min_value,
                    max_value=feature.max_value,
                )
            )
        if not 0.0 <= feature.max_null_fraction <= 1.0:
            raise ValueError(
                f"feature {feature.name}: max_null_fraction must be in [0, 1] "
                f"(got {feature.max_null_fraction})"
            )
        if feature.max_null_fraction < 1.0:
            rule = f"feature {feature.name} at most {feature.max_null_fraction:.0%} null"
            kwargs: dict[str, Any] = {"column": feature.name}
            if feature.max_null_fraction > 0:
                kwargs["mostly"] = round(1.0 - feature.max_null_fraction, 6)
            out.append(expectation("expect_column_values_to_not_be_null", rule=rule, **kwargs))
    return out


def expectations_for_measures(
    measures: Iterable[tuple[str, MeasureDeclaration]], table_name: str
) -> list[dict[str, Any]]:
    """Counting measures of the daily aggregate `table_name` are >= 0."""
    return [
        expectation(
            "expect_column_values_to_be_between",
            rule=f"measure {measure.name} ({measure.function}) is not negative",
            column=measure.name,
            min_value=0,
        )
        for table, measure in measures
        if table == table_name and measure.function in COUNTING
    ]


def declared_measures() -> list[tuple[str, MeasureDeclaration]]:
    """(aggregate table, measure) of every measure `livelake.features` declares."""
    return [
        (aggregate_table(entity), measure)
        for entity, measures in MEASURES.items()
        for measure in measures
    ]


def declared_features() -> list[FeatureDeclaration]:
    """Every feature `livelake.features` declares."""
    return list(FEATURES)
