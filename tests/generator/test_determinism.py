"""A seed fully determines the landing bytes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from livelake.generator import GeneratorConfig, generate

SMALL = {"start": date(2026, 1, 1), "days": 4, "users": 500, "events_per_day": 4_000}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    generate(GeneratorConfig(seed=5, **SMALL), tmp_path / "a")
    generate(GeneratorConfig(seed=5, **SMALL), tmp_path / "b")
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(first) > 40
    assert first == second


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(GeneratorConfig(seed=5, **SMALL), tmp_path / "a")
    generate(GeneratorConfig(seed=6, **SMALL), tmp_path / "b")
    name = "platform/dt=2026-01-01/exports/live_sessions.csv"
    assert _tree(tmp_path / "a")[name] != _tree(tmp_path / "b")[name]


def test_regenerating_replaces_a_delivery_instead_of_mixing(tmp_path: Path) -> None:
    generate(GeneratorConfig(seed=5, **SMALL), tmp_path)
    stray = tmp_path / "platform/dt=2026-01-02/events/views/views-2026-01-02T23.jsonl.gz"
    stray.write_bytes(b"left over")
    generate(GeneratorConfig(seed=5, **SMALL), tmp_path)
    assert not stray.exists()


def test_defects_do_not_change_the_simulated_truth(tmp_path: Path) -> None:
    generate(GeneratorConfig(seed=5, **SMALL), tmp_path / "with")
    generate(GeneratorConfig.without_defects(seed=5, **SMALL), tmp_path / "without")
    name = "platform/dt=2026-01-02/exports/session_products.csv"
    assert _tree(tmp_path / "with")[name] == _tree(tmp_path / "without")[name]


def test_invalid_config_names_the_problem() -> None:
    with pytest.raises(ValueError, match="days must be >= 1"):
        GeneratorConfig(start=date(2026, 1, 1), days=0, users=500, events_per_day=4_000, seed=1)
