"""The column type names every declaration uses (`long`, `decimal(18,2)`, ...), and their
Arrow and Spark types.

A leaf module: the table registry and the feature declarations both name types, and neither
may import the other's package for it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from pyspark.sql.types import DataType

# Every CNY amount, in silver and in the money features: a fixed scale of 2 places (whole
# fen), so sums add exactly and a rerun gives the same value to the bit, whatever order Spark
# adds the rows in (float sums differ by ~1e-14 from one run to the next).
MONEY = "decimal(18,2)"
_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "long": pa.int64(),
    "int": pa.int32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "binary": pa.binary(),
}


# Types Delta keeps no min/max of (it refuses them in `delta.dataSkippingStatsColumns`).
_NO_MIN_MAX = frozenset({"boolean", "binary"})


def has_min_max(type_name: str) -> bool:
    """Whether Delta can keep min/max statistics of a column of this type."""
    return type_name not in _NO_MIN_MAX


def arrow_type(type_name: str) -> pa.DataType:
    """Map a declared type name (`long`, `decimal(18,2)`, …) to Arrow."""
    if type_name in _ARROW_TYPES:
        return _ARROW_TYPES[type_name]
    match = _DECIMAL.fullmatch(type_name)
    if match:
        return pa.decimal128(int(match[1]), int(match[2]))
    raise ValueError(f"unknown column type {type_name!r}; use one of {sorted(_ARROW_TYPES)}")


def spark_type(type_name: str) -> DataType:
    """Map a declared type name to Spark."""
    from pyspark.sql import types as T

    simple = {
        "string": T.StringType(),
        "long": T.LongType(),
        "int": T.IntegerType(),
        "double": T.DoubleType(),
        "boolean": T.BooleanType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
        "binary": T.BinaryType(),
    }
    if type_name in simple:
        return simple[type_name]
    match = _DECIMAL.fullmatch(type_name)
    if match:
        return T.DecimalType(int(match[1]), int(match[2]))
    raise ValueError(f"unknown column type {type_name!r}")
