"""Tools of the fault-injection suite: run livelake in a child process, kill it -9 at a named
point, and compare every table with a content hash.

A kill point is reached in the child by a hook that `fault_child.py` installs around a lake
call (production code is untouched): the hook writes the run id to a marker file and waits;
the test sees the marker and kills the child's whole process group (Python and its JVM)
with SIGKILL. So each kill lands at an exact place, from outside, with nothing flushed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow.compute as pc

from livelake.lake.base import LakeError
from livelake.lake.read import read_arrow, read_table
from livelake.lake.registry import Table, all_tables
from livelake.lake.tables.audit import INGEST_LEDGER, STAGE_RUNS

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("fault_child.py")

# Columns that name the run or the moment, not the data.
RUN_COLUMNS = frozenset(
    {
        "run_id",
        "ingested_at",
        "published_at",
        "recorded_at",
        "validated_at",
        "quarantined_at",
        "purged_at",
        "finished_at",
        "seconds",
        "code_version",
    }
)
# The layers whose contents a run of a day must reproduce exactly. The audit tables are logs
# of attempts (one row per run, per file ingest attempt, per gate evaluation): a rerun adds
# rows by design, so the scenarios assert on them row by row instead.
DATA_LAYERS = ("bronze", "silver", "quarantine", "gold")
EMPTY = "empty"  # a table that does not exist yet reads as no rows, like an empty one


def data_tables() -> list[Table]:
    return all_tables(DATA_LAYERS)


def content_hash(declared: Table, lake_root: str, consistent: bool) -> str:
    """SHA-256 of the table's rows without the run columns, in a canonical order."""
    try:
        rows = read_table(
            declared.qualified_name, engine="arrow", lake_root=lake_root, consistent=consistent
        )
    except LakeError:
        return EMPTY  # no table, or no gated publication of it yet
    keep = [c for c in rows.column_names if c not in RUN_COLUMNS]
    lines = sorted(
        json.dumps(row, sort_keys=True, default=str) for row in rows.select(keep).to_pylist()
    )
    if not lines:
        return EMPTY
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def table_hashes(lake_root: Path | str, consistent: bool = True) -> dict[str, str]:
    """Every data table's content hash: as readers see it (`consistent`: the versions
    `audit/published_runs` names), or at its latest commit (`consistent=False`)."""
    return {t.qualified_name: content_hash(t, str(lake_root), consistent) for t in data_tables()}


def report(title: str, columns: dict[str, dict[str, str]], only_differing: bool = True) -> str:
    """A table per data table: one hash column per named state, for a failure message."""
    names = sorted({n for hashes in columns.values() for n in hashes})
    head = f"{'table':34}" + "".join(f"{c:>18}" for c in columns)
    lines = [title, head]
    for name in names:
        values = [hashes.get(name, "-") for hashes in columns.values()]
        if only_differing and len(set(values)) == 1:
            continue
        lines.append(f"{name:34}" + "".join(f"{v:>18}" for v in values))
    return "\n".join(lines)


def third_states(
    now: dict[str, str], before: dict[str, str], clean: dict[str, str]
) -> dict[str, str]:
    """The tables at neither their state before the run nor the clean run's."""
    return {n: h for n, h in now.items() if h not in (before[n], clean[n])}


def ledger(lake_root: Path | str, day: date) -> list[dict]:
    rows = read_arrow(
        INGEST_LEDGER, filter=pc.field("delivery_date") == day, lake_root=str(lake_root)
    )
    return rows.to_pylist()


def stage_runs(lake_root: Path | str, day: date) -> list[dict]:
    rows = read_arrow(STAGE_RUNS, filter=pc.field("day") == day, lake_root=str(lake_root))
    return rows.to_pylist()


# Child processes ----------------------------------------------------------------------


def child_env(lake_root: Path, landing_root: Path, pii_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVELAKE_")}
    return env | {
        "LIVELAKE_LAKE_ROOT": str(lake_root),
        "LIVELAKE_LANDING_ROOT": str(landing_root),
        "LIVELAKE_PII_KEY": pii_key,
        "LIVELAKE_SPARK_MASTER": "local[1]",
        "LIVELAKE_DRIVER_MEMORY": "1g",
        "LIVELAKE_SHUFFLE_PARTITIONS": "1",
        "LIVELAKE_DELTA_WRITER": "delta-rs",  # the kill hooks wrap the delta-rs writer
        "COLUMNS": "200",  # rich wraps at the terminal width: keep run ids on one line
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class Finished:
    returncode: int
    output: str


@dataclass
class Killed:
    run_id: str  # the run the hook stopped
    output: str


class Child:
    """`livelake ARGS` in a child process of its own session, optionally stopped at a point."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        log: Path,
        kill_at: str | None = None,
        hold: bool = False,
    ) -> None:
        """`hold`: at `kill_at` the child pauses until `release()` instead of awaiting a kill."""
        self.log = log
        self.marker = log.with_suffix(".reached")
        self.released = log.with_suffix(".released")
        self.marker.unlink(missing_ok=True)
        self.released.unlink(missing_ok=True)
        hook = ["--kill-at", kill_at, "--marker", str(self.marker)] if kill_at else []
        hook += ["--release", str(self.released)] if kill_at and hold else []
        self._out = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), *hook, "--", *args],
            cwd=REPO,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the JVM goes with it
        )

    def output(self) -> str:
        if not self._out.closed:
            self._out.flush()
        return self.log.read_text(errors="replace")

    def wait(self, timeout: float = 900) -> Finished:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise
        self._out.close()
        return Finished(code, self.output())

    def reached(self, timeout: float = 900) -> str:
        """Wait for the hook's marker; the run id it names."""
        deadline = time.monotonic() + timeout
        while not self.marker.exists() or not self.marker.read_text():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the child exited ({self.proc.returncode}) before its kill point:\n"
                    + self.output()[-3000:]
                )
            if time.monotonic() > deadline:
                self._kill()
                raise TimeoutError(f"kill point not reached in {timeout}s: {self.log}")
            time.sleep(0.1)
        return self.marker.read_text().strip()

    def release(self) -> None:
        """Let a held child go on."""
        self.released.touch()

    def kill_when_reached(self, timeout: float = 900) -> Killed:
        """Wait for the hook's marker, then SIGKILL the child's process group."""
        run_id = self.reached(timeout)
        self._kill()
        self._out.close()
        return Killed(run_id, self.output())

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # it ended by itself
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # its JVM too: the group is empty
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        raise AssertionError(f"processes of group {self.proc.pid} outlived SIGKILL")
