"""What both writers read from a table's Delta log, with delta-rs and no JVM.

A table may be written by either writer (or both, over its life), so commit metadata, schema
checks and token look-ups read the log the same way whoever wrote it: delta-rs records
livelake's run metadata as commit-info keys, delta-spark as the JSON of its `userMetadata`.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable, Field, Schema

from livelake.lake.base import TOKEN_KEY, LakeError, SchemaMismatchError
from livelake.lake.registry import Table


def commits(dt: DeltaTable, limit: int | None = None) -> list[dict[str, Any]]:
    """Commits newest first, livelake's run metadata as top-level keys whichever writer
    committed them."""
    return [{**_user_metadata(c.get("userMetadata")), **c} for c in dt.history(limit)]


def _user_metadata(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:  # another tool's free text
        return {}
    return value if isinstance(value, dict) else {}


def paths(dt: DeltaTable) -> set[str]:
    """The data files of the loaded version."""
    return set(pa.table(dt.get_add_actions(flatten=False)).column("path").to_pylist())


def version_of_token(uri: str, token: str, after: int | None, name: str) -> int:
    """The version whose commit carries `token`, searched among the versions after `after`
    (all of them when None); a commit that cannot be found is an error, never a guess."""
    dt = DeltaTable(uri)
    newer = None if after is None else dt.version() - after
    for commit in commits(dt, newer):
        if commit.get(TOKEN_KEY) == token:
            return int(commit["version"])
    raise LakeError(
        f"{name}: no commit after version {after} carries token {token!r}, though the write "
        "returned; look at `livelake history` before rerunning"
    )


def _fields(schema: Schema) -> dict[str, str]:
    return {f["name"]: json.dumps(f["type"]) for f in json.loads(schema.to_json())["fields"]}


def added_columns(table: Table, dt: DeltaTable) -> list[Field]:
    """The declared columns the table lacks. Additive nullable columns are accepted; type
    changes, dropped columns and new required columns are refused."""
    current = _fields(dt.schema())
    declared_schema = Schema.from_arrow(table.arrow_schema())
    declared = _fields(declared_schema)
    for name, current_type in current.items():
        if name not in declared:
            raise SchemaMismatchError(
                f"{table.qualified_name}: column {name!r} exists in the table but is no "
                f"longer declared; dropping columns needs a migration"
            )
        if declared[name] != current_type:
            raise SchemaMismatchError(
                f"{table.qualified_name}: column {name!r} is {json.loads(current_type)} "
                f"in the table but declared as {json.loads(declared[name])}; an "
                f"incompatible type change needs a new table or a migration"
            )
    new_fields = [f for f in declared_schema.fields if f.name not in current]
    required = [f.name for f in new_fields if not f.nullable]
    if required:
        raise SchemaMismatchError(
            f"{table.qualified_name}: new columns {required} must be nullable to be added"
        )
    return new_fields
