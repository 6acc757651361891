"""The Python file `spark-submit` runs: one stage for one day, report written as JSON.

Usage (what `submit.py` builds): `spark-submit --master M spark_entry.py --stage silver
--day 2026-01-03 --report /tmp/report.json`. Exit 0 when the stage succeeded or had nothing
to do, 3 when it reported `failed` (a gate or bad input), 1 on a crash.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--day", required=True, type=date.fromisoformat)
    parser.add_argument("--report", required=True, type=Path)
    args = parser.parse_args(argv)

    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.orchestration.report_json import dumps
    from livelake.orchestration.submit import STAGE_FAILED_EXIT
    from livelake.orchestration.tasks import run_and_record

    cfg = settings()
    ctx = JobContext.create(cfg, job=f"spark-submit.{args.stage}")
    try:
        report = run_and_record(
            ctx.job(f"spark-submit.{args.stage}", args.day), args.stage, args.day
        )
        args.report.write_text(dumps(report))
    finally:
        ctx.spark.stop()
    return STAGE_FAILED_EXIT if report.status == "failed" else 0


if __name__ == "__main__":
    sys.exit(main())
