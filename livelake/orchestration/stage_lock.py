"""One stage of one day runs once at a time: a second run of the same stage and day stops
with words, instead of racing the first one's staged files and ledger rows.

The lock is an exclusive `flock` on `<lake>/_locks/<day>/<stage>.lock`, taken before the
stage records that it started. The kernel releases it when its process ends, killed or not,
so a crash never leaves a stale lock to clean up. The file keeps the holder's pid, host, run
id and start time for the loser's message. Locks live in the lake's local home, where its GE
project lives too (`reports_root`, else a lake on a local or mounted filesystem itself), so
they guard the runs that share that folder; between machines writing one object store,
Delta's commit conflicts are the guard.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from livelake.jobs.quality.gx_context import is_local, local_path

# EX_TEMPFAIL (sysexits.h): the same command can succeed later, once the other run is done.
CONFLICT_EXIT_CODE = 75


class RunConflictError(RuntimeError):
    """Another process is running this stage for this day; this run wrote nothing."""


def _holder(text: str) -> str:
    try:
        held = json.loads(text)
    except ValueError:
        return ""
    return f" (run {held['run_id']}, pid {held['pid']} on {held['host']}, since {held['since']})"


@contextmanager
def stage_lock(lake_root: str, stage: str, day: date, run_id: str) -> Iterator[None]:
    """Hold the lock of `stage` for `day` for the block; raise `RunConflictError` at once
    when another process holds it."""
    if not is_local(lake_root):
        yield
        return
    path = local_path(lake_root) / "_locks" / day.isoformat() / f"{stage}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise RunConflictError(
                f"another run of {day} is running {stage}{_holder(handle.read())}; nothing "
                f"of this run was published. Run the same command again once it has finished "
                f"(exit code {CONFLICT_EXIT_CODE}: try again later)."
            ) from None
        handle.seek(0)
        handle.truncate()
        holder = {
            "run_id": run_id,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        json.dump(holder, handle)
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
