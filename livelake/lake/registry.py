"""The table registry: every lake table is declared once, as data.

A `Table` names its layer, columns (type, nullability, meaning, allowed values and bounds),
partition columns, keys and foreign keys. Writers conform DataFrames to it, readers cast to
it, gates derive key, not-null, value-set, bounds and foreign-key checks from it, and
`livelake tables` lists it. Declarations live in `livelake.lake.tables.<layer>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pyarrow as pa

from livelake.column_types import arrow_type, has_min_max, spark_type

if TYPE_CHECKING:
    from pyspark.sql.types import StructType

Layer = Literal["bronze", "silver", "quarantine", "gold", "audit"]
LAYERS: tuple[Layer, ...] = ("bronze", "silver", "quarantine", "gold", "audit")
# The Delta table property naming the columns whose min/max a writer keeps in the log.
STATS_COLUMNS_PROPERTY = "delta.dataSkippingStatsColumns"


class UnknownTableError(KeyError):
    """Asked for a table nobody declared."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Column:
    """One column: name, declared type, nullability and what it means (with units)."""

    name: str
    type: str
    nullable: bool = True
    doc: str = ""
    # Raw lines and free text: no min/max statistics in the Delta log, where they would copy
    # values (PII a source sent) verbatim into every reader's metadata.
    free_text: bool = False
    allowed: tuple[str, ...] = ()  # the only values a non-null cell may hold
    bounds: tuple[float | None, float | None] | None = None  # inclusive (min, max); None = open
    # Drift checks (jobs/quality/drift.py): days of history before its daily values level off
    # (None: it grows for the life of the lake), and whether its mean says anything at all.
    warmup_days: int | None = 0
    drift: bool = True

    def __post_init__(self) -> None:
        arrow_type(self.type)  # fail at declaration time, not at first write


@dataclass(frozen=True)
class ForeignKey:
    """`column` must be a key of the table `references` (`layer/name`) where `when` (SQL) holds.

    The key is the referenced table's first key column.
    """

    column: str
    references: str
    when: str | None = None

    @property
    def dimension(self) -> str:
        """The referenced table's bare name (`users` for `silver/users`)."""
        return self.references.split("/", 1)[1]


def col(
    name: str,
    type_: str,
    doc: str = "",
    *,
    nullable: bool = True,
    free_text: bool = False,
    warmup_days: int | None = 0,
    drift: bool = True,
) -> Column:
    """Shorthand used by the declaration modules."""
    return Column(name, type_, nullable, doc, free_text, warmup_days=warmup_days, drift=drift)


def key(name: str, type_: str = "string", doc: str = "") -> Column:
    """A non-nullable key column."""
    return Column(name, type_, False, doc)


@dataclass(frozen=True)
class Table:
    """A lake table: where it lives, its grain, schema, partitioning and keys."""

    layer: Layer
    name: str
    grain: str
    columns: tuple[Column, ...]
    partition_by: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    description: str = ""
    append_only: bool = False
    foreign_keys: tuple[ForeignKey, ...] = ()
    # A stage publishes it through its gate, and audit/published_runs names each published
    # version (readers see only those by default). None: silver, quarantine and gold are;
    # bronze and the audit ledgers are written directly, each commit complete.
    gated: bool | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        referencing = [fk.column for fk in self.foreign_keys]
        missing = [n for n in (*self.partition_by, *self.keys, *referencing) if n not in names]
        if missing:
            raise ValueError(
                f"{self.qualified_name}: keys/partitions/foreign keys {missing} are not columns"
            )
        if len(set(names)) != len(names):
            raise ValueError(f"{self.qualified_name}: duplicate column names")

    @property
    def qualified_name(self) -> str:
        """`layer/name`, also the table's path below the lake root."""
        return f"{self.layer}/{self.name}"

    @property
    def published_by_gate(self) -> bool:
        """Whether `audit/published_runs` names the versions readers should see."""
        return self.layer in ("silver", "quarantine", "gold") if self.gated is None else self.gated

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def free_text_columns(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.free_text)

    @property
    def delta_properties(self) -> dict[str, str]:
        """The table properties both writers create the table with: the columns Delta keeps
        min/max statistics of in its log. A free-text column holds text as a source sent it
        (raw lines, drifted fields), which must not be copied into the log readers see."""
        if not self.free_text_columns:
            return {}
        indexed = [
            c.name
            for c in self.columns
            if has_min_max(c.type)
            and c.name not in self.free_text_columns
            and c.name not in self.partition_by
        ]
        return {STATS_COLUMNS_PROPERTY: ",".join(indexed)}

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.qualified_name} has no column {name!r}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in self.columns]
        )

    def spark_schema(self) -> StructType:
        from pyspark.sql.types import StructField, StructType

        return StructType(
            [StructField(c.name, spark_type(c.type), c.nullable) for c in self.columns]
        )


_TABLES: dict[str, Table] = {}


def register(*tables: Table) -> None:
    """Add declarations to the registry; a name may be declared only once."""
    for table in tables:
        if table.qualified_name in _TABLES and _TABLES[table.qualified_name] != table:
            raise ValueError(f"table {table.qualified_name} is declared twice")
        _TABLES[table.qualified_name] = table


def _load_declarations() -> None:
    from livelake.lake import tables  # noqa: F401 - importing registers them


def table(name: str) -> Table:
    """Look a table up by `layer/name` (or by bare name when it is unambiguous)."""
    _load_declarations()
    if name in _TABLES:
        return _TABLES[name]
    matches = [t for t in _TABLES.values() if t.name == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        options = ", ".join(t.qualified_name for t in matches)
        raise UnknownTableError(f"table name {name!r} is ambiguous: say one of {options}")
    raise UnknownTableError(
        f"no table {name!r} is declared; `livelake tables` lists the {len(_TABLES)} that are"
    )


def all_tables(layers: Iterable[Layer] = LAYERS) -> list[Table]:
    """Every declared table, ordered by layer then name."""
    _load_declarations()
    wanted = list(layers)
    return sorted(
        (t for t in _TABLES.values() if t.layer in wanted),
        key=lambda t: (LAYERS.index(t.layer), t.name),
    )
