"""silver/products: list prices typed as CNY decimals, negative prices quarantined."""

from __future__ import annotations

from decimal import Decimal

from livelake.jobs.silver import products
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

U = "2026-01-02T01:00:00.000Z"


def test_catalog_rows_with_quoted_json_attributes(spark, env):
    rows = [
        f'p1,Lipstick,beauty,Mac,99.00,"{{""color"": ""red""}}",{U}',
        f"p2,Tea,food,,-5,{{}},{U}",
        f"p3,Gold,luxury,X,1000000.01,{{}},{U}",
    ]
    result = products.transform(bronze_frame(spark, "products", rows, DAY), env)

    silver, quarantine, _ = outcome(result, "product_id", "list_price_cny", "attributes")
    assert silver == [("p1", Decimal("99.00"), '{"color": "red"}')]
    assert quarantine == [(3, "negative_amount"), (4, "out_of_range")]
