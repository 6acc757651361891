"""`dag.test()` of livelake_daily for one logical day on tiny landing files (real Airflow,
real Spark, real Delta): tasks succeed and the tables exist; a bad delivery fails its stage
task once, without retry, and nothing downstream publishes; a missing delivery fails the wait
for it (dag.test() runs the deferred sensor's trigger inline), naming the source and day."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from livelake.jobs.silver.stage import MODULES
from livelake.lake import LakeError
from livelake.lake.read import read_table
from tests.jobs.bronze.small_delivery import deliver

DAY = date(2026, 1, 1)
WAIT = "wait_for_delivery"  # the sensor in front of the stages; it records no stage run
LOGICAL_DATE = datetime(2026, 1, 1, tzinfo=UTC)
# `deliver` lands views and users only: the other silver jobs have nothing to do.
EMPTY_SILVER_JOBS = {f"silver.{name}" for name in MODULES} - {"silver.users", "silver.views"}


@pytest.fixture
def daily(dagbag, airflow_db, spark, lake_root):
    return dagbag.dags["livelake_daily"]


@pytest.fixture
def daily_without_spark(dagbag, airflow_db, lake_root):
    """For runs that stop before any stage (no Spark session needed)."""
    return dagbag.dags["livelake_daily"]


def states(dag_run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def test_one_logical_day_runs_every_present_stage(daily, lake_root, tmp_path):
    deliver(tmp_path / "landing", DAY)

    dag_run = daily.test(logical_date=LOGICAL_DATE)

    assert dag_run.state == "success"
    assert set(states(dag_run).values()) == {"success"}
    [wait] = [ti for ti in dag_run.get_task_instances() if ti.task_id == WAIT]
    waited = wait.xcom_pull(task_ids=WAIT)
    assert waited == {"day": "2026-01-01", "sources": ["platform"], "missing": [], "waited": False}
    assert (lake_root / "reports" / "index.html").is_file()
    assert read_table("bronze/views").height == 3
    assert read_table("bronze/users")["raw"].sort().to_list() == ["u1,east", "u2,"]
    every = read_table("audit/stage_runs")
    runs = every.filter(pl.col("status") != "started")
    started = every.filter(pl.col("status") == "started")
    assert sorted(started["run_id"]) == sorted(runs["run_id"]), "a started row for each run"
    recorded = {
        stage: status for day, stage, status in runs.select("day", "stage", "status").rows()
    }
    stages = {t: state for t, state in states(dag_run).items() if t not in ("audit_reports", WAIT)}
    assert runs.height == len(recorded) == len(stages) and set(runs["day"]) == {DAY}
    assert sorted(recorded) == sorted(stages)
    # Tiny delivery: silver jobs of tables it has no lines for have nothing to do, and no
    # model has been trained to score the day with.
    assert recorded == {
        # no model was trained (score) and no experiment was delivered (experiments)
        task: "nothing_to_do" if task in (*EMPTY_SILVER_JOBS, "score", "experiments") else "ok"
        for task in recorded
    }


def test_a_failed_stage_fails_its_task_without_retry_and_nothing_downstream_runs(
    daily, lake_root, tmp_path
):
    folder = deliver(tmp_path / "landing", DAY)
    (folder / "exports/mystery.csv").write_text("a\n1\n")  # fits no bronze table

    dag_run = daily.test(logical_date=LOGICAL_DATE)

    assert dag_run.state == "failed"
    by_task = {ti.task_id: ti for ti in dag_run.get_task_instances()}
    assert by_task["bronze"].state == "failed", "a deterministic failure is not up_for_retry"
    assert by_task["bronze"].try_number == 1
    assert by_task[WAIT].state == "success"  # the delivery was there
    downstream = {
        ti.state for t, ti in by_task.items() if t not in ("bronze", "audit_reports", WAIT)
    }
    assert downstream <= {"upstream_failed"}
    assert by_task["audit_reports"].state == "success"  # the teardown ran, the run still failed
    assert (lake_root / "reports" / "index.html").is_file()
    from livelake.lake.tables.bronze import BRONZE

    assert not any((lake_root / t.qualified_name).exists() for t in BRONZE.values())
    runs = read_table("audit/stage_runs").sort("finished_at")
    assert runs.select("stage", "status").rows() == [("bronze", "started"), ("bronze", "failed")]
    assert "platform/dt=2026-01-01/exports/mystery.csv" in runs["message"][1]


@pytest.mark.slow  # three DAG runs of every stage
def test_days_run_in_order_through_the_dag_and_stop_at_the_first_failed_day(
    daily, lake_root, tmp_path
):
    from livelake.orchestration.local_airflow import run_daily_dag
    from tests.orchestration.landing import deliver_day

    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]
    for day in days:
        deliver_day(tmp_path / "landing", day)
    (deliver_day(tmp_path / "landing", days[1]) / "exports/mystery.csv").write_text("a\n1\n")

    outcomes = run_daily_dag(days)

    assert [(o.day, o.state) for o in outcomes] == [(days[0], "success"), (days[1], "failed")]
    assert read_table("bronze/views")["delivery_date"].unique().to_list() == [days[0]]


def test_a_failed_silver_gate_fails_once_and_nothing_of_the_day_is_published(
    daily, lake_root, tmp_path, monkeypatch
):
    from livelake.config import settings

    deliver(tmp_path / "landing", DAY)
    suites = tmp_path / "suites"
    (suites / "silver").mkdir(parents=True)
    (suites / "silver" / "views.json").write_text(
        '{"name": "silver.views", "expectations": [{"type": '
        '"expect_table_row_count_to_be_between", "kwargs": {"min_value": 1000}}]}'
    )
    monkeypatch.setenv("LIVELAKE_EXPECTATIONS_DIR", str(suites))
    settings.cache_clear()

    dag_run = daily.test(logical_date=LOGICAL_DATE)

    by_task = {ti.task_id: ti for ti in dag_run.get_task_instances()}
    assert dag_run.state == "failed"
    assert (by_task["silver.gate"].state, by_task["silver.gate"].try_number) == ("failed", 1)
    assert {by_task[f"silver.{name}"].state for name in MODULES} == {"success"}
    later = {
        t: ti.state
        for t, ti in by_task.items()
        if t not in (WAIT, "bronze", "audit_reports") and "." not in t
    }
    assert later and set(later.values()) == {"upstream_failed"}
    with pytest.raises(LakeError, match="silver/views has no gated publication"):
        read_table("silver/views")  # what a reader sees: no published version
    committed = {n: read_table(f"silver/{n}", consistent=False).height for n in ("views", "users")}
    assert committed == {"views": 0, "users": 0}, "staged, refused, not committed"
    assert not (lake_root / "gold").exists(), "no feature or training version appeared"
    assert not (lake_root / "_manifests" / "silver" / DAY.isoformat()).exists()
    outcomes = read_table("audit/stage_runs").filter(pl.col("status") != "started")
    runs = dict(outcomes.select("stage", "message").rows())
    assert "expect_table_row_count_to_be_between" in runs["silver.gate"]
    assert "silver/views" in runs["silver.gate"]


def test_a_missing_delivery_fails_the_wait_naming_source_and_day_and_no_stage_runs(
    daily_without_spark, lake_root, tmp_path, monkeypatch, capfd
):
    from livelake.config import settings

    deliver(tmp_path / "landing", DAY - timedelta(days=1))  # yesterday's delivery only
    monkeypatch.setenv("LIVELAKE_DELIVERY_TIMEOUT_MINUTES", "0.05")  # 3 seconds
    monkeypatch.setenv("LIVELAKE_DELIVERY_POKE_SECONDS", "1")
    settings.cache_clear()
    started = time.monotonic()

    dag_run = daily_without_spark.test(logical_date=LOGICAL_DATE)

    by_task = {ti.task_id: ti for ti in dag_run.get_task_instances()}
    assert dag_run.state == "failed"
    assert (by_task[WAIT].state, by_task[WAIT].try_number) == ("failed", 1), "no retry"
    later = {ti.state for t, ti in by_task.items() if t not in (WAIT, "audit_reports")}
    assert later == {"upstream_failed"}
    assert not (lake_root / "audit" / "stage_runs").exists(), "no stage ran, none recorded"
    assert not (lake_root / "bronze").exists()
    assert 3 <= time.monotonic() - started < 120
    log = capfd.readouterr()
    assert (
        "no delivery of 2026-01-01 from source(s) platform after waiting 0.05 minutes "
        f"(missing: {tmp_path}/landing/platform/dt=2026-01-01/_manifest.json)"
    ) in log.out + log.err
    assert "LIVELAKE_ALLOW_EMPTY_DAYS=true" in log.out + log.err


def test_a_day_allowed_empty_passes_the_wait_at_once(daily_without_spark, monkeypatch):
    from livelake.config import settings

    monkeypatch.setenv("LIVELAKE_ALLOW_EMPTY_DAYS", "true")
    monkeypatch.setenv("LIVELAKE_DELIVERY_TIMEOUT_MINUTES", "0.05")  # waiting would fail it
    settings.cache_clear()

    # Only the sensor runs: every other task is marked successful without running.
    dag_run = daily_without_spark.test(
        logical_date=LOGICAL_DATE, mark_success_pattern=f"^(?!{WAIT}$)"
    )

    [wait] = [ti for ti in dag_run.get_task_instances() if ti.task_id == WAIT]
    assert wait.state == "success"
    assert wait.xcom_pull(task_ids=WAIT) == {
        "day": "2026-01-01",
        "sources": ["platform"],
        "missing": ["platform"],
        "waited": False,
        "allow_empty": True,
    }
