"""One long-lived Spark Connect server, run like a service: `livelake spark start|stop`.

Under a real scheduler every task is a new process; with its own in-process Spark each pays
a JVM and a SparkSession (13-15 s) before any work. The server pays that once: it is the
Spark driver (`spark_master`, `local[*]` by default) with the same driver settings, Delta jars
and extension an in-process session gets (`livelake.spark.driver_conf`), listening on
`spark_connect_host` (127.0.0.1 by default). Tasks connect with
`LIVELAKE_SPARK_REMOTE=sc://host:<port>` (`livelake.connect`). With a cluster's
`spark_master` (`spark://…`, `yarn`, `k8s://…`) the server is that cluster's application and
its executors do the tasks' Spark work (`infra/spark/connect-server.sh`).

In the background (`start`) its pid, state and log live in `<run_dir>/spark-connect/`; in the
foreground (`serve`) a container or service manager supervises it. pyspark's pip package
ships the server's jar but not `sbin/start-connect-server.sh`, so `spark-submit` starts its
main class.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from livelake.config import Settings
from livelake.connect import START_HINT, listening
from livelake.spark import driver_conf, require_java, session_conf, spark_home

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
LOOPBACK = "127.0.0.1"
ANY_ADDRESS = "0.0.0.0"
START_TIMEOUT_SECONDS = 180
STOP_TIMEOUT_SECONDS = 30
LOG_TAIL_LINES = 15


class SparkServerError(RuntimeError):
    """The server cannot start or stop; the message is one line saying what to do."""


@dataclass(frozen=True)
class ServerState:
    pid: int
    port: int
    remote: str
    started_at: str
    log: str


def folder(cfg: Settings) -> Path:
    return Path(cfg.run_dir) / "spark-connect"


def _state_file(cfg: Settings) -> Path:
    return folder(cfg) / "server.json"


def remote_of(cfg: Settings, port: int) -> str:
    """Where a client on this machine reaches the server."""
    host = LOOPBACK if cfg.spark_connect_host == ANY_ADDRESS else cfg.spark_connect_host
    return f"sc://{host}:{port}"


def server_command(cfg: Settings, port: int) -> list[str]:
    conf = driver_conf(cfg) | session_conf(cfg)
    conf |= {
        "spark.app.name": "livelake-spark-connect",
        "spark.connect.grpc.binding.address": cfg.spark_connect_host,
        "spark.connect.grpc.binding.port": str(port),
    }
    command = [str(spark_home() / "bin" / "spark-submit"), "--master", cfg.spark_master]
    for key, value in conf.items():
        command += ["--conf", f"{key}={value}"]
    return [*command, "--class", SERVER_CLASS]


def server_env(cfg: Settings) -> dict[str, str]:
    """Executors run this Python; a server on loopback also gives its executors a loopback
    address to reach the driver at (elsewhere Spark takes the host's own address)."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    if cfg.spark_connect_host == LOOPBACK:
        env["SPARK_LOCAL_IP"] = LOOPBACK
    return env


def _alive(pid: int) -> bool:
    """Whether `pid` is a running Spark Connect server (not a reused pid)."""
    try:
        return SERVER_CLASS.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def status(cfg: Settings) -> ServerState | None:
    """The running server this run folder started, or None."""
    try:
        state = ServerState(**json.loads(_state_file(cfg).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return state if _alive(state.pid) else None


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _can_start(cfg: Settings, port: int) -> None:
    require_java()
    if _port_taken(cfg.spark_connect_host, port):
        raise SparkServerError(
            f"port {port} on {cfg.spark_connect_host} is taken by another process: stop it, or "
            f"start the server on another port (livelake spark start --port N, "
            f"LIVELAKE_SPARK_CONNECT_PORT)"
        )


def _log_tail(log: Path) -> str:
    lines = log.read_text(errors="replace").strip().splitlines()[-LOG_TAIL_LINES:]
    return " | ".join(line.strip() for line in lines if line.strip())


def start(cfg: Settings, port: int | None = None) -> ServerState:
    """Start the server and wait until it accepts connections; a running one is kept."""
    port = port or cfg.spark_connect_port
    running = status(cfg)
    if running is not None:
        return running
    _can_start(cfg, port)
    where = folder(cfg)
    where.mkdir(parents=True, exist_ok=True)
    log = where / "server.log"
    with log.open("w") as out:
        command = server_command(cfg, port)
        out.write(f"livelake: {' '.join(command)}\n")
        out.flush()
        # Its own session: a Ctrl-C in the starting shell does not reach it; `stop` does.
        proc = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=server_env(cfg),
            cwd=where,
            start_new_session=True,
        )
    state = ServerState(
        proc.pid,
        port,
        remote_of(cfg, port),
        datetime.now(UTC).isoformat(timespec="seconds"),
        str(log),
    )
    _state_file(cfg).write_text(json.dumps(state.__dict__))
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not listening(state.remote, timeout_seconds=1):
        if proc.poll() is not None:
            _state_file(cfg).unlink(missing_ok=True)
            raise SparkServerError(
                f"the Spark Connect server exited with {proc.returncode} while starting; "
                f"{log}: {_log_tail(log)}"
            )
        if time.monotonic() > deadline:
            _kill(proc.pid)
            raise SparkServerError(
                f"the Spark Connect server did not listen on {cfg.spark_connect_host}:{port} "
                f"within {START_TIMEOUT_SECONDS} s; {log}: {_log_tail(log)}"
            )
        time.sleep(0.5)
    return state


def serve(cfg: Settings, port: int | None = None) -> NoReturn:
    """Become the server, in the foreground: the main process of a container or a service
    manager, which supervise and restart it; its log goes to this process's output."""
    port = port or cfg.spark_connect_port
    _can_start(cfg, port)
    command = server_command(cfg, port)
    print(f"livelake: {' '.join(command)}", file=sys.stderr, flush=True)
    os.execve(command[0], command, server_env(cfg))


def _kill(pid: int) -> None:
    """SIGTERM the server's process group (the JVM and anything it forked), then SIGKILL."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.3)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)


def stop(cfg: Settings) -> ServerState | None:
    """Stop the server this run folder started; the stopped server's state, or None."""
    running = status(cfg)
    if running is not None:
        _kill(running.pid)
    _state_file(cfg).unlink(missing_ok=True)
    return running


def describe(state: ServerState | None) -> str:
    """One line for `livelake spark status`."""
    if state is None:
        return f"Spark Connect server: not running; {START_HINT}"
    return (
        f"Spark Connect server: running at {state.remote} (pid {state.pid}, since "
        f"{state.started_at}); clients: LIVELAKE_SPARK_REMOTE={state.remote}; log: {state.log}"
    )
