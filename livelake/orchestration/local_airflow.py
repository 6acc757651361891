"""Run the real `livelake_daily` DAG for a range of days with Airflow's `dag.test()`.

No scheduler or web server: Airflow executes the DAG's tasks in this process against a
SQLite metadata DB in `airflow_home`, so a laptop demo exercises exactly the DAG the
scheduler would run. Airflow reads its settings at import, so `use_airflow_home` must run
before anything imports `airflow`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from livelake.jobs.report import StageReport

# dags/ sits next to the package folders in a checkout (it is not part of the wheel).
DEFAULT_DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@dataclass(frozen=True)
class DagRunOutcome:
    day: date
    state: str
    task_states: dict[str, str]
    reports: list[StageReport] = field(default_factory=list)  # from the tasks' XComs
    task_seconds: dict[str, float] = field(default_factory=dict)  # each task's wall time


def use_airflow_home(home: Path, dags_folder: Path = DEFAULT_DAGS_FOLDER) -> None:
    """Point this process's Airflow at `home` and migrate its SQLite DB (idempotent)."""
    if "airflow" in sys.modules:
        raise RuntimeError("use_airflow_home must run before airflow is imported")
    if not (dags_folder / "livelake_daily.py").exists():
        raise FileNotFoundError(f"no livelake_daily.py in {dags_folder}: run from a checkout")
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # Task logs stay in airflow_home/logs; the console gets livelake's own lines.
            "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get(
                "AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"
            ),
        }
    )
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True)


def run_daily_dag(
    days: Iterable[date], dags_folder: Path = DEFAULT_DAGS_FOLDER
) -> list[DagRunOutcome]:
    """`dag.test()` of livelake_daily for each day in order; stop at the first failed day."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags["livelake_daily"]
    outcomes = []
    for day in days:
        run = dag.test(logical_date=datetime(day.year, day.month, day.day, tzinfo=UTC))
        instances = run.get_task_instances()
        states = {ti.task_id: str(ti.state) for ti in instances}
        seconds = {ti.task_id: ti.duration for ti in instances if ti.duration is not None}
        outcomes.append(DagRunOutcome(day, str(run.state), states, _reports(instances), seconds))
        if run.state != "success":
            break
    return outcomes


def _reports(instances) -> list[StageReport]:
    """The StageReports the successful stage tasks returned, in flow order.

    The silver jobs' reports are left out: the silver gate's report covers their tables.
    """
    from livelake.orchestration.report_json import from_dict

    out = []
    for ti in sorted(instances, key=lambda ti: ti.start_date or datetime.max.replace(tzinfo=UTC)):
        value = ti.xcom_pull(task_ids=ti.task_id) if str(ti.state) == "success" else None
        if isinstance(value, dict) and "stage" in value and "." not in value["stage"]:
            out.append(from_dict(value))
    return out


def run_weekly_training(
    day: date, dags_folder: Path = DEFAULT_DAGS_FOLDER
) -> tuple[str, dict[str, Any] | None]:
    """`dag.test()` of livelake_weekly_train for `day`: (run state, the train task's XCom)."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(dags_folder))
    run = bag.dags["livelake_weekly_train"].test(
        logical_date=datetime(day.year, day.month, day.day, tzinfo=UTC)
    )
    [ti] = [ti for ti in run.get_task_instances() if ti.task_id == "train"]
    summary = ti.xcom_pull(task_ids="train") if str(ti.state) == "success" else None
    return str(run.state), summary


def run_days_in_airflow(
    console, days: list[date], home: Path = Path("airflow_home")
) -> tuple[bool, list[DagRunOutcome]]:
    """`make demo` path: run each day through the DAG and print its tasks; (all ok, outcomes)."""
    from livelake.config import settings
    from livelake.summary import stage_line

    use_airflow_home(home)
    settings.cache_clear()  # in-process tasks must see settings made since (e.g. the PII key)
    console.print(
        f"Running the livelake_daily DAG with dag.test() for each day "
        f"(AIRFLOW_HOME={home.resolve()}, task logs in {home.resolve() / 'logs'})"
    )
    outcomes = []
    for day in days:
        [outcome] = run_daily_dag([day])
        outcomes.append(outcome)
        for report in outcome.reports:
            console.print(stage_line(report))
        failed = {t: s for t, s in outcome.task_states.items() if s != "success"}
        if failed:
            tasks = ", ".join(f"{task}={state}" for task, state in failed.items())
            console.print(f"[bold red]{day} livelake_daily {outcome.state}:[/] {tasks}")
            break
    ok = len(outcomes) == len(days) and all(o.state == "success" for o in outcomes)
    return ok, outcomes
