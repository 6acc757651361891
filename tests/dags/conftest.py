"""Airflow for the DAG tests: a throw-away AIRFLOW_HOME with a migrated SQLite database.

The environment is set when this file is imported, before any test imports Airflow, so the
real metadata DB the tests use is the temporary one, never a developer's.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from livelake.orchestration.local_airflow import DEFAULT_DAGS_FOLDER as DAGS_FOLDER

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="livelake-airflow-test-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)
os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME}/airflow.db",
    }
)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the temporary metadata DB once per test session."""
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, timeout=300)
    return AIRFLOW_HOME


@pytest.fixture(scope="session")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))
