"""A Spark standalone master + one small worker on 127.0.0.1, from the installed pyspark, and
a Spark Connect server submitted to it by `infra/spark/connect-server.sh`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from livelake.connect import listening
from livelake.spark import spark_home

CONNECT_SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "spark" / "connect-server.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(what: str, check, timeout_seconds: float, procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{what}: a process exited early with {proc.returncode}")
        if check():
            return
        time.sleep(1)
    raise TimeoutError(f"{what} within {timeout_seconds}s")


def stop_groups(procs: list[subprocess.Popen], timeout: float = 30) -> None:
    """SIGTERM each process's group (each runs in a session of its own), then SIGKILL what
    has not exited after `timeout` seconds."""
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _master_state(ui_port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=5) as response:
            return json.load(response)
    except OSError:
        return {}


def _alive_workers(ui_port: int) -> int:
    return int(_master_state(ui_port).get("aliveworkers", 0))


@dataclass(frozen=True)
class Cluster:
    master: str  # spark://127.0.0.1:PORT
    ui_port: int

    def running_applications(self) -> list[str]:
        """The names of the applications the master runs now."""
        return [app["name"] for app in _master_state(self.ui_port).get("activeapps", [])]


@contextmanager
def standalone_cluster(log_dir: Path, worker_memory: str = "1g"):
    """Yield the `Cluster`; stop both processes (only these two) on exit."""
    spark_class = str(spark_home() / "bin" / "spark-class")
    port, ui_port, worker_ui = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_DAEMON_MEMORY": "512m",
        "SPARK_WORKER_DIR": str(log_dir / "work"),
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    master_url = f"spark://127.0.0.1:{port}"
    procs: list[subprocess.Popen] = []
    try:
        procs.append(
            subprocess.Popen(
                [
                    spark_class,
                    "org.apache.spark.deploy.master.Master",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--webui-port",
                    str(ui_port),
                ],
                env=env,
                stdout=(log_dir / "master.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    spark_class,
                    "org.apache.spark.deploy.worker.Worker",
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    worker_memory,
                    "--webui-port",
                    str(worker_ui),
                    master_url,
                ],
                env=env,
                stdout=(log_dir / "worker.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        _wait("the worker registers", lambda: _alive_workers(ui_port) >= 1, 180, procs)
        yield Cluster(master_url, ui_port)
    finally:
        stop_groups(procs)


@contextmanager
def connect_server(env: dict[str, str], log: Path):
    """`infra/spark/connect-server.sh` with `env` (its LIVELAKE_* settings), in the background
    until it accepts clients; yields its sc:// address and stops it (only it) on exit."""
    remote = f"sc://127.0.0.1:{env['LIVELAKE_SPARK_CONNECT_PORT']}"
    proc = subprocess.Popen(
        [str(CONNECT_SCRIPT)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait(f"the Connect server listens ({log})", lambda: listening(remote), 300, [proc])
        yield remote
    finally:
        stop_groups([proc])
