"""The stage entry point: how a report travels from spark-submit back, and how failures read."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from livelake.config import load_settings
from livelake.jobs.report import GateSummary, StageReport, TableCounts
from livelake.orchestration.report_json import dumps, loads
from livelake.orchestration.submit import settings_env, spark_submit_command
from livelake.orchestration.tasks import StageFailedError, raise_for_status

DAY = date(2026, 1, 3)


def failed_silver() -> StageReport:
    gate = GateSummary(
        suites=12,
        expectations=140,
        failed_blocking=2,
        failed_warning=1,
        report_path="reports/2026-01-03/silver.html",
        failures=["silver/orders: amount_cny >= 0", "silver/views: user_id not null"],
    )
    return StageReport(
        "silver", DAY, "failed", [TableCounts("silver/orders", 10, 8, 2, 0, None)], gate
    )


def test_a_report_survives_the_trip_through_json():
    report = failed_silver()
    assert loads(dumps(report)) == report


def test_a_failed_stage_raises_with_the_gate_failures_and_report_path():
    with pytest.raises(StageFailedError) as raised:
        raise_for_status(failed_silver())
    message = str(raised.value)
    assert message.startswith("stage silver for 2026-01-03 failed: gate failed: 2 blocking")
    assert "silver/orders: amount_cny >= 0" in message
    assert "report: reports/2026-01-03/silver.html" in message


def test_ok_and_nothing_to_do_pass_through():
    for status in ("ok", "nothing_to_do"):
        report = StageReport("bronze", DAY, status)
        assert raise_for_status(report) is report


def test_spark_submit_runs_the_entry_file_with_the_configured_master(tmp_path):
    cfg = load_settings(spark_master="spark://10.0.0.5:7077", lake_root=str(tmp_path / "lake"))
    command = spark_submit_command(cfg, "silver", DAY, tmp_path / "r.json")

    assert command[0].endswith("/bin/spark-submit") and Path(command[0]).exists()
    assert command[1:5] == ["--master", "spark://10.0.0.5:7077", "--deploy-mode", "client"]
    assert f"spark.pyspark.python={sys.executable}" in command
    entry = command[command.index("--stage") - 1]
    assert entry.endswith("livelake/orchestration/spark_entry.py") and Path(entry).exists()
    assert command[-6:] == [
        "--stage",
        "silver",
        "--day",
        "2026-01-03",
        "--report",
        str(tmp_path / "r.json"),
    ]


def test_the_submitted_driver_gets_the_resolved_settings(tmp_path):
    cfg = load_settings(spark_master="yarn", lake_root="s3://bucket/lake/", watermark_days=5)
    env = settings_env(cfg)
    assert env["LIVELAKE_SPARK_MASTER"] == "yarn"
    assert env["LIVELAKE_LAKE_ROOT"] == "s3://bucket/lake"
    assert env["LIVELAKE_WATERMARK_DAYS"] == "5"
    assert "LIVELAKE_MODELS_ROOT" not in env
