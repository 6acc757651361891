"""Great Expectations 1.x validating a Spark Connect DataFrame, against the gate's own path.

The gate never hands GE a Spark DataFrame: it reads the staged Parquet with pyarrow and runs
GE's pandas engine (`jobs/quality/frame.py`), the same on both session kinds. This checks
that GE's Spark engine, given the Connect DataFrame of the same staged rows, reaches the same
verdicts and observed values for every kind of expectation livelake's suites use, and shows
where it does not: a `row_condition` written for the pandas parser (the KPI suite's) is handed
to Spark SQL, which cannot parse it. Runs with `--spark-connect`
(tests/integration/test_connect.py).
"""

from __future__ import annotations

from datetime import date
from math import isclose

import pytest

from livelake.connect import is_connect
from livelake.jobs.quality.frame import to_pandas
from livelake.jobs.quality.results import outcomes
from tests.jobs.lake.contract_orders import ORDERS, frame

pytestmark = pytest.mark.connect

D1, D2 = date(2026, 1, 1), date(2026, 1, 2)
ROWS = [
    ("a", D1, 1.5, "x"),
    ("b", D1, -2, "y"),
    ("b", D2, 40.25, None),
    ("c", D2, None, "z"),
    ("d", D2, 7, "x"),
]


def rule(kind: str, **kwargs) -> dict:
    return {"type": f"expect_{kind}", "kwargs": kwargs}


# One of each kind the suites in expectations/, the registry and the feature declarations use.
RULES = [
    rule("column_values_to_not_be_null", column="amount_cny"),
    rule("column_values_to_be_null", column="note"),
    rule("column_values_to_be_between", column="amount_cny", min_value=0, max_value=100),
    rule("column_values_to_be_between", column="day", min_value="2026-01-02", mostly=0.5),
    rule("column_values_to_be_in_set", column="note", value_set=["x", "y"]),
    rule("column_values_to_be_unique", column="order_id"),
    rule("compound_columns_to_be_unique", column_list=["order_id", "day"]),
    rule("column_pair_values_a_to_be_greater_than_b", column_A="amount_cny", column_B="amount_cny"),
    rule("column_proportion_of_unique_values_to_be_between", column="order_id", min_value=0.9),
    rule("column_unique_value_count_to_be_between", column="note", min_value=1, max_value=2),
    rule("table_row_count_to_be_between", min_value=1, max_value=10),
    rule("column_mean_to_be_between", column="amount_cny", min_value=0, max_value=10),
    rule("column_min_to_be_between", column="amount_cny", min_value=0),
    rule("column_max_to_be_between", column="amount_cny", max_value=50),
    rule("column_sum_to_be_between", column="amount_cny", min_value=0, max_value=40),
    rule("column_stdev_to_be_between", column="amount_cny", min_value=0, max_value=10),
    rule("column_median_to_be_between", column="amount_cny", min_value=0, max_value=5),
]
PANDAS_CONDITION = rule(
    "column_values_to_be_between",
    column="amount_cny",
    min_value=0,
    row_condition="note in ['x', 'y']",
    condition_parser="pandas",
)


def validate(context, engine: str, data, rules: list[dict]) -> list:
    """`rules` on `data` through a GE datasource of `engine` (pandas or spark)."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    name = f"{engine}-{len(context.suites.all())}"
    source = (
        context.data_sources.add_spark(name)
        if engine == "spark"
        else context.data_sources.add_pandas(name)
    )
    batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=name,
            expectations=[ExpectationConfiguration(**r).to_domain_obj() for r in rules],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": data},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
    )
    return outcomes(ORDERS.qualified_name, name, result)


def comparable(outcome) -> tuple:
    observed = outcome.observed
    if isinstance(observed, int | float) or hasattr(observed, "as_tuple"):
        observed = round(float(observed), 6)
    return (
        outcome.expectation,
        str(outcome.kwargs),
        outcome.success,
        observed,
        outcome.unexpected_count,
        outcome.element_count,
        outcome.error,
    )


@pytest.fixture
def staged(spark, lake):
    assert is_connect(spark), "run with --spark-connect (tests/integration/test_connect.py)"
    write = lake.stage(ORDERS, frame(spark, ROWS), "append")
    yield write
    write.abort()


def test_ge_validates_a_connect_dataframe_as_the_gate_validates_the_staged_files(staged):
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    over_connect = validate(context, "spark", staged.dataframe, RULES)
    gate_path = validate(context, "pandas", to_pandas(staged.arrow()), RULES)

    assert [comparable(o) for o in over_connect] == [comparable(o) for o in gate_path]
    assert all(o.error is None for o in over_connect)
    failed = sorted(o.expectation.removeprefix("expect_") for o in over_connect if not o.success)
    assert failed == [
        "column_mean_to_be_between",  # 11.6875
        "column_min_to_be_between",  # -2
        "column_pair_values_a_to_be_greater_than_b",  # a value is not greater than itself
        "column_proportion_of_unique_values_to_be_between",  # 0.8
        "column_stdev_to_be_between",
        "column_sum_to_be_between",  # 46.75
        "column_unique_value_count_to_be_between",  # x, y, z
        "column_values_to_be_between",  # -2
        "column_values_to_be_in_set",  # z
        "column_values_to_be_null",
        "column_values_to_be_unique",  # b twice
        "column_values_to_not_be_null",
    ]
    by_kind = {o.expectation: o for o in over_connect}
    assert isclose(by_kind["expect_column_mean_to_be_between"].observed, 46.75 / 4)
    assert by_kind["expect_column_values_to_be_unique"].unexpected_count == 2


def test_a_pandas_row_condition_is_where_the_spark_engine_stops(staged):
    """The KPI suite's rules carry `condition_parser: pandas`: GE's pandas engine applies
    them; its Spark engine hands the condition to Spark SQL, which cannot parse it."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    (over_connect,) = validate(context, "spark", staged.dataframe, [PANDAS_CONDITION])
    (gate_path,) = validate(context, "pandas", to_pandas(staged.arrow()), [PANDAS_CONDITION])

    assert gate_path.error is None and not gate_path.success
    assert (gate_path.unexpected_count, gate_path.element_count) == (1, 3)  # -2 of x, y, x
    assert not over_connect.success and over_connect.unexpected_count is None
    assert "PARSE_SYNTAX_ERROR" in over_connect.error
    assert "note in ['x', 'y']" in over_connect.error
