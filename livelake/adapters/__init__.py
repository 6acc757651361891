"""Real public behaviour logs -> the landing format (docs/landing-format.md).

`ingest(fmt, paths, landing_root)` maps a log into `<landing>/<fmt>/dt=<day>/` deliveries that
bronze ingests like any other source: Taobao UserBehavior and RetailRocket events through
their shipped source mappings (`livelake.sources`), the Olist multi-table export through
code (its tables must be joined). Rows that cannot be mapped are counted per reason in the
manifests and in the returned report; none is dropped silently.
"""

from __future__ import annotations

from pathlib import Path

from livelake.sources.land import IngestReport, land

MAPPED = ("taobao", "retailrocket")  # shipped mappings: livelake/sources/shipped/<name>.toml
FORMATS = (*MAPPED, "olist")

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
    files = [Path(p) for p in paths]
    if fmt in MAPPED:
        from livelake.sources import SourceInputError, ingest_mapped

        try:
            return ingest_mapped(fmt, files, landing_root)
        except SourceInputError as exc:
            raise AdapterInputError(str(exc)) from None
    from livelake.adapters.olist import adapt

    adapted = adapt(files)
    inputs = [f for p in files for f in (sorted(p.glob("*.csv")) if p.is_dir() else [p])]
    return land(adapted, landing_root, inputs)
