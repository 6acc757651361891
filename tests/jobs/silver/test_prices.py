"""silver/prices: source validity kept, open periods closed by the next one, FKs checked."""

from __future__ import annotations

from datetime import datetime

from livelake.jobs.silver import prices
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

U = "2026-01-02T01:00:00.000Z"


def test_price_periods_per_product_and_session(spark, env):
    rows = [
        f"p1,2026-01-01T00:00:00.000Z,,99,89,0,false,,,,{U}",
        f"p1,2026-01-02T00:00:00.000Z,,99,79,5,true,2026-01-02T20:00:00.000Z,"
        f"2026-01-02T21:00:00.000Z,,{U}",
        f"p1,2026-01-02T09:00:00.000Z,2026-01-02T11:00:00.000Z,99,69,0,false,,,s1,{U}",
        f"p404,2026-01-02T00:00:00.000Z,,1,1,0,false,,,,{U}",
        f"p1,2026-01-02T00:00:00.000Z,,99,79,5,maybe,,,,{U}",
    ]
    result = prices.transform(bronze_frame(spark, "prices", rows, DAY), env)

    silver, quarantine, _ = outcome(
        result, "session_id", "valid_from", "valid_to", "is_current", "is_flash_sale"
    )
    assert silver == [
        ("s1", datetime(2026, 1, 2, 9), datetime(2026, 1, 2, 11), True, False),
        (None, datetime(2026, 1, 1), datetime(2026, 1, 2), False, False),
        (None, datetime(2026, 1, 2), None, True, True),
    ]
    assert quarantine == [(5, "unknown_fk"), (6, "malformed")]
