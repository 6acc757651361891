"""livelake: a batch data platform for live-stream e-commerce.

`livelake.read_table("silver/views", engine="polars")` reads any lake table without a JVM.
"""

from __future__ import annotations

from typing import Any

from livelake.version import __version__ as __version__


def read_table(
    name: str, as_of_version: int | None = None, engine: str = "polars", **kwargs: Any
) -> Any:
    """Read a lake table into polars / pandas / duckdb / arrow (see livelake.lake.read)."""
    from livelake.lake.read import read_table as _read_table

    return _read_table(name, as_of_version=as_of_version, engine=engine, **kwargs)  # type: ignore[arg-type]
