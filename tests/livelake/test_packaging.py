"""The top-level folders are parts of one package: every package folder must be listed."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = config["package-dir"]
    found = set()
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            parts = [p for p in relative.parts if p]
            if any(p.startswith((".", "_")) or p == "__pycache__" for p in parts):
                continue
            name = ".".join([package, *parts])
            # a sub-folder mapped elsewhere (livelake/jobs would shadow jobs/) is not ours
            if not any(
                name.startswith(other + ".") or name == other
                for other in mapping
                if other != package and other.startswith(package)
            ):
                found.add(name)
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


def test_livelake_imports_as_one_package():
    import livelake.features
    import livelake.lake

    assert livelake.lake.__file__.endswith("livelake/lake/__init__.py")
    assert livelake.features.__file__.endswith("features/__init__.py")
