"""silver/session_products: explanation seconds derived, sessions and products checked."""

from __future__ import annotations

from datetime import date

from livelake.jobs.silver import session_products
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

U = "2026-01-02T10:00:00.000Z"


def test_segments_get_their_duration_in_seconds(spark, env):
    rows = [
        f"g1,s1,p1,2026-01-02T09:10:00.000Z,2026-01-02T09:12:30.000Z,{U}",
        f"g2,s1,p1,2026-01-02T09:20:00.000Z,,{U}",
        f"g3,s404,p1,2026-01-02T09:20:00.000Z,,{U}",
        f"g4,s1,,2026-01-02T09:20:00.000Z,,{U}",
    ]
    result = session_products.transform(bronze_frame(spark, "session_products", rows, DAY), env)

    silver, quarantine, _ = outcome(result, "segment_id", "explain_seconds", "segment_date")
    assert silver == [("g1", 150, date(2026, 1, 2)), ("g2", None, date(2026, 1, 2))]
    assert quarantine == [(4, "unknown_fk"), (5, "null_key")]
