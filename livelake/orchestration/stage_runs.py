"""Which stage ran for which day with which code, and how it ended (`audit/stage_runs`).

Backfills resume from this record: a day whose every stage has a successful row for the
current code is done. Rows are appended by the process that ran the stage, after it ran.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pyarrow.compute as pc

from livelake.lake.tables.audit import STAGE_RUNS
from livelake.version import code_version

if TYPE_CHECKING:
    from livelake.jobs.context import JobContext

DONE = ("ok", "nothing_to_do")


def record(
    ctx: JobContext, stage: str, day: date, status: str, message: str, seconds: float
) -> None:
    """Append the outcome of one stage run (`status` is a report status, or `error`)."""
    ctx.lake.append_records(
        STAGE_RUNS,
        [
            {
                "run_id": ctx.run.run_id,
                "day": day,
                "stage": stage,
                "status": status,
                "code_version": code_version(),
                "message": message[:2000],
                "seconds": float(seconds),
                "finished_at": datetime.now(UTC),
            }
        ],
        ctx.run,
    )


def completed_stages(
    lake_root: str, days: Iterable[date], version: str | None
) -> dict[date, set[str]]:
    """For each day, the stages whose latest run succeeded (with code `version`, if given)."""
    from livelake.lake.base import LakeError
    from livelake.lake.read import read_arrow

    wanted = sorted(set(days))
    done: dict[date, set[str]] = {day: set() for day in wanted}
    if not wanted:
        return done
    try:
        rows = read_arrow(
            STAGE_RUNS,
            columns=["day", "stage", "status", "code_version", "finished_at"],
            filter=pc.field("day").isin(wanted),
            lake_root=lake_root,
        ).to_pylist()
    except LakeError:
        return done  # no stage has been recorded yet
    latest: dict[tuple[date, str], dict] = {}
    for row in sorted(rows, key=lambda r: r["finished_at"]):
        latest[(row["day"], row["stage"])] = row
    for (day, stage), row in latest.items():
        if row["status"] in DONE and version in (None, row["code_version"]):
            done[day].add(stage)
    return done
