"""The KPI mart's GE suite: generated from the catalog, loadable by GE, and it tells a sane
day from an impossible one when GE runs it on the rows as the gate reads them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from livelake.jobs.gold.kpi import metric_rows
from livelake.jobs.gold.kpi_suite import suite
from livelake.jobs.quality.frame import to_pandas
from livelake.lake.tables.kpi import KPI_DAILY

SUITE_FILE = Path(__file__).resolve().parents[3] / "expectations" / "gold" / "kpi_daily.json"
DAY = date(2026, 1, 2)


def test_the_suite_file_is_the_catalogs_suite():
    assert json.loads(SUITE_FILE.read_text()) == suite(), (
        "regenerate it: python -m livelake.jobs.gold.kpi_suite > expectations/gold/kpi_daily.json"
    )


def test_great_expectations_loads_the_suite():
    from great_expectations.core import ExpectationSuite

    loaded = ExpectationSuite(**json.loads(SUITE_FILE.read_text()))
    assert len(loaded.expectations) == len(suite()["expectations"])


def _mart(paying_visits: int):
    amounts = {
        ("room_visits", "all", "all"): 100.0,
        ("carted_visits", "all", "all"): 20.0,
        ("paying_visits", "all", "all"): float(paying_visits),
    }
    previous = {("room_visits", "all", "all"): 90.0}
    rows = metric_rows(amounts, DAY, "r", previous)
    return to_pandas(pa.Table.from_pylist(rows, schema=KPI_DAILY.arrow_schema()))


@pytest.fixture(scope="module")
def validate():
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    batches = (
        context.data_sources.add_pandas(name="kpi")
        .add_dataframe_asset(name="kpi_daily")
        .add_batch_definition_whole_dataframe("staged")
    )
    checked = context.suites.add(gx.ExpectationSuite(**suite()))

    def run(df):
        result = batches.get_batch(batch_parameters={"dataframe": df}).validate(checked)
        return {
            r.expectation_config.meta["rule"]: r.success
            for r in result.results
            if r.expectation_config.meta["severity"] == "error"
        }

    return run


def test_a_sane_day_passes_every_blocking_expectation(validate):
    verdicts = validate(_mart(paying_visits=5))
    assert all(verdicts.values()), verdicts


def test_a_conversion_above_100_percent_fails_the_range_check(validate):
    verdicts = validate(_mart(paying_visits=150))
    failed = [rule for rule, ok in verdicts.items() if not ok]
    assert failed == [r for r in verdicts if r.endswith("within [0.0, 100.0]")]
    assert len(failed) == 1
