"""Fixtures for silver transform tests: a test PII key and the dimensions' known keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livelake.jobs.silver.parsing import SilverEnv
from livelake.jobs.silver.pii import PiiKey
from tests.jobs.silver.transform_env import DAY, KEY


@pytest.fixture
def env(spark):
    """Delivery day 2026-01-02 with users u1,u2, anchor a1, product p1 and session s1 known."""

    def keys(*values: str):
        return spark.createDataFrame([(v,) for v in values], "key string")

    return SilverEnv(
        day=DAY,
        run_id="run-1",
        pii=PiiKey.from_secret(KEY),
        watermark_days=3,
        clock_skew_minutes=15,
        known={
            "users": keys("u1", "u2"),
            "anchors": keys("a1"),
            "products": keys("p1"),
            "live_sessions": keys("s1"),
        },
        now=datetime(2026, 1, 3, tzinfo=UTC),
    )
