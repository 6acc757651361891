"""Two runs of one stage and day: the second stops in words and writes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date

import pytest
from typer.testing import CliRunner

from livelake.cli import app
from livelake.orchestration.stage_lock import CONFLICT_EXIT_CODE, RunConflictError, stage_lock

DAY = date(2026, 1, 1)
HOLDER = """
import sys
from datetime import date
from livelake.orchestration.stage_lock import stage_lock
with stage_lock(sys.argv[1], sys.argv[2], date(2026, 1, 1), "20260101T020000Z-holder00"):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin (or kills us)
"""


@pytest.fixture
def holder(lake_root):
    """Another process holding the lock of bronze for DAY, as a running stage would."""
    started = []

    def hold(stage: str = "bronze") -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(lake_root), stage],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().strip() == "held"
        started.append(process)
        return process

    yield hold
    for process in started:
        process.kill()
        process.wait()


def test_a_second_run_of_a_held_stage_says_who_holds_it(lake_root, holder):
    process = holder()
    loser = stage_lock(str(lake_root), "bronze", DAY, "20260101T030000Z-loser000")
    with pytest.raises(RunConflictError) as conflict, loser:
        pytest.fail("the lock was granted twice")
    message = str(conflict.value)
    assert message.startswith("another run of 2026-01-01 is running bronze (run ")
    assert "20260101T020000Z-holder00" in message and f"pid {process.pid}" in message
    assert "nothing of this run was published" in message
    # Other stages and days are not held.
    with (
        stage_lock(str(lake_root), "silver", DAY, "r"),
        stage_lock(str(lake_root), "bronze", date(2026, 1, 2), "r"),
    ):
        pass


def test_a_killed_holder_leaves_no_stale_lock(lake_root, holder):
    process = holder()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with stage_lock(str(lake_root), "bronze", DAY, "20260101T040000Z-after000"):
        lock = lake_root / "_locks" / "2026-01-01" / "bronze.lock"
        assert "20260101T040000Z-after000" in lock.read_text()


def test_livelake_run_against_a_held_stage_exits_75_and_writes_nothing(spark, lake_root, holder):
    holder("bronze")
    result = CliRunner().invoke(
        app,
        ["run", "--day", "2026-01-01", "--stage", "bronze", "--allow-empty"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == CONFLICT_EXIT_CODE
    flat = " ".join(result.output.split())
    assert "error: another run of 2026-01-01 is running bronze" in flat
    assert "Traceback" not in result.output
    # Not even a `started` row: audit/stage_runs and the ledger do not exist.
    assert not (lake_root / "audit").exists() and not (lake_root / "bronze").exists()
