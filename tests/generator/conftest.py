"""Generated landings shared by the generator tests (each generated once per session)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from livelake.generator import GeneratorConfig, generate

#: Calibration run: >= 200k event lines, defects off (the metrics read the truth directly).
CALIBRATION = {"start": date(2026, 1, 1), "days": 10, "users": 4_000, "events_per_day": 25_000}
#: Defect run: default defect rates, long enough for late (D+3) and too-late deliveries.
DEFECTIVE = {"start": date(2026, 3, 1), "days": 5, "users": 2_000, "events_per_day": 20_000}


@pytest.fixture(scope="session")
def calibration_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("calibration")
    report = generate(GeneratorConfig.without_defects(seed=7, **CALIBRATION), root)
    assert report.event_rows >= 200_000
    return root


@pytest.fixture(scope="session")
def defective_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("defective")
    # amount defects at 0.5% so a short run surely has some (orders are ~2% of lines)
    amounts = {"negative_amount": 0.005, "absurd_amount": 0.005}
    generate(GeneratorConfig(seed=11, order_defect_rates=amounts, **DEFECTIVE), root)
    return root
