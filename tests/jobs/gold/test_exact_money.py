"""Money stays exact: amounts in the daily aggregates and the features are decimals of
silver's fixed scale (`MONEY`), so sums never pick up float error and a rerun gives the same
values to the bit."""

from __future__ import annotations

from decimal import Decimal

import pyarrow.compute as pc
from pyspark.sql import functions as F

from livelake.features import ENTITIES, features_of
from livelake.jobs.gold import aggregates, features
from livelake.jobs.gold.snapshots import snapshots
from livelake.lake.read import read_arrow
from livelake.lake.tables.gold import AGGREGATES, SNAPSHOTS
from livelake.lake.tables.silver import SILVER
from tests.jobs.gold.world import D1, D2, D3


def _gift_days(spark):
    """u1 sent gifts worth 0.10 CNY on D1 and 0.20 CNY on D2 (0.1 + 0.2 != 0.3 in floats)."""
    table = AGGREGATES["user"]
    rows = []
    for day, amount in ((D1, "0.10"), (D2, "0.20")):
        row = dict.fromkeys(table.column_names)
        row |= {"user_id": "u1", "day": day, "gift_value_cny": Decimal(amount), "run_id": "t"}
        rows.append(tuple(row[c] for c in table.column_names))
    return spark.createDataFrame(rows, table.spark_schema())


def test_a_money_window_adds_up_exactly(spark):
    users = spark.createDataFrame([], SILVER["users"].spark_schema()).withColumn(
        "as_of_date", F.lit(None).cast("date")
    )
    dims = {"users": users}
    full = snapshots("user", D2, D2, _gift_days(spark), None, dims, "t").collect()
    assert [r["gift_value_cny_30d"] for r in full] == [Decimal("0.30")]
    d1 = snapshots("user", D1, D1, _gift_days(spark), None, dims, "t")
    step = snapshots("user", D2, D2, _gift_days(spark), d1, dims, "t").collect()
    assert [r["gift_value_cny_30d"] for r in step] == [Decimal("0.30")]
    both = snapshots("user", D1, D2, _gift_days(spark), None, dims, "t").collect()
    assert {r["as_of_date"]: r["gift_value_cny_30d"] for r in both} == {
        D1: Decimal("0.10"),
        D2: Decimal("0.30"),
    }


def _snapshots_of(day) -> dict[str, list[dict]]:
    """Every entity's snapshot rows of `day` without run_id, in key order."""
    out = {}
    for entity in ENTITIES:
        rows = read_arrow(SNAPSHOTS[entity], filter=pc.field("as_of_date") == day).to_pylist()
        kept = [{k: v for k, v in r.items() if k != "run_id"} for r in rows]
        out[entity] = sorted(kept, key=repr)
    return out


def test_a_rerun_of_a_day_gives_the_same_values_to_the_bit(copy_ctx):
    before = _snapshots_of(D3)
    money = [f.name for f in features_of("user") if f.dtype.startswith("decimal")]
    assert "gift_value_cny_30d" in money and "lifetime_paid_gmv_cny" in money

    assert aggregates.run(copy_ctx, D3).status == "ok"
    assert features.run(copy_ctx, D3).status == "ok"

    assert _snapshots_of(D3) == before
