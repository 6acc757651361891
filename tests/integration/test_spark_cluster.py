"""The cluster path for real: one day on a Spark standalone master + worker on 127.0.0.1 gives
the same tables as the in-process local run, both ways a cluster runs the tasks of
livelake_daily (bronze, the fourteen silver jobs, the silver gate, …):

- one `spark-submit` per task, each its own driver on the cluster;
- one Spark Connect server submitted to the cluster by `infra/spark/connect-server.sh`,
  every task a client process of it (what an Airflow task calls, in a process of its own).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from livelake.config import Settings, load_settings
from livelake.generator import GeneratorConfig, generate
from livelake.jobs.context import JobContext
from livelake.lake.read import read_table
from livelake.orchestration.stages import daily_steps
from livelake.orchestration.tasks import execute_stage
from tests.integration.spark_cluster import connect_server, free_port, standalone_cluster

pytestmark = pytest.mark.integration

DAY = date(2026, 1, 1)
REPO = Path(__file__).resolve().parents[2]
# Columns that name the run or the moment, not the data.
RUN_COLUMNS = {"run_id", "ingested_at", "published_at", "recorded_at", "validated_at"}
# The flow's spine has data on both sides, so "equal" compares rows, not empty tables.
SPINE = {"bronze/views", "silver/users", "silver/views", "silver/orders", "gold/agg_user_daily"}
# One 512 MB executor with the worker's one core: a driver and its executor fit the machine.
SMALL_CLUSTER = (
    "spark.executor.memory 512m\nspark.executor.cores 1\nspark.cores.max 1\n"
    "spark.driver.memory 1g\nspark.sql.shuffle.partitions 2\n"
)
# What an Airflow task of livelake_daily runs; its XCom (the report) on the last line.
TASK = (
    "import json, sys\n"
    "from livelake.orchestration.tasks import run_stage_task\n"
    "print(json.dumps(run_stage_task(sys.argv[1], sys.argv[2])))\n"
)


@dataclass(frozen=True)
class LocalDay:
    landing: Path
    settings: Settings
    statuses: list[str]
    tables: list[str]


@pytest.fixture(scope="module")
def local_day(spark, tmp_path_factory) -> LocalDay:
    """A small generated day (every one of the twelve dimensions has rows), run in-process."""
    base = tmp_path_factory.mktemp("local")
    landing = base / "landing"
    generate(GeneratorConfig(start=DAY, days=1, users=150, events_per_day=1_500, seed=11), landing)
    stages = daily_steps()
    assert "silver.views" in stages and "silver.gate" in stages
    local = load_settings(
        lake_root=str(base / "lake"), landing_root=str(landing), spark_master="local[2]"
    )
    ctx = JobContext.create(local, spark=spark, job="test.local")
    reports = [execute_stage(stage, DAY, local, ctx) for stage in stages]
    assert {r.status for r in reports} <= {"ok", "nothing_to_do"}
    tables = sorted({t.table for r in reports for t in r.tables})
    assert {"bronze/views", "silver/views", "gold/agg_user_daily"} <= set(tables)
    return LocalDay(landing, local, [r.status for r in reports], tables)


@pytest.fixture(scope="module")
def cluster(spark, tmp_path_factory):
    """The loopback cluster with SMALL_CLUSTER's settings (`SPARK_CONF_DIR`, named only after
    the in-process session has started, so that session keeps its own)."""
    base = tmp_path_factory.mktemp("cluster")
    conf_dir = base / "spark-conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(SMALL_CLUSTER)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_CONF_DIR", str(conf_dir))
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        with standalone_cluster(base / "spark") as running:
            yield running


def comparable(name: str, lake_root: str) -> pl.DataFrame:
    frame = read_table(name, lake_root=lake_root)
    frame = frame.drop([c for c in frame.columns if c in RUN_COLUMNS])
    return frame.sort(frame.columns)


def assert_same_day(local: LocalDay, lake_root: str, statuses: list[str]) -> None:
    """Every task ended as locally, and every table the local run wrote has the same rows."""
    assert statuses == local.statuses
    non_empty = set()
    for name in local.tables:
        local_rows = comparable(name, local.settings.lake_root)
        assert comparable(name, lake_root).equals(local_rows), name
        if local_rows.height:
            non_empty.add(name)
    assert non_empty >= SPINE
    runs = read_table("audit/stage_runs", lake_root=lake_root)
    runs = runs.filter(pl.col("status") != "started")  # each run's row as it began
    assert sorted(runs["stage"].to_list()) == sorted(daily_steps())
    local_runs = read_table("audit/stage_runs", lake_root=local.settings.lake_root)
    assert set(runs["run_id"].to_list()) != set(local_runs["run_id"].to_list())


@pytest.mark.timeout(2400)
def test_one_day_spark_submitted_task_by_task_equals_the_local_run(local_day, cluster, tmp_path):
    on_cluster = load_settings(
        lake_root=str(tmp_path / "lake"),
        landing_root=str(local_day.landing),
        spark_master=cluster.master,
        shuffle_partitions=2,
    )
    reports = [execute_stage(stage, DAY, on_cluster) for stage in daily_steps()]
    assert_same_day(local_day, on_cluster.lake_root, [r.status for r in reports])


@pytest.mark.timeout(2400)
def test_one_day_as_clients_of_a_connect_server_on_the_cluster_equals_the_local_run(
    local_day, cluster, tmp_path
):
    lake = tmp_path / "lake"
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "LIVELAKE_SPARK_MASTER": cluster.master,
        "LIVELAKE_SPARK_CONNECT_HOST": "127.0.0.1",
        "LIVELAKE_SPARK_CONNECT_PORT": str(free_port()),
        "LIVELAKE_LAKE_ROOT": str(lake),
        "LIVELAKE_LANDING_ROOT": str(local_day.landing),
        "LIVELAKE_PII_KEY": str(local_day.settings.pii_key),
        "LIVELAKE_SHUFFLE_PARTITIONS": "2",
    }
    statuses = []
    with connect_server(env, tmp_path / "connect-server.log") as remote:
        assert cluster.running_applications() == ["livelake-spark-connect"]
        for step in daily_steps():
            task = subprocess.run(
                [sys.executable, "-c", TASK, step, DAY.isoformat()],
                env=env | {"LIVELAKE_SPARK_REMOTE": remote},
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert task.returncode == 0, f"{step}:\n{task.stdout[-2000:]}{task.stderr[-4000:]}"
            statuses.append(json.loads(task.stdout.strip().splitlines()[-1])["status"])
        # The server's driver did the work on the cluster: it is still the one application.
        assert cluster.running_applications() == ["livelake-spark-connect"]
    assert_same_day(local_day, str(lake), statuses)
