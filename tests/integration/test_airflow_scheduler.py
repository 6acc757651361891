"""The real scheduler: trigger livelake_daily for one day through the REST API of a running
Airflow 3 (api-server, scheduler, dag-processor, LocalExecutor, SQLite) and get the tables an
in-process run of the same day writes.

As `make airflow` runs it: every task is a client of one local Spark Connect server
(`livelake spark start`), so no task process starts a JVM of its own."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import polars as pl
import pytest

from livelake import spark_server
from livelake.config import load_settings
from livelake.lake.read import read_table
from tests.integration.airflow_stack import airflow_stack, run_dag, task_instances
from tests.integration.faults import Child, child_env, report, table_hashes
from tests.integration.spark_cluster import free_port
from tests.orchestration.landing import deliver_day

DAY = date(2026, 1, 1)
RUN_ID = "integration__2026-01-01"
PII_KEY = "integration-test-key"


@contextmanager
def spark_server_stopped(cfg):
    try:
        yield
    finally:
        spark_server.stop(cfg)


@pytest.mark.integration
@pytest.mark.timeout(2400)
def test_the_scheduler_runs_livelake_daily_for_a_triggered_day(tmp_path):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    deliver_day(landing, DAY, views=5)
    env = {
        "LIVELAKE_LAKE_ROOT": str(lake),
        "LIVELAKE_LANDING_ROOT": str(landing),
        "LIVELAKE_SPARK_MASTER": "local[1]",
        "LIVELAKE_DRIVER_MEMORY": "1g",
        "LIVELAKE_PII_KEY": PII_KEY,
        # The latest interval's run (nothing delivered) waits for its delivery in the
        # triggerer; with max_active_runs=1 it must give up soon for the triggered day to run.
        "LIVELAKE_DELIVERY_TIMEOUT_MINUTES": "1",
        "LIVELAKE_DELIVERY_POKE_SECONDS": "5",
    }
    server_cfg = load_settings(
        run_dir=str(tmp_path / "run"), spark_master="local[2]", driver_memory="1g"
    )
    env["LIVELAKE_SPARK_REMOTE"] = spark_server.start(server_cfg, free_port()).remote
    with spark_server_stopped(server_cfg), airflow_stack(tmp_path / "airflow", env) as stack:
        run = run_dag(stack, "livelake_daily", RUN_ID, "2026-01-01T00:00:00Z", timeout=1800)
        state = run["state"]
        tasks = task_instances(stack, "livelake_daily", RUN_ID)
        task_states = {t["task_id"]: t["state"] for t in tasks}
        print({t["task_id"]: t["duration"] for t in tasks})  # -s: timings
        assert state == "success", f"{task_states}\n{stack.log_tail()}"

    assert set(task_states.values()) == {"success"}
    assert read_table("bronze/views", lake_root=str(lake)).height == 5
    # Unpaused with catchup=False, the scheduler also runs the latest interval (today's day,
    # with nothing delivered): only the triggered day is checked here.
    runs = read_table("audit/stage_runs", lake_root=str(lake)).filter(day=DAY)
    runs = runs.filter(pl.col("status") != "started")  # each run's row as it began
    recorded = dict(runs.select("stage", "status").rows())
    # The delivery sensor and the audit_reports teardown are not stages and record no run.
    stages = set(task_states) - {"wait_for_delivery", "audit_reports"}
    assert sorted(recorded) == sorted(stages), "a row per stage"
    # A silver job whose table got no lines that day has nothing to do, and so has score with
    # no accepted model in this lake, and experiments with none delivered; every other stage
    # is ok.
    assert {s for t, s in recorded.items() if t.startswith("silver.")} <= {"ok", "nothing_to_do"}
    assert recorded.pop("score") == "nothing_to_do"
    assert recorded.pop("experiments") == "nothing_to_do"
    assert {s for t, s in recorded.items() if not t.startswith("silver.")} == {"ok"}
    assert recorded["silver.gate"] == recorded["silver.views"] == "ok"

    # Table by table, the scheduler's lake holds what one in-process run of the day writes.
    local = tmp_path / "local"
    done = Child(
        ["run", "--day", DAY.isoformat()],
        child_env(local, landing, PII_KEY),
        tmp_path / "local.log",
    )
    assert done.wait().returncode == 0, done.output()[-4000:]
    hashes = {"scheduler": table_hashes(lake), "in-process": table_hashes(local)}
    assert hashes["scheduler"] == hashes["in-process"], report("the lakes differ", hashes)
