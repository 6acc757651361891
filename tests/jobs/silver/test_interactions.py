"""silver/interactions: gift amounts typed and checked, optional product, FK checks."""

from __future__ import annotations

from decimal import Decimal

from livelake.jobs.silver import interactions
from tests.jobs.silver.landed import bronze_frame, event, outcome
from tests.jobs.silver.transform_env import DAY

T = "2026-01-02T10:05:00.000Z"


def test_gifts_comments_and_amount_defects(spark, env):
    lines = [
        event("i1", T, event_type="gift", session_id="s1", gift_value_cny="12.50"),
        event("i2", T, event_type="comment", session_id="s1", product_id=None),
        event("i3", T, event_type="gift", session_id="s1", gift_value_cny=-1),
        event("i4", T, event_type="gift", session_id="s1", gift_value_cny=2000000),
        event("i5", T, event_type="like", session_id="s1", product_id="p404"),
    ]
    result = interactions.transform(bronze_frame(spark, "interactions", lines, DAY), env)

    silver, quarantine, duplicates = outcome(result, "event_id", "event_type", "gift_value_cny")
    assert silver == [("i1", "gift", Decimal("12.50")), ("i2", "comment", None)]
    assert quarantine == [(3, "negative_amount"), (4, "out_of_range"), (5, "unknown_fk")]
    assert duplicates == []
