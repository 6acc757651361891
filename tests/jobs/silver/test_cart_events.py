"""silver/cart_events: product is required, quantities and prices typed."""

from __future__ import annotations

from decimal import Decimal

from livelake.jobs.silver import cart_events
from tests.jobs.silver.landed import bronze_frame, event, outcome
from tests.jobs.silver.transform_env import DAY

T = "2026-01-02T10:05:00.000Z"


def test_adds_removes_and_a_missing_product(spark, env):
    lines = [
        event(
            "c1",
            T,
            event_type="add",
            session_id="s1",
            product_id="p1",
            quantity=2,
            unit_price_cny=9.9,
        ),
        event("c2", T, event_type="remove", product_id="p1", quantity=1.0),
        event("c3", T, event_type="add", session_id="s1", product_id=None, quantity=1),
        event("c4", T, event_type="add", session_id="s1", product_id="p1", quantity="two"),
        event("c5", T, event_type="add", session_id="s1", product_id="p1", quantity="1"),
    ]
    result = cart_events.transform(bronze_frame(spark, "cart_events", lines, DAY), env)

    silver, quarantine, _ = outcome(result, "event_id", "quantity", "unit_price_cny")
    assert silver == [("c1", 2, Decimal("9.90")), ("c2", 1, None)]
    assert quarantine == [(3, "null_key"), (4, "malformed"), (5, "malformed")]
