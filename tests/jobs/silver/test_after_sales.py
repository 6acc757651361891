"""silver/after_sales: the latest status of a case wins; reasons are an enum."""

from __future__ import annotations

from decimal import Decimal

from livelake.jobs.silver import after_sales
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

R = "2026-01-01T12:00:00.000Z"


def test_cases_keep_their_latest_status(spark, env):
    rows = [
        f"c1,o1,u1,p1,refund,quality,10.00,{R},,requested,{R}",
        f"c1,o1,u1,p1,refund,quality,10.00,{R},2026-01-02T08:00:00.000Z,approved,"
        "2026-01-02T08:00:00.000Z",
        f"c2,o2,u1,,return,bored,5,{R},,requested,{R}",
        f"c3,o3,u1,p1,return,size,-5,{R},,requested,{R}",
    ]
    result = after_sales.transform(bronze_frame(spark, "after_sales", rows, DAY), env)

    silver, quarantine, duplicates = outcome(result, "case_id", "status", "reason", "amount_cny")
    assert silver == [("c1", "approved", "quality", Decimal("10.00"))]
    assert quarantine == [(4, "invalid_value"), (5, "negative_amount")]
    assert duplicates == [2]
