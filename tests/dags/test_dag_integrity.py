"""Every DAG file imports cleanly, parses fast, and follows the house rules."""

from __future__ import annotations

import ast
import itertools
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from livelake.lake.tables.silver import SILVER
from livelake.orchestration.delivery import DeliverySensor
from livelake.orchestration.local_airflow import DEFAULT_DAGS_FOLDER as DAGS_FOLDER

# The declared silver tables (not the list the DAG is built from): one job each.
SILVER_TABLES = tuple(SILVER)
DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))
HEAVY_MODULES = ("pyspark", "sklearn", "great_expectations", "pandas", "polars", "deltalake")


def test_the_dags_folder_has_the_three_livelake_dags():
    assert [p.stem for p in DAG_FILES] == [
        "livelake_daily",
        "livelake_maintenance",
        "livelake_weekly_train",
    ]


def test_dagbag_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.stem)
def test_dag_follows_the_house_rules(dagbag, path):
    dag = dagbag.dags.get(path.stem)
    assert dag is not None, f"{path.name} must define a DAG with dag_id {path.stem!r}"
    assert {"livelake"} <= set(dag.tags)
    assert dag.owner == "data-platform"
    assert dag.start_date.utcoffset() == timedelta(0) and str(dag.start_date.tzinfo) == "UTC"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    for task in dag.tasks:
        assert task.retries >= 1, f"{task.task_id} has no retries"
        assert task.retry_exponential_backoff > 0, f"{task.task_id} retries without backoff"
        assert task.max_retry_delay is not None


def test_daily_tasks_follow_the_stage_order(dagbag):
    from livelake.jobs.runner import DAILY_STAGES

    dag = dagbag.dags["livelake_daily"]
    names = [s.name for s in DAILY_STAGES]
    assert names[:2] == ["bronze", "silver"]
    assert len(SILVER_TABLES) == 14
    # Silver is a group: fourteen table jobs, then its gate; every other stage is one task.
    # The day's deliveries are waited for first; the audit pages are rewritten last.
    expected = ["wait_for_delivery"] + [n for n in names if n != "silver"]
    expected += [f"silver.{t}" for t in SILVER_TABLES] + ["silver.gate", "audit_reports"]
    assert sorted(dag.task_ids) == sorted(expected)
    tasks = [n if n != "silver" else "silver.gate" for n in names] + ["audit_reports"]
    for upstream, downstream in itertools.pairwise(tasks[1:]):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    assert dag.get_task("bronze").upstream_task_ids == {"wait_for_delivery"}
    assert dag.get_task("wait_for_delivery").upstream_task_ids == set()
    assert isinstance(dag.get_task("wait_for_delivery"), DeliverySensor)
    assert dag.get_task("audit_reports").is_teardown  # runs after a failure, keeps its state
    assert [a.uri for a in dag.get_task("bronze").outlets] == ["livelake://bronze/"]
    assert [a.uri for a in dag.get_task("silver.gate").outlets] == ["livelake://silver/"]


def test_each_silver_job_follows_bronze_or_the_dimension_jobs_its_keys_point_at(dagbag):
    dag = dagbag.dags["livelake_daily"]
    upstream = {t: dag.get_task(f"silver.{t}").upstream_task_ids for t in SILVER_TABLES}
    assert upstream["users"] == upstream["anchors"] == upstream["products"] == {"bronze"}
    assert upstream["live_sessions"] == {"silver.anchors"}
    assert upstream["views"] == {"silver.users", "silver.live_sessions"}
    assert upstream["orders"] == {
        "silver.users",
        "silver.anchors",
        "silver.products",
        "silver.live_sessions",
    }
    assert dag.get_task("silver.gate").upstream_task_ids == {f"silver.{t}" for t in SILVER_TABLES}
    # Independent jobs may run side by side, two at a time on a laptop.
    assert not upstream["after_sales"] & {"silver.views", "silver.orders"}
    assert dag.max_active_tasks == 2


def test_weekly_training_publishes_the_model_asset(dagbag):
    task = dagbag.dags["livelake_weekly_train"].get_task("train")
    assert [a.name for a in task.inlets] == ["gold/training_examples"]
    assert [a.name for a in task.outlets] == ["models/conversion_baseline"]


def test_maintenance_purges_bronze_then_compacts_then_vacuums(dagbag):
    dag = dagbag.dags["livelake_maintenance"]
    assert sorted(dag.task_ids) == ["compact", "purge_bronze", "vacuum"]
    assert dag.get_task("compact").upstream_task_ids == {"purge_bronze"}
    assert dag.get_task("vacuum").upstream_task_ids == {"compact"}


def test_the_dags_folder_parses_in_under_two_seconds_without_heavy_imports():
    """Measured in a fresh interpreter after Airflow itself is imported (≈3 s on its own).

    CPU seconds, not wall time: on a busy machine the wall clock measures the neighbours.
    """
    script = f"""
import importlib.util, json, sys, time
from airflow.sdk import dag  # Airflow's own import cost is not the DAG files' cost
started = time.process_time()
for path in {[str(p) for p in DAG_FILES]!r}:
    spec = importlib.util.spec_from_file_location(path.rsplit("/", 1)[1][:-3], path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
elapsed = time.process_time() - started
heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]
print(json.dumps({{"seconds": elapsed, "heavy": heavy}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [], f"DAG files import heavy modules at parse time: {result}"
    assert result["seconds"] < 2.0, f"dags/ took {result['seconds']:.2f}s to import"


def test_every_dag_file_only_imports_airflow_from_the_sdk():
    for path in DAG_FILES:
        tree = ast.parse(Path(path).read_text())
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        airflow = [m for m in modules if m and m.split(".")[0] == "airflow" and m != "airflow.sdk"]
        assert airflow == [], f"{path.name} imports {airflow}; use airflow.sdk"
