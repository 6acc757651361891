"""The PII scan the silver and fault-injection tests share: planted values searched in every
Parquet file's values and every Delta log entry below a folder."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq


def pii_hits(folder: Path, planted: set[str]) -> list[tuple[str, str]]:
    """(file, value) for each planted value found in a Parquet file's values or in a Delta
    log entry anywhere below `folder`."""
    found: list[tuple[str, str]] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".parquet":
            text = str(pq.read_table(path).to_pylist())
        elif path.suffix == ".json" and path.parent.name == "_delta_log":
            text = path.read_text()
        else:
            continue
        found += [(str(path), value) for value in sorted(planted) if value in text]
    return found
