"""Referential integrity against dimensions, checked inside the gate.

A table declares its foreign keys in the registry (`Table.foreign_keys`, silver's in
`livelake/lake/tables/silver.py`); a suite file may name more in `meta.livelake.references`, e.g.

    [{"column": "user_id", "table": "silver.users"},
     {"column": "dst_id", "table": "silver.anchors", "when": "edge_type IN ('follow', 'unfollow')"}]

(`key` names the referenced column when it is not the referenced table's first key; `when` is
an SQL condition limiting the rows the reference applies to). At gate time the staged rows
are looked up (`frame.py`) in the distinct keys of the referenced table — its
published rows plus the rows of it staged in the same publication, since silver publishes all
twelve tables together and a new user arrives with her first view — adding one column per
reference, `unknown_fk__<table>__<column>`: the foreign key when it is no known key, else null. The
suite expects that column to be null, so a failure lists the unknown keys themselves and the
landing file and line of their rows. A null foreign key references nothing and passes.

A referenced table that the lake has never published and this publication does not stage has
no keys to compare with (a gate run on an isolated table); its references are left out of
that run's suite rather than failing every row. The silver stage always stages every
dimension (empty ones included), so in the pipeline every reference is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livelake.jobs.quality.expectation import Severity, SuiteFileError, expectation, severity_of
from livelake.lake.registry import Table, UnknownTableError
from livelake.lake.registry import table as lookup_table

MARKER_PREFIX = "unknown_fk__"


@dataclass(frozen=True)
class Reference:
    """`column` of the gated table must be a `key` of `target` (where `when` holds)."""

    column: str
    target: Table
    key: str
    when: str | None = None
    severity: Severity = "error"

    @property
    def marker(self) -> str:
        """The column the gate adds: the foreign key when unknown, else null."""
        return f"{MARKER_PREFIX}{self.target.name}__{self.column}"

    @property
    def rule(self) -> str:
        where = f" when {self.when}" if self.when else ""
        return f"{self.column} is a known {self.target.qualified_name}.{self.key}{where}"

    def expectation(self) -> dict[str, Any]:
        return expectation(
            "expect_column_values_to_be_null",
            severity=self.severity,
            rule=self.rule,
            column=self.marker,
        )


def declared_references(table: Table) -> list[Reference]:
    """The table's declared foreign keys, each against its target's first key."""
    out = []
    for fk in table.foreign_keys:
        target = lookup_table(fk.references)
        out.append(Reference(fk.column, target, target.keys[0], fk.when))
    return out


def parse_references(path: Path, table: Table, declared: Any) -> list[Reference]:
    """`meta.livelake.references` of the suite file at `path` -> references, checked."""
    if declared is None:
        return []
    if not isinstance(declared, list):
        raise SuiteFileError(f"{path}: meta.livelake.references must be a list of objects")
    out = []
    for i, item in enumerate(declared, start=1):
        where = f"{path}: reference #{i}"
        if not isinstance(item, dict) or not {"column", "table"} <= item.keys():
            raise SuiteFileError(f"{where} needs 'column' and 'table'")
        unknown = set(item) - {"column", "table", "key", "when", "severity"}
        if unknown:
            raise SuiteFileError(f"{where} has unknown fields {sorted(unknown)}")
        column = item["column"]
        if column not in table.column_names:
            raise SuiteFileError(f"{where}: {table.qualified_name} has no column {column!r}")
        try:
            target = lookup_table(str(item["table"]).replace(".", "/", 1))
        except UnknownTableError as exc:
            raise SuiteFileError(f"{where}: {exc}") from None
        key = item.get("key") or (target.keys[0] if target.keys else None)
        if key not in target.column_names:
            raise SuiteFileError(f"{where}: {target.qualified_name} has no key column {key!r}")
        severity = severity_of({"severity": item.get("severity", "error")})
        reference = Reference(column, target, key, item.get("when"), severity)
        if any(r.marker == reference.marker for r in out):
            raise SuiteFileError(f"{where} repeats {column} -> {target.qualified_name}")
        out.append(reference)
    return out
