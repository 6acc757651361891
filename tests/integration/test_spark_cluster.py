"""The cluster path for real: one day through a Spark standalone master + worker on
127.0.0.1, one spark-submit per task of livelake_daily (bronze, the twelve silver jobs, the
silver gate, …), gives the same tables as the in-process local run."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from livelake.config import load_settings
from livelake.generator import GeneratorConfig, generate
from livelake.jobs.context import JobContext
from livelake.lake.read import read_table
from livelake.orchestration.stages import daily_steps
from livelake.orchestration.tasks import execute_stage
from tests.integration.spark_cluster import standalone_cluster

DAY = date(2026, 1, 1)
# Columns that name the run or the moment, not the data.
RUN_COLUMNS = {"run_id", "ingested_at", "published_at", "recorded_at", "validated_at"}


def comparable(name: str, lake_root: str) -> pl.DataFrame:
    frame = read_table(name, lake_root=lake_root)
    frame = frame.drop([c for c in frame.columns if c in RUN_COLUMNS])
    return frame.sort(frame.columns)


@pytest.mark.integration
@pytest.mark.timeout(2400)
def test_one_day_on_a_standalone_cluster_equals_the_local_run(spark, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    # A small generated day: every one of the twelve dimensions has rows.
    generate(GeneratorConfig(start=DAY, days=1, users=150, events_per_day=1_500, seed=11), landing)
    stages = daily_steps()
    assert "silver.views" in stages and "silver.gate" in stages
    local = load_settings(
        lake_root=str(tmp_path / "lake-local"), landing_root=str(landing), spark_master="local[2]"
    )
    ctx = JobContext.create(local, spark=spark, job="test.local")
    local_reports = [execute_stage(stage, DAY, local, ctx) for stage in stages]

    conf_dir = tmp_path / "spark-conf"
    conf_dir.mkdir()
    (conf_dir / "spark-defaults.conf").write_text(
        "spark.executor.memory 512m\nspark.executor.cores 1\nspark.cores.max 1\n"
        "spark.driver.memory 1g\nspark.sql.shuffle.partitions 2\n"
    )
    monkeypatch.setenv("SPARK_CONF_DIR", str(conf_dir))
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    with standalone_cluster(tmp_path / "spark") as master:
        cluster = load_settings(
            lake_root=str(tmp_path / "lake-cluster"),
            landing_root=str(landing),
            spark_master=master,
            shuffle_partitions=2,
        )
        cluster_reports = [execute_stage(stage, DAY, cluster) for stage in stages]

    assert [r.status for r in cluster_reports] == [r.status for r in local_reports]
    assert {r.status for r in local_reports} <= {"ok", "nothing_to_do"}
    tables = sorted({t.table for r in local_reports for t in r.tables})
    assert {"bronze/views", "silver/views", "gold/agg_user_daily"} <= set(tables)
    non_empty = set()
    for name in tables:
        local_rows = comparable(name, local.lake_root)
        assert comparable(name, cluster.lake_root).equals(local_rows), name
        if local_rows.height:
            non_empty.add(name)
    # The flow's spine has data on both sides, so "equal" compares rows, not empty tables.
    spine = {"bronze/views", "silver/users", "silver/views", "silver/orders", "gold/agg_user_daily"}
    assert spine <= non_empty
    runs = read_table("audit/stage_runs", lake_root=cluster.lake_root)
    runs = runs.filter(pl.col("status") != "started")  # each run's row as it began
    assert sorted(runs["stage"].to_list()) == sorted(stages)
    assert set(runs["run_id"].to_list()) != set(
        read_table("audit/stage_runs", lake_root=local.lake_root)["run_id"].to_list()
    )
