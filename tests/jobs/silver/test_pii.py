"""The Spark-native HMAC equals Python's hmac module, for short, long and non-ASCII input."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pyspark.sql import functions as F

from livelake.jobs.silver.pii import MissingPiiKeyError, PiiKey, pseudonym


@pytest.mark.parametrize("secret", ["k", "test-pii-key-not-secret", "x" * 64, "long" * 40, "密钥"])
def test_pseudonym_equals_python_hmac_sha256(spark, secret):
    values = ["13800000000", "张三", "", "192.168.0.1", None]
    frame = spark.createDataFrame([(v,) for v in values], "value string")
    rows = frame.select(pseudonym(F.col("value"), PiiKey.from_secret(secret)).alias("p")).collect()

    expected = [
        None if v is None else hmac.new(secret.encode(), v.encode(), hashlib.sha256).hexdigest()
        for v in values
    ]
    assert [r["p"] for r in rows] == expected


@pytest.mark.parametrize("secret", [None, ""])
def test_a_missing_key_is_refused_with_what_to_set(secret):
    with pytest.raises(MissingPiiKeyError, match="LIVELAKE_PII_KEY"):
        PiiKey.from_secret(secret)
