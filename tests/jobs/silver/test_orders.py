"""silver/orders: status changes per order, receiver PII pseudonymised, anchors checked."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from livelake.jobs.silver import orders
from tests.jobs.silver.landed import bronze_frame, event, outcome
from tests.jobs.silver.transform_env import DAY, KEY

T = "2026-01-02T10:05:00.000Z"
ORDER = {
    "order_id": "o1",
    "session_id": "s1",
    "product_id": "p1",
    "anchor_id": "a1",
    "quantity": 2,
    "unit_price_cny": 50,
    "coupon_cny": 5,
    "amount_cny": 95,
    "payment_method": "alipay",
    "receiver_phone": "13800000000",
    "receiver_address": "路 1",
}


def test_status_changes_are_rows_and_pii_is_pseudonymised(spark, env):
    lines = [
        event("x1", T, event_type="created", **ORDER),
        event("x2", "2026-01-02T10:06:00.000Z", event_type="paid", **ORDER),
        event("x3", T, event_type="created", **{**ORDER, "anchor_id": "a404"}),
        event("x4", T, event_type="refunded", **ORDER),
    ]
    result = orders.transform(bronze_frame(spark, "orders", lines, DAY), env)

    silver, quarantine, _ = outcome(
        result, "event_id", "event_type", "order_id", "amount_cny", "receiver_phone_pseudonym"
    )
    phone = hmac.new(KEY.encode(), b"13800000000", hashlib.sha256).hexdigest()
    assert silver == [
        ("x1", "created", "o1", Decimal("95.00"), phone),
        ("x2", "paid", "o1", Decimal("95.00"), phone),
    ]
    assert quarantine == [(3, "unknown_fk"), (4, "invalid_value")]
    assert "receiver_phone" not in result.silver.columns
