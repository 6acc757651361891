"""`livelake spark start|stop|status` and a Connect client without its server: one line each,
before any JVM starts. The real server runs in tests/integration/test_connect.py."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from livelake.cli import app
from livelake.config import load_settings
from livelake.connect import SparkServerUnavailableError
from livelake.spark import DELTA_EXTENSION
from livelake.spark_server import remote_of, server_command, server_env
from tests.integration.spark_cluster import free_port

runner = CliRunner()


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    from livelake.config import settings

    monkeypatch.setenv("LIVELAKE_RUN_DIR", str(tmp_path / "run"))
    settings.cache_clear()
    yield tmp_path / "run"
    settings.cache_clear()


def one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_start_on_a_taken_port_names_the_port_and_what_to_do(run_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["spark", "start", "--port", str(port)])
    assert result.exit_code == 2
    line = one_line_error(result.output)
    assert f"port {port} on 127.0.0.1 is taken by another process" in line
    assert "--port" in line
    assert not (run_dir / "spark-connect" / "server.json").exists()


def test_start_without_java_says_how_to_install_it(run_dir, tmp_path):
    result = runner.invoke(app, ["spark", "start"], env={"PATH": str(tmp_path), "JAVA_HOME": None})
    assert result.exit_code == 2
    assert "livelake needs Java 17 for Spark" in one_line_error(result.output)


def test_status_of_a_server_not_running_exits_3_and_says_how_to_start_it(run_dir):
    result = runner.invoke(app, ["spark", "status"], env={"COLUMNS": "200"})
    assert result.exit_code == 3
    assert "not running; start it with `livelake spark start`" in result.output


def test_stop_of_a_server_not_running_says_so(run_dir):
    result = runner.invoke(app, ["spark", "stop"])
    assert result.exit_code == 0
    assert result.output.strip() == "Spark Connect server: not running"


def test_a_run_while_the_server_is_down_says_so_in_one_line_and_asks_to_retry(
    lake_root, monkeypatch
):
    from livelake.config import settings

    remote = f"sc://127.0.0.1:{free_port()}"
    monkeypatch.setenv("LIVELAKE_SPARK_REMOTE", remote)
    settings.cache_clear()
    result = runner.invoke(app, ["run", "--day", "2026-01-01"], env={"COLUMNS": "200"})
    assert result.exit_code == 75  # EX_TEMPFAIL: the same command can succeed later
    line = one_line_error(result.output)
    assert f"no Spark Connect server answers at {remote}" in line
    assert "livelake spark start" in line


def test_a_dag_task_started_while_the_server_is_down_fails_as_retryable(lake_root, monkeypatch):
    """Not AirflowFailException (a failed gate): Airflow retries the task."""
    from livelake.config import settings
    from livelake.orchestration.airflow_tasks import run_stage

    monkeypatch.setenv("LIVELAKE_SPARK_REMOTE", f"sc://127.0.0.1:{free_port()}")
    settings.cache_clear()
    with pytest.raises(SparkServerUnavailableError, match="no Spark Connect server answers"):
        run_stage("bronze", "2026-01-01")


def test_the_server_gets_the_delta_jars_and_extension_of_an_in_process_session(tmp_path):
    from livelake import jars

    cfg = load_settings(run_dir=str(tmp_path), delta_writer="auto")
    conf = dict(
        arg.split("=", 1) for arg in server_command(cfg, 15123) if "=" in arg and "." in arg
    )
    assert conf["spark.sql.extensions"] == DELTA_EXTENSION
    assert conf["spark.jars"].split(",") == [str(p) for p in jars.installed()]
    assert conf["spark.connect.grpc.binding.address"] == "127.0.0.1"
    assert conf["spark.connect.grpc.binding.port"] == "15123"
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_a_server_on_a_cluster_for_other_hosts_listens_everywhere_and_leaves_spark_the_address(
    tmp_path, monkeypatch
):
    """Behind a Service (infra/k8s): its executors must reach the driver at the host's own
    address, not loopback; clients on the machine itself still come in by loopback."""
    monkeypatch.delenv("SPARK_LOCAL_IP", raising=False)
    cfg = load_settings(
        run_dir=str(tmp_path), spark_master="spark://master:7077", spark_connect_host="0.0.0.0"
    )
    command = server_command(cfg, 15123)
    assert command[command.index("--master") + 1] == "spark://master:7077"
    assert "spark.connect.grpc.binding.address=0.0.0.0" in command
    assert "SPARK_LOCAL_IP" not in server_env(cfg)
    assert remote_of(cfg, 15123) == "sc://127.0.0.1:15123"
    assert server_env(load_settings(run_dir=str(tmp_path)))["SPARK_LOCAL_IP"] == "127.0.0.1"
