"""A real Airflow 3 on 127.0.0.1: api-server + scheduler + dag-processor + triggerer (deferred
tasks, e.g. the wait for a delivery), SQLite, temp home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.integration.spark_cluster import free_port, stop_groups

BIN = Path(sys.executable).parent
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@dataclass
class Airflow:
    url: str
    home: Path
    token: str = ""

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            # The server's own words (and its log) say why: a bare "500" says nothing.
            error.msg = f"{error.msg} on {method} {path}: {error.read().decode(errors='replace')}"
            raise

    def log_tail(self, lines: int = 60) -> str:
        out = []
        for name in ("api-server", "scheduler", "dag-processor", "triggerer"):
            text = (self.home / f"{name}.log").read_text(errors="replace").splitlines()
            out.append(f"--- {name}.log ---\n" + "\n".join(text[-lines:]))
        return "\n".join(out)


def airflow_env(home: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **extra,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API_AUTH__JWT_SECRET": "livelake-integration-test-only",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
    }


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/v2/monitor/health", timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def airflow_stack(home: Path, extra_env: dict[str, str], timeout_seconds: float = 300):
    """Yield a running Airflow; stop the four processes it started (and only those)."""
    port = free_port()
    env = airflow_env(home, port, extra_env)
    home.mkdir(parents=True, exist_ok=True)
    airflow = str(BIN / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    commands = {
        "api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(port)],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer"],
    }
    procs: list[subprocess.Popen] = []
    stack = Airflow(f"http://127.0.0.1:{port}", home)
    try:
        for name, command in commands.items():
            procs.append(
                subprocess.Popen(
                    command,
                    env=env,
                    stdout=(home / f"{name}.log").open("w"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + timeout_seconds
        while not _healthy(stack.url):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("Airflow did not come up:\n" + stack.log_tail())
            time.sleep(2)
        with urllib.request.urlopen(stack.url + "/auth/token", timeout=30) as response:
            stack.token = json.load(response)["access_token"]
        yield stack
    finally:
        stop_groups(procs, timeout=60)


def wait_for(what: str, check, timeout_seconds: float, stack: Airflow):
    """`check()`'s first truthy value, polled every 3 s; a timeout shows the stack's logs."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(3)
    raise TimeoutError(f"{what} within {timeout_seconds}s\n{stack.log_tail()}")


def dag_parsed(stack: Airflow, dag_id: str) -> bool:
    try:
        return stack.call("GET", f"/api/v2/dags/{dag_id}")["dag_id"] == dag_id
    except urllib.error.HTTPError:
        return False


def run_dag(stack: Airflow, dag_id: str, run_id: str, logical_date: str, timeout: float) -> dict:
    """Trigger a run once the dag-processor has parsed the DAG; its final state as the API
    gives it (state, start_date, end_date) once it succeeded or failed."""
    wait_for(f"the dag-processor parses {dag_id}", lambda: dag_parsed(stack, dag_id), 300, stack)
    path = f"/api/v2/dags/{dag_id}/dagRuns"
    trigger(stack, path, {"dag_run_id": run_id, "logical_date": logical_date})

    def finished():
        run = stack.call("GET", f"{path}/{run_id}")
        return run if run["state"] in ("success", "failed") else None

    return wait_for(f"{dag_id} run {run_id} finishes", finished, timeout, stack)


def trigger(stack: Airflow, path: str, body: dict[str, Any], attempts: int = 3) -> None:
    """POST a run, again after a server error: a CI run got a 500 here once, with no error
    text kept (most likely a SQLite lock: four processes write one file, under load).
    The run id is ours, so a retry cannot start a second run: a 409 says the first landed."""
    for attempt in range(1, attempts + 1):
        try:
            stack.call("POST", path, body)
            return
        except urllib.error.HTTPError as error:
            if error.code == 409 and attempt > 1:
                return
            if error.code < 500 or attempt == attempts:
                raise RuntimeError(f"{error}\n{stack.log_tail()}") from error
            time.sleep(5)


def task_instances(stack: Airflow, dag_id: str, run_id: str) -> list[dict]:
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
    return stack.call("GET", path)["task_instances"]
