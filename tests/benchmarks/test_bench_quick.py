"""The benchmark runner's --quick mode, so the benchmarks do not rot between full runs.

Benchmarks are not tests: nothing here asserts a time. Each test runs the real runner in a
subprocess (its own Spark children, as `make bench` does) on tiny sizes and checks that the
report holds every chosen section's table and that the raw figures were written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from livelake.jobs.silver.stage import MODULES as SILVER_TABLES

ROOT = Path(__file__).resolve().parents[2]

# section -> the header line of its table in BENCHMARKS.md
TABLE_HEADERS = {
    "generator": "| event lines | all lines | MB landed | seconds | CPU s | events/s |",
    "reads": "| engine | seconds | CPU s | rows | peak MB |",
    "pit_join": "| engine | seconds | × DuckDB ASOF | CPU s | peak MB | same rows as DuckDB |",
    "incremental": "| history days | features stage s (steady) | × day 7 | CPU s |",
    "daily": "| stage | status | seconds | CPU s (driver+JVM) | gate seconds | gate share |",
    "scaling": "| stage | s per extra 1M events | fixed s | log-log exponent |",
    "profile": "| stage | status | seconds | CPU s | Spark jobs | gate seconds | gate jobs |",
    "small_plans": "| run | plan | bronze | silver | aggregates | features | training | score |",
    "writers": "| stage | delta-rs s | CPU s | delta-spark s | CPU s | wall ratio |",
    "overheads": "| cost | before | s | CPU s | after | s | CPU s | wall ratio |",
    "scheduler": "| task | dag.test() s | its stage s | overhead s | scheduler s | its stage s |",
}


def run_quick(tmp_path: Path, sections: list[str]) -> tuple[str, dict]:
    report = tmp_path / "B.md"
    only = [arg for name in sections for arg in ("--only", name)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", *only, "--out", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return report.read_text(), json.loads(report.with_suffix(".json").read_text())


def assert_sections(text: str, results: dict, sections: list[str]) -> None:
    assert "load average" in text
    for name in sections:
        assert TABLE_HEADERS[name] in text, f"no {name} table in the report"
        assert name in results["sections"]


@pytest.mark.slow  # 2.5 min at load ~12 on the shared 2-core machine (a Spark child)
def test_quick_run_reports_generator_reads_and_point_in_time_tables(tmp_path: Path) -> None:
    sections = ["generator", "reads", "pit_join"]
    text, results = run_quick(tmp_path, sections)
    assert_sections(text, results, sections)
    engines = results["sections"]["pit_join"]["engines"]
    assert {"livelake_training_set", "livelake_spark"} <= set(engines)
    assert all(e["identical_to_duckdb"] for e in engines.values())
    assert results["sections"]["reads"]["engines"]["pandas"]["rows"] == 10_000


@pytest.mark.bench  # the whole daily pipeline three times: `make test-bench`, not the default run
def test_quick_run_reports_daily_incremental_and_scaling_tables(tmp_path: Path) -> None:
    sections = ["daily", "profile", "incremental", "scaling"]
    text, results = run_quick(tmp_path, sections)
    assert_sections(text, results, sections)
    profile = results["sections"]["profile"]
    assert profile["day_spark_jobs"] == sum(s["spark_jobs"] for s in profile["stages"]) > 0
    silver = next(s for s in profile["stages"] if s["stage"] == "silver")
    assert len(silver["part_jobs"]) == 15  # fourteen table jobs and the gate
    assert {f"silver/{name}" for name in SILVER_TABLES} <= set(silver["gate_jobs"])
    daily = results["sections"]["daily"]
    assert all(s["status"] == "ok" for s in daily["stages"]), daily["stages"]
    assert all(daily["duckdb_identical"].values()), daily["duckdb_identical"]


@pytest.mark.bench  # the demo-size day four times in one child
def test_small_plans_runs_the_day_compiled_and_interpreted_twice_each(tmp_path: Path) -> None:
    text, results = run_quick(tmp_path, ["small_plans"])
    assert_sections(text, results, ["small_plans"])
    days = results["sections"]["small_plans"]["days"]
    assert [(d["way"], d["warm"]) for d in days] == [
        ("compiled", False),
        ("interpreted", False),
        ("compiled", True),
        ("interpreted", True),
    ]
    # `score` has nothing to do: the quick day publishes no model
    assert all(d["status"] == ["nothing_to_do", "ok"] for d in days), days


@pytest.mark.bench  # the demo-size day once per writer
def test_writers_run_the_day_on_both_writers_and_publish_the_same_rows(tmp_path: Path) -> None:
    text, results = run_quick(tmp_path, ["writers"])
    assert_sections(text, results, ["writers"])
    writers = results["sections"]["writers"]
    assert [r["writer"] for r in writers["runs"]] == ["delta-rs", "delta-spark"]
    assert all(r["all_ok"] for r in writers["runs"]), writers["runs"]
    assert writers["same_rows"], writers["differing_tables"]
    assert writers["best"]["delta-rs"]["rows"]["silver/views"] > 0


@pytest.mark.bench  # a Spark child with the Delta jars and four pairs of processes
def test_overheads_measures_each_cost_both_ways(tmp_path: Path) -> None:
    text, results = run_quick(tmp_path, ["overheads"])
    assert_sections(text, results, ["overheads"])
    overheads = results["sections"]["overheads"]
    assert {part: set(ways) for part, ways in overheads.items()} == {
        "imports": {"source", "compiled"},
        "training": {"openmp-default", "openmp-1"},
        "ge_variables": {"template", "removed"},
        "delta_log": {"50-tasks", "shuffle-tasks"},
        "json_check": {"full-check", "flat-fast-path"},
    }
    assert all(w["seconds"] > 0 for ways in overheads.values() for w in ways.values())


@pytest.mark.bench  # dag.test(), then a real Airflow and a Spark Connect server
def test_scheduler_times_every_stage_task_both_ways(tmp_path: Path) -> None:
    text, results = run_quick(tmp_path, ["scheduler"])
    assert_sections(text, results, ["scheduler"])
    ways = results["sections"]["scheduler"]["ways"]
    for way in ways.values():
        assert way["state"] == "success"
        # Every stage task's time splits into its stage's own seconds and an overhead.
        assert set(way["overheads"]) == set(way["task_seconds"]) - {
            "wait_for_delivery",
            "audit_reports",
        }
        assert all(0 <= way["stage_seconds"][t] < way["task_seconds"][t] for t in way["overheads"])
    assert results["sections"]["scheduler"]["identical_tables"] > 20
