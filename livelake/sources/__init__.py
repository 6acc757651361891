"""Bring any behaviour log: declarative source mappings (docs/bring-your-own-log.md).

A mapping file (`sources/<name>.toml`, validated by `Mapping`) says how a log's files become
landing rows; `ingest_mapped` lands them day by day like any other delivery, every input row
either mapped or unmapped with a reason, file and line. The shipped mappings (`shipped()`,
`livelake sources list`) cover Taobao UserBehavior, RetailRocket and three other public
layouts.
"""

from __future__ import annotations

from pathlib import Path

from livelake.sources.apply import apply, input_files
from livelake.sources.land import IngestReport, land
from livelake.sources.mapping import Mapping, SourceMappingError, load_mapping
from livelake.sources.read import SourceInputError

SHIPPED = Path(__file__).parent / "shipped"

__all__ = [
    "Mapping",
    "SourceInputError",
    "SourceMappingError",
    "ingest_mapped",
    "load_mapping",
    "resolve",
    "shipped",
]


def shipped() -> dict[str, Path]:
    """The mappings that come with livelake, by name."""
    return {p.stem: p for p in sorted(SHIPPED.glob("*.toml"))}


def resolve(mapping: str | Path) -> Path:
    """A mapping file's path: the path given, or a shipped mapping's name."""
    path = Path(mapping)
    if path.exists() or path.suffix:
        return path
    if str(mapping) in shipped():
        return shipped()[str(mapping)]
    names = ", ".join(shipped())
    raise SourceMappingError(f"{mapping}: no such file, nor a shipped mapping ({names})")


def ingest_mapped(mapping: str | Path, paths: list[Path], landing_root: Path) -> IngestReport:
    """Map `paths` with the mapping and land one delivery per day under `landing_root`."""
    declared = load_mapping(resolve(mapping))
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise SourceInputError(f"input not found: {', '.join(missing)}")
    return land(apply(declared, paths), landing_root, input_files(paths, declared.formats))
