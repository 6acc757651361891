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
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

# dags/ sits next to the package folders in a checkout (it is not part of the wheel).
DEFAULT_DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@dataclass(frozen=True)
class DagRunOutcome:
    day: date
    state: str
    task_states: dict[str, str]


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
        states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
        outcomes.append(DagRunOutcome(day, str(run.state), states))
        if run.state != "success":
            break
    return outcomes


def run_days_in_airflow(console, days: list[date], home: Path = Path("airflow_home")) -> bool:
    """`make demo --airflow` path: run each day through the DAG, print it; True if all ok."""
    from livelake.config import settings

    use_airflow_home(home)
    settings.cache_clear()  # in-process tasks must see settings made since (e.g. the PII key)
    console.print(f"Running livelake_daily with dag.test() (AIRFLOW_HOME={home.resolve()})")
    outcomes = run_daily_dag(days)
    for outcome in outcomes:
        tasks = " ".join(f"{task}={state}" for task, state in outcome.task_states.items())
        console.print(f"{outcome.day} livelake_daily {outcome.state}: {tasks}")
    return len(outcomes) == len(days) and all(o.state == "success" for o in outcomes)
