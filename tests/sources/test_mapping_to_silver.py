"""A log no Python adapter knows reaches silver through a mapping file alone."""

from __future__ import annotations

from datetime import date

import pytest

from livelake.lake.read import read_table
from livelake.sources import ingest_mapped
from tests.adapters.test_adapters_to_silver import _assert_balanced, _silver_of_deliveries
from tests.sources.test_mappings import LAYOUTS


@pytest.mark.slow  # one day of bronze + silver stages on real Spark
def test_invoice_lines_reach_silver_under_the_mappings_source_name(spark, lake_root, tmp_path):
    landing = tmp_path / "landing"
    report = ingest_mapped("online_retail", [LAYOUTS / "online_retail.csv"], landing)
    assert dict(report.unmapped) == {"guest_customer": 1, "bad_quantity": 1}
    _silver_of_deliveries(spark, [date(2010, 12, 1)])

    orders = read_table("silver/orders").sort("event_id")
    assert orders["event_id"].to_list() == [
        "or-536365-2",
        "or-536365-3",
        "or-536367-6",
        "or-C536379-5",
    ]
    assert set(orders["source"]) == {"online_retail"}
    assert orders["event_type"].to_list() == ["paid", "paid", "paid", "cancelled"]
    assert read_table("quarantine/orders").height == 0
    assert sorted(read_table("silver/users")["user_id"]) == ["13047", "14527", "17850"]
    _assert_balanced()
