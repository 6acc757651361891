"""`livelake ARGS`, stopped at a kill point: what the fault-injection suite runs as a child.

    python tests/integration/fault_child.py [--kill-at POINT --marker FILE [--release FILE]]
        -- run --day D

POINT is one of
  `commit:<table>:before`  inside the commit of a staged write to <table>: its data files are
                           in the table folder, its Delta log entry is not written yet;
  `commit:<table>:after`   the same commit's log entry is written, nothing after it is;
  `published:<stage>`      the stage's publication is recorded (`audit/published_runs`; for
                           bronze, the ingest ledger), its `audit/stage_runs` outcome is not.
  `stage:<table>`          a job is about to have Spark write <table>'s staged files (a
                           Spark Connect server killed here dies mid-task).

At the point the hook writes the run id to the marker and waits for the test to kill the
process group, or, given `--release`, holds there until that file exists and then goes on
(a run paused mid-publish, for a second writer to meet). The hooks wrap the delta-rs
writer's methods in this process only.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path


def _stop_here(marker: Path, run_id: str, release: Path | None) -> None:
    scratch = marker.with_suffix(".tmp")
    scratch.write_text(run_id)
    scratch.rename(marker)
    if release is None:
        threading.Event().wait()  # until SIGKILL
    while not release.exists():
        time.sleep(0.1)


def install(point: str, marker: Path, release: Path | None) -> None:
    from livelake.lake.delta_rs import DeltaRsLake, DeltaRsStagedWrite
    from livelake.lake.tables.audit import INGEST_LEDGER, PUBLISHED_RUNS

    kind, _, rest = point.partition(":")
    if kind == "commit":
        name, _, when = rest.rpartition(":")
        if when not in ("before", "after"):
            raise SystemExit(f"bad kill point {point!r}")
        commit = DeltaRsStagedWrite.commit

        def hooked_commit(self, ctx, token=None):
            if self.table.qualified_name != name:
                return commit(self, ctx, token)
            if when == "before":
                _stop_here(marker, ctx.run_id, release)
            result = commit(self, ctx, token)
            if when == "after":
                _stop_here(marker, ctx.run_id, release)
            return result

        DeltaRsStagedWrite.commit = hooked_commit
    elif kind == "published":
        append_records = DeltaRsLake.append_records

        def hooked_append(self, table, records, ctx, token=None):
            result = append_records(self, table, records, ctx, token)
            if table == PUBLISHED_RUNS and any(r.get("stage") == rest for r in records):
                _stop_here(marker, ctx.run_id, release)
            ingested = any(r.get("outcome") == "ingested" for r in records)
            if table == INGEST_LEDGER and rest == "bronze" and ingested:
                _stop_here(marker, ctx.run_id, release)
            return result

        DeltaRsLake.append_records = hooked_append
    elif kind == "stage":
        stage = DeltaRsLake.stage

        def hooked_stage(self, table, *args, **kwargs):
            if table.qualified_name == rest:
                _stop_here(marker, "staging", release)
            return stage(self, table, *args, **kwargs)

        DeltaRsLake.stage = hooked_stage
    else:
        raise SystemExit(f"bad kill point {point!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kill-at")
    parser.add_argument("--marker", type=Path)
    parser.add_argument("--release", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    args = options.args[1:] if options.args[:1] == ["--"] else options.args
    if options.kill_at:
        install(options.kill_at, options.marker, options.release)
    from livelake.cli import main as livelake

    sys.argv = ["livelake", *args]
    livelake()


if __name__ == "__main__":
    main()
