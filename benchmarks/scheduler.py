"""Section `scheduler`: a demo-size day under a real Airflow scheduler against `dag.test()`.

The same landed day goes into two fresh lakes:
- `dag.test()`: `livelake_daily` in one process, every task on one in-process SparkSession
  (what `make demo` does);
- the scheduler: the same DAG triggered through the REST API of a running Airflow 3
  (api-server, scheduler, dag-processor, triggerer; LocalExecutor, two tasks at a time,
  SQLite, 127.0.0.1), every task a process of its own and a client of one local Spark
  Connect server (`livelake spark start`, started beforehand and not timed: a service, like
  the scheduler, as `make airflow` runs it).

A task's overhead is its wall time (Airflow's task-instance duration) minus the seconds its
stage recorded in `audit/stage_runs` (the stage's own work, its Spark jobs included): process
start, imports, the task runner and the session. [connect] targets: median overhead of the
stage tasks ≤ 3 s under the scheduler; the day (DAG run start to end) ≤ 1.5× dag.test().
CPU seconds count every process of each way (the scheduler's, its finished task processes
and the Connect server's JVM). The two lakes' data tables are compared by content hash.

Usage of the child: python -m benchmarks.scheduler LANDING_ROOT LAKE_ROOT AIRFLOW_HOME
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks.daily import QUICK_EVENTS
from benchmarks.landing import DAY, generated_day
from benchmarks.measure import cpu_seconds, emit, run_module
from benchmarks.pipeline import PII_KEY

DAG_ID = "livelake_daily"
TARGET_TASK_OVERHEAD_SECONDS = 3.0
TARGET_VS_DAG_TEST = 1.5
# Tasks that are not stages record no stage run: their whole time is theirs.
NOT_STAGES = ("wait_for_delivery", "audit_reports")


def lake_env(landing_root: str, lake_root: Path) -> dict[str, str]:
    return {
        "LIVELAKE_LAKE_ROOT": str(lake_root),
        "LIVELAKE_LANDING_ROOT": landing_root,
        "LIVELAKE_PII_KEY": PII_KEY,
    }


def stage_seconds(lake_root: Path) -> dict[str, float]:
    """What each stage recorded as its own seconds for the benchmark day."""
    import polars as pl

    from livelake.lake.read import read_table

    runs = read_table("audit/stage_runs", lake_root=str(lake_root)).filter(
        pl.col("day") == DAY, pl.col("status") != "started"
    )
    return dict(runs.select("stage", "seconds").rows())


def dag_test(landing_root: str, lake_root: Path, home: Path) -> None:
    """Child: the day through dag.test() in this process."""
    os.environ.update(lake_env(landing_root, lake_root), LIVELAKE_SPARK_MASTER="local[2]")
    from livelake.orchestration.local_airflow import run_daily_dag, use_airflow_home

    use_airflow_home(home)
    started, cpu = time.perf_counter(), cpu_seconds(reaped=True)
    (outcome,) = run_daily_dag([DAY])
    emit(
        {
            "state": outcome.state,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": cpu_seconds(reaped=True) - cpu,
            "task_seconds": outcome.task_seconds,
        }
    )


def scheduled(landing_root: str, lake_root: Path, home: Path, timeout: float) -> dict:
    """The day through a running Airflow whose tasks are Spark Connect clients."""
    from livelake import spark_server
    from livelake.config import load_settings
    from tests.integration.airflow_stack import airflow_stack, run_dag, task_instances
    from tests.integration.spark_cluster import free_port

    server = load_settings(run_dir=str(home / "spark"), spark_master="local[2]")
    env = lake_env(landing_root, lake_root) | {
        "LIVELAKE_SPARK_REMOTE": spark_server.start(server, free_port()).remote,
        # With catchup off the scheduler also starts today's interval, which waits for a
        # delivery that never comes; max_active_runs=1 holds the benchmark day behind it.
        "LIVELAKE_DELIVERY_TIMEOUT_MINUTES": "1",
        "LIVELAKE_DELIVERY_POKE_SECONDS": "5",
    }
    try:
        with airflow_stack(home / "airflow", env) as stack:
            run_id = f"benchmark__{DAY.isoformat()}"
            cpu = cpu_seconds(reaped=True)
            run = run_dag(stack, DAG_ID, run_id, f"{DAY.isoformat()}T00:00:00Z", timeout)
            cpu = cpu_seconds(reaped=True) - cpu
            tasks = task_instances(stack, DAG_ID, run_id)
    finally:
        spark_server.stop(server)
    return {
        "state": run["state"],
        "seconds": (
            datetime.fromisoformat(run["end_date"]) - datetime.fromisoformat(run["start_date"])
        ).total_seconds(),
        # From trigger to end, so it includes the wait behind today's interval's run.
        "cpu_seconds": cpu,
        "task_seconds": {t["task_id"]: t["duration"] for t in tasks if t["duration"]},
        "task_started": {t["task_id"]: t["start_date"] for t in tasks if t["start_date"]},
    }


def overheads(way: dict) -> dict[str, float]:
    """Per stage task: its wall time minus the seconds its stage recorded."""
    return {
        task: seconds - way["stage_seconds"][task]
        for task, seconds in way["task_seconds"].items()
        if task in way["stage_seconds"]
    }


def run(work: Path, quick: bool) -> dict:
    from tests.integration.faults import report, table_hashes

    landing = generated_day(work, 2_000 if quick else QUICK_EVENTS)
    root = work / f"scheduler-{landing['events_per_day']}"
    lakes = {"dag_test": root / "lake-dag-test", "scheduler": root / "lake-scheduler"}
    ways = {
        "dag_test": run_module(
            "scheduler", landing["landing_root"], lakes["dag_test"], root / "dag-test-home"
        ),
        "scheduler": scheduled(
            landing["landing_root"], lakes["scheduler"], root / "scheduler-home", timeout=3600
        ),
    }
    for name, way in ways.items():
        if way["state"] != "success":
            raise RuntimeError(f"the {name} run of {DAY} ended {way['state']}")
        way["stage_seconds"] = stage_seconds(lakes[name])
        way["overheads"] = overheads(way)
        way["median_overhead"] = statistics.median(way["overheads"].values())
    hashes = {name: table_hashes(lake) for name, lake in lakes.items()}
    if hashes["dag_test"] != hashes["scheduler"]:
        raise AssertionError(report("the two lakes differ", hashes))
    ratio = ways["scheduler"]["seconds"] / ways["dag_test"]["seconds"]
    return {
        "event_lines": landing["event_lines"],
        "day": DAY.isoformat(),
        "ways": ways,
        "identical_tables": len(hashes["dag_test"]),
        "vs_dag_test": ratio,
        "targets": {
            "task_overhead_median_le_3_s": ways["scheduler"]["median_overhead"]
            <= TARGET_TASK_OVERHEAD_SECONDS,
            "day_le_1_5x_dag_test": ratio <= TARGET_VS_DAG_TEST,
        },
    }


def render(r: dict) -> list[str]:
    ways = r["ways"]
    order = sorted(ways["scheduler"]["task_started"], key=ways["scheduler"]["task_started"].get)
    lines = [
        f"## Scheduler: a demo-size day ({r['event_lines']:,} event lines) under a real "
        "Airflow scheduler over Spark Connect vs `dag.test()`",
        "",
        "| task | dag.test() s | its stage s | overhead s | scheduler s | its stage s |"
        " overhead s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for task in order:
        cells = [task]
        for way in (ways["dag_test"], ways["scheduler"]):
            total = way["task_seconds"].get(task)
            stage = way["stage_seconds"].get(task)
            extra = way["overheads"].get(task)
            cells += [_cell(total), _cell(stage), _cell(extra)]
        lines.append("| " + " | ".join(cells) + " |")
    d, s = ways["dag_test"], ways["scheduler"]
    lines += [
        "",
        f"- The day: dag.test() {d['seconds']:.1f} s ({d['cpu_seconds']:.1f} CPU s), scheduler "
        f"{s['seconds']:.1f} s from the run's start to its end ({s['cpu_seconds']:.1f} CPU s "
        f"of every process from trigger to end) → **{r['vs_dag_test']:.2f}×**; target "
        f"≤ {TARGET_VS_DAG_TEST}×: {_verdict(r['targets']['day_le_1_5x_dag_test'])}.",
        f"- Median overhead of a stage task: dag.test() {d['median_overhead']:.1f} s, scheduler "
        f"{s['median_overhead']:.1f} s; target ≤ {TARGET_TASK_OVERHEAD_SECONDS:.0f} s: "
        f"{_verdict(r['targets']['task_overhead_median_le_3_s'])}.",
        f"- Same content in all {r['identical_tables']} data tables of the two lakes.",
        "",
    ]
    return lines


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _verdict(met: bool) -> str:
    return "met" if met else "missed"


if __name__ == "__main__":
    dag_test(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
