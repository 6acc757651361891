"""Section `small_plans`: a demo-size day with small inputs compiled, then interpreted.

Below `adaptive_min_rows` a query is planned statically on one shuffle partition; since
2026-12-06 its expressions are also interpreted rather than compiled (`livelake.spark.
SMALL_INPUT_PLAN`). Both ways run here in one child process and one SparkSession, each day on
a fresh lake, alternating (compiled, interpreted, compiled, interpreted): the first pair pays
the JVM's warm-up, as a scheduler's first task of a day does; the second pair is the warm
case of `dag.test()` running a week in one process. Same landed day, same code otherwise
("compiled" is the small plan as it was before, except that bronze then planned adaptively).

Usage of the child: python -m benchmarks.small_plans LANDING_ROOT WORK_DIR DAY
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

from benchmarks.daily import QUICK_EVENTS
from benchmarks.landing import DAY, generated_day
from benchmarks.measure import cpu_seconds, emit, run_module
from livelake.orchestration.stage_runs import DONE

ORDER = ("compiled", "interpreted", "compiled", "interpreted")
SPARK_MASTER = "local[2]"
PII_KEY = "benchmark-pii-key-not-secret"


def run(work: Path, quick: bool) -> dict:
    landing = generated_day(work, QUICK_EVENTS)
    runs = work / "small-plans"
    return run_module("small_plans", landing["landing_root"], runs, DAY) | {
        "event_lines": landing["event_lines"]
    }


def _plans() -> dict[str, dict[str, str]]:
    from livelake.spark import (
        ADAPTIVE,
        CODEGEN_FACTORY,
        SHUFFLE_PARTITIONS,
        SMALL_INPUT_PLAN,
        WHOLE_STAGE_CODEGEN,
    )

    compiled = {ADAPTIVE: "false", SHUFFLE_PARTITIONS: "1"}
    assert set(SMALL_INPUT_PLAN) == {*compiled, WHOLE_STAGE_CODEGEN, CODEGEN_FACTORY}
    return {"compiled": compiled, "interpreted": dict(SMALL_INPUT_PLAN)}


def main(landing_root: str, work: Path, day: date) -> None:
    os.environ.update(
        LIVELAKE_LANDING_ROOT=landing_root,
        LIVELAKE_SPARK_MASTER=SPARK_MASTER,
        LIVELAKE_PII_KEY=PII_KEY,
        LIVELAKE_LAKE_ROOT=str(work / "warm-up"),
    )
    import livelake.spark
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.orchestration.tasks import execute_day

    plans = _plans()
    spark = JobContext.create(settings(), job="benchmark").spark
    spark.range(1).count()  # the JVM's start, paid by neither way
    days = []
    for i, way in enumerate(ORDER):
        # Readers inside the stages resolve the lake from the process settings.
        os.environ["LIVELAKE_LAKE_ROOT"] = str(work / f"lake-{i}-{way}")
        settings.cache_clear()
        livelake.spark.SMALL_INPUT_PLAN = plans[way]
        ctx = JobContext.create(settings(), job="benchmark", spark=spark)
        cpu = cpu_seconds()
        reports = execute_day(ctx, day)
        days.append(
            {
                "way": way,
                "warm": i >= 2,
                "status": sorted({r.status for r in reports}),
                "seconds": sum(r.seconds for r in reports),
                "cpu_seconds": cpu_seconds() - cpu,
                "stages": {r.stage: r.seconds for r in reports},
            }
        )
    spark.stop()
    emit({"days": days})


def _pair(r: dict, warm: bool) -> tuple[dict, dict]:
    chosen = {d["way"]: d for d in r["days"] if d["warm"] == warm}
    return chosen["compiled"], chosen["interpreted"]


def render(r: dict) -> list[str]:
    stages = list(r["days"][0]["stages"])
    lines = [
        f"## Small inputs compiled or interpreted: a demo-size day ({r['event_lines']:,} event"
        " lines), side by side in one SparkSession",
        "",
        "| run | plan | "
        + " | ".join(stages)
        + " | day s | CPU s | × compiled (wall) | × compiled (CPU) |",
        "|---|---|" + "---:|" * (len(stages) + 4),
    ]
    for warm in (False, True):
        compiled, interpreted = _pair(r, warm)
        for day in (compiled, interpreted):
            ratio = day["seconds"] / compiled["seconds"]
            cpu_ratio = day["cpu_seconds"] / compiled["cpu_seconds"]
            lines.append(
                f"| {'warm' if warm else 'first'} | {day['way']} | "
                + " | ".join(f"{day['stages'][s]:.1f}" for s in stages)
                + f" | {day['seconds']:.1f} | {day['cpu_seconds']:.1f} | {ratio:.2f} |"
                f" {cpu_ratio:.2f} |"
            )
    bad = [d for d in r["days"] if not set(d["status"]) <= set(DONE)]
    lines += [
        "",
        "Every stage done (ok, or nothing to do: `score` with no published model) in all four days."
        if not bad
        else f"Not all stages done: {bad}",
        "",
    ]
    return lines


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), date.fromisoformat(sys.argv[3]))
