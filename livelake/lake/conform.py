"""Make a DataFrame match its table's declaration, or say precisely why it cannot.

Pure DataFrame -> DataFrame functions used by both writers. Only lossless widenings are cast
silently; anything else is a `SchemaMismatchError` naming table, column and both types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from livelake.column_types import spark_type
from livelake.lake.base import SchemaMismatchError
from livelake.lake.registry import Table

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType

_SAFE_WIDENINGS = {
    ("int", "bigint"),
    ("smallint", "bigint"),
    ("tinyint", "bigint"),
    ("smallint", "int"),
    ("tinyint", "int"),
    ("float", "double"),
    ("int", "double"),
    ("bigint", "double"),
    ("void", "*"),
}


def _castable(source: DataType, target: DataType) -> bool:
    s, t = source.simpleString(), target.simpleString()
    if s == t or (s, t) in _SAFE_WIDENINGS or s == "void":
        return True
    # Decimals widen when neither integer digits nor scale shrink.
    if s.startswith("decimal") and t.startswith("decimal"):
        sp, ss = source.precision, source.scale  # type: ignore[attr-defined]
        tp, ts = target.precision, target.scale  # type: ignore[attr-defined]
        return ts >= ss and (tp - ts) >= (sp - ss)
    if t.startswith("decimal") and s in {"int", "bigint"}:
        return target.precision - target.scale >= (10 if s == "int" else 19)  # type: ignore[attr-defined]
    return False


def conform(df: DataFrame, table: Table, keep: Sequence[str] = ()) -> DataFrame:
    """Select the declared columns in declared order with declared types (then `keep`'s).

    Missing nullable columns become nulls; missing required columns, extra columns and
    lossy type changes are refused. The projection is SQL text, one py4j call per column.
    """
    present = {f.name: f.dataType for f in df.schema.fields}
    extra = sorted(set(present) - set(table.column_names) - set(keep))
    if extra:
        raise SchemaMismatchError(
            f"{table.qualified_name}: columns {extra} are not declared; declare them in "
            f"livelake.lake.tables or drop them before writing"
        )
    selected = []
    for column in table.columns:
        declared = spark_type(column.type)
        target = declared.simpleString()
        name = f"`{column.name}`"
        if column.name not in present:
            if not column.nullable:
                raise SchemaMismatchError(
                    f"{table.qualified_name}: required column {column.name!r} is missing"
                )
            selected.append(f"CAST(NULL AS {target}) AS {name}")
            continue
        source = present[column.name]
        if not _castable(source, declared):
            raise SchemaMismatchError(
                f"{table.qualified_name}: column {column.name!r} has type "
                f"{source.simpleString()} but the table declares {target}"
            )
        same = source.simpleString() == target
        selected.append(name if same else f"CAST({name} AS {target}) AS {name}")
    return df.selectExpr(*selected, *(f"`{k}`" for k in keep))


def merged_rows(current: DataFrame, incoming: DataFrame, keys: Sequence[str]) -> DataFrame:
    """Upsert: every incoming row, plus current rows whose key is not incoming."""
    kept = current.join(incoming.select(*keys).distinct(), on=list(keys), how="left_anti")
    return kept.unionByName(incoming)
