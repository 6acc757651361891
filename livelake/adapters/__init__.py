"""Real public behaviour logs -> the landing format (docs/landing-format.md).

`ingest(fmt, paths, landing_root)` maps Taobao UserBehavior, RetailRocket events or the Olist
multi-table export into `<landing>/<fmt>/dt=<day>/` deliveries that bronze ingests like any
other source. Rows that cannot be mapped are counted per reason in the manifests and in the
returned report; none is dropped silently.
"""

from __future__ import annotations

from pathlib import Path

from livelake.adapters.common import IngestReport, land

FORMATS = ("taobao", "retailrocket", "olist")

__all__ = ["FORMATS", "AdapterInputError", "IngestReport", "ingest"]


class AdapterInputError(ValueError):
    """The input files are not what the format expects (message says which and why)."""


def ingest(fmt: str, paths: list[Path], landing_root: Path) -> IngestReport:
    """Map `paths` (files; for olist the export folder or its CSV files) and land them."""
    if fmt not in FORMATS:
        raise AdapterInputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise AdapterInputError(f"input not found: {', '.join(missing)}")
    if fmt == "taobao":
        from livelake.adapters.taobao import adapt
    elif fmt == "retailrocket":
        from livelake.adapters.retailrocket import adapt
    else:
        from livelake.adapters.olist import adapt
    files = [Path(p) for p in paths]
    adapted = adapt(files)
    inputs = [f for p in files for f in (sorted(p.glob("*.csv")) if p.is_dir() else [p])]
    return land(adapted, landing_root, inputs)
