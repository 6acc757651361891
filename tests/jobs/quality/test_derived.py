"""Registry-derived expectations: keys, nullability, values, partition window (pure, no Spark)."""

from __future__ import annotations

from datetime import date

from livelake.jobs.quality.derived import derived_expectations
from livelake.lake.registry import Column, Table, key
from livelake.lake.tables.silver import SOCIAL, USERS, VIEWS


def _types(configs):
    return [
        (c["type"], c["kwargs"].get("column") or tuple(c["kwargs"]["column_list"])) for c in configs
    ]


def test_single_key_is_unique_and_every_required_column_is_not_null():
    configs = derived_expectations(VIEWS, date(2026, 1, 5), watermark_days=3)
    found = _types(configs)
    assert ("expect_column_values_to_be_unique", "event_id") in found
    required = {c.name for c in VIEWS.columns if not c.nullable}
    assert {col for t, col in found if t == "expect_column_values_to_not_be_null"} == required
    assert all(c["meta"]["severity"] == "error" for c in configs)


def test_event_date_must_lie_between_the_watermark_and_the_next_day():
    configs = derived_expectations(VIEWS, date(2026, 1, 5), watermark_days=3)
    window = [
        c
        for c in configs
        if c["kwargs"].get("column") == "event_date" and "min_value" in c["kwargs"]
    ]
    assert window == [
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {
                "column": "event_date",
                "min_value": "2026-01-02",
                "max_value": "2026-01-06",
            },
            "meta": {
                "severity": "error",
                "rule": "event_date within the run's window 2026-01-02..2026-01-06",
            },
            "severity": "critical",
        }
    ]


def test_compound_keys_use_the_compound_uniqueness_expectation():
    found = _types(derived_expectations(SOCIAL, date(2026, 1, 5), 3))
    assert ("expect_compound_columns_to_be_unique", SOCIAL.keys) in found
    # created_date is not an event date: a surprising value warns instead of blocking
    window = [
        c
        for c in derived_expectations(SOCIAL, date(2026, 1, 5), 3)
        if c["kwargs"].get("column") == "created_date" and "min_value" in c["kwargs"]
    ]
    assert window[0]["meta"]["severity"] == "warn"


def test_an_unpartitioned_table_gets_no_window():
    configs = derived_expectations(USERS, date(2026, 1, 5), 3)
    assert not [c for c in configs if c["type"] == "expect_column_values_to_be_between"]


def test_declared_values_and_bounds_become_blocking_expectations():
    table = Table(
        layer="gold",
        name="tiny",
        grain="one row per thing",
        columns=(
            key("thing_id"),
            Column("colour", "string", allowed=("red", "blue")),
            Column("score", "double", bounds=(0, 100)),
            Column("count", "long", bounds=(1, None)),
        ),
        keys=("thing_id",),
    )
    values = [
        (c["type"], c["kwargs"], c["meta"])
        for c in derived_expectations(table, date(2026, 1, 5), 3)
        if c["kwargs"].get("column") in ("colour", "score", "count")
    ]
    assert values == [
        (
            "expect_column_values_to_be_in_set",
            {"column": "colour", "value_set": ["red", "blue"]},
            {"severity": "error", "rule": "colour is one of the declared values"},
        ),
        (
            "expect_column_values_to_be_between",
            {"column": "score", "min_value": 0, "max_value": 100},
            {"severity": "error", "rule": "score within the declared bounds 0..100"},
        ),
        (
            "expect_column_values_to_be_between",
            {"column": "count", "min_value": 1, "max_value": None},
            {"severity": "error", "rule": "count within the declared bounds 1.."},
        ),
    ]
