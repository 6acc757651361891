"""The package's layers: data flows landing -> bronze -> silver -> gold -> gates -> training,
and no import (at module level, inside a function or for type checking) runs back up.

import-linter would be the usual tool, but its graph builder (grimp) only walks a package's own
folder, and `jobs/` and `features/` are mapped into `livelake` from beside it (pyproject's
`package-dir`). So this reads every module's imports with `ast`, the same set grimp would.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Top to bottom. A module may import its own part or any part of a lower layer, never a part
# of a higher layer and never a sibling part of its own layer (siblings are independent).
LAYERS: list[tuple[str, ...]] = [
    ("livelake.cli",),
    ("livelake.demo",),
    ("livelake.dashboard",),
    ("livelake.orchestration",),
    ("livelake.summary",),
    ("livelake.model", "livelake.retrieval"),
    ("livelake.jobs.runner",),
    ("livelake.jobs.bronze", "livelake.jobs.silver", "livelake.jobs.gold"),
    ("livelake.jobs.publish",),
    ("livelake.jobs.quality",),
    ("livelake.jobs.context", "livelake.jobs.report", "livelake.jobs.cost"),
    ("livelake.generator", "livelake.adapters"),
    ("livelake.sources",),
    ("livelake.landing", "livelake.kpi_catalog", "livelake.experiments"),
    ("livelake.lake",),
    ("livelake.features",),
    ("livelake.spark_server",),
    ("livelake.spark",),
    ("livelake.connect",),
    ("livelake.config", "livelake.jars"),
    ("livelake.column_types", "livelake.version"),
]
# The package itself (`import livelake`, its version and the read_table shortcut) may be
# imported from anywhere; it imports the lake only inside the shortcut.
PACKAGE = "livelake"


def _modules() -> dict[str, Path]:
    """Every module of the installed package, by dotted name, found through pyproject."""
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    found: dict[str, Path] = {}
    for package in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]:
        base = max((p for p in mapping if package == p or package.startswith(p + ".")), key=len)
        folder = ROOT / mapping[base] / Path(*package[len(base) :].strip(".").split(".") or [""])
        for path in folder.glob("*.py"):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            found[name] = path
    return found


def _imports(path: Path) -> set[tuple[str, int]]:
    """(module, line) of every absolute `livelake` import in the file, wherever it sits."""
    names: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add((node.module, node.lineno))
            names.update((f"{node.module}.{a.name}", node.lineno) for a in node.names)
        elif isinstance(node, ast.Import):
            names.update((a.name, node.lineno) for a in node.names)
    return {(n, line) for n, line in names if n == PACKAGE or n.startswith(PACKAGE + ".")}


def _part(module: str) -> tuple[int, str] | None:
    """(layer index, part) of a module: its longest declared prefix."""
    matches = [
        (index, part)
        for index, parts in enumerate(LAYERS)
        for part in parts
        if module == part or module.startswith(part + ".")
    ]
    return max(matches, key=lambda m: len(m[1])) if matches else None


def test_every_module_has_a_layer():
    modules = _modules()
    assert len(modules) > 100
    unplaced = sorted(
        m for m in modules if m != PACKAGE and m != "livelake.jobs" and _part(m) is None
    )
    assert unplaced == [], f"add these modules to a layer in LAYERS: {unplaced}"


def test_no_import_runs_up_a_layer_or_across_to_a_sibling():
    broken = []
    for module, path in sorted(_modules().items()):
        here = _part(module)
        if here is None:
            continue
        for imported, line in sorted(_imports(path)):
            there = _part(imported)
            if there is None or there[1] == here[1]:
                continue
            if there[0] <= here[0]:
                kind = "sibling" if there[0] == here[0] else "higher layer"
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {imported} ({kind})")
    assert broken == []
