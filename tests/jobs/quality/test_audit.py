"""`livelake audit` reads the audit tables (no JVM): verdicts, versions, exit code, evidence."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from livelake.cli import app
from livelake.lake import RunContext
from livelake.lake.tables.audit import INGEST_LEDGER, PUBLISHED_RUNS, QUALITY_RESULTS, STAGE_RUNS

runner = CliRunner()
DAY = date(2026, 1, 2)
T0 = datetime(2026, 1, 3, 1, 0, tzinfo=UTC)


def _result(run_id, at, success, expectation="expect_column_values_to_be_unique"):
    return {
        "run_id": run_id,
        "day": DAY,
        "stage": "silver",
        "table_name": "silver/views",
        "table_version": 3,
        "suite": "silver.views",
        "expectation": expectation,
        "column_name": "event_id",
        "severity": "error",
        "success": success,
        "observed_value": None,
        "unexpected_count": 0 if success else 2,
        "details": json.dumps(
            {"rule": "key event_id is unique", "examples": ["e1", "e1"], "data_docs_page": None}
        ),
        "validated_at": at,
    }


def _seed(lake, rerun_passes: bool):
    run = RunContext(job="test")
    lake.append_records(QUALITY_RESULTS, [_result("run-1", T0, False)], run)
    if rerun_passes:
        later = T0 + timedelta(hours=1)
        lake.append_records(QUALITY_RESULTS, [_result("run-2", later, True)], run)
        lake.append_records(
            PUBLISHED_RUNS,
            [
                {
                    "run_id": "run-2",
                    "day": DAY,
                    "stage": "silver",
                    "table_name": "silver/views",
                    "table_version": 4,
                    "rows": 10,
                    "published_at": later,
                }
            ],
            run,
        )
    lake.append_records(
        INGEST_LEDGER,
        [
            {
                "source": "platform",
                "delivery_date": DAY,
                "source_file": "platform/views.jsonl.gz",
                "file_sha256": "abc",
                "bronze_table": "bronze/views",
                "rows": 12,
                "outcome": "ingested",
                "ingested_at": T0,
                "run_id": "run-1",
            }
        ],
        run,
    )


def test_a_day_whose_latest_gate_failed_exits_1_and_names_the_failure(lake, lake_root):
    _seed(lake, rerun_passes=False)
    result = runner.invoke(app, ["audit", "--day", "2026-01-02"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "refused" in result.output and "FAILED" not in result.output
    assert "expect_column_values_to_be_unique(event_id) [error]" in result.output


def test_a_rerun_that_passed_supersedes_the_failure_and_reports_versions(lake, lake_root):
    _seed(lake, rerun_passes=True)
    result = runner.invoke(app, ["audit", "--day", "2026-01-02", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["blocking_failure"] is False
    assert payload["runs"] == ["run-1", "run-2"]
    assert [(g["run_id"], g["passed"]) for g in payload["gates"]] == [
        ("run-1", False),
        ("run-2", True),
    ]
    assert [(p["table_name"], p["table_version"]) for p in payload["published"]] == [
        ("silver/views", 4)
    ]
    assert payload["data_docs"].endswith("reports/data_docs/index.html")


def test_a_stage_run_that_started_and_never_finished_is_shown_and_exits_1(lake, lake_root):
    _seed(lake, rerun_passes=True)
    later = T0 + timedelta(hours=2)
    rows = [
        ("run-2", "started", T0 + timedelta(minutes=59)),
        ("run-2", "ok", T0 + timedelta(hours=1)),
        ("run-3", "started", later),  # killed: no outcome row follows
    ]
    lake.append_records(
        STAGE_RUNS,
        [
            {
                "run_id": run,
                "day": DAY,
                "stage": "silver",
                "status": status,
                "code_version": "test",
                "message": "",
                "seconds": 0.0,
                "finished_at": at,
            }
            for run, status, at in rows
        ],
        RunContext(job="test"),
    )
    result = runner.invoke(app, ["audit", "--day", "2026-01-02"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "silver run run-3 started and never finished" in result.output
    payload = json.loads(runner.invoke(app, ["audit", "--day", "2026-01-02", "--json"]).output)
    assert payload["interrupted"] == [{"stage": "silver", "run_id": "run-3"}]


def test_html_writes_one_evidence_page_per_run(lake, lake_root):
    _seed(lake, rerun_passes=True)
    result = runner.invoke(app, ["audit", "--day", "2026-01-02", "--html", "--json"])
    assert result.exit_code == 0, result.output
    pages = json.loads(result.output)["evidence_pages"]
    assert [p.rsplit("/", 1)[1] for p in pages] == ["run-1.html", "run-2.html"]
    rerun = (lake_root / "reports" / "evidence" / "2026-01-02" / "run-2.html").read_text()
    assert "silver/views" in rerun and "<td>4</td>" in rerun
    assert 'href="run-1.html"' in rerun
    assert "platform/views.jsonl.gz" in rerun
    index = json.loads(result.output)["audit_index"]
    assert index == str(lake_root / "reports" / "index.html")
    assert 'href="evidence/2026-01-02/run-2.html"' in Path(index).read_text()


def test_since_summarises_each_day(lake, lake_root):
    _seed(lake, rerun_passes=True)
    result = runner.invoke(app, ["audit", "--since", "2026-01-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["days"] == [
        {
            "day": "2026-01-02",
            "gates_passed": 1,
            "gates_failed": 0,
            "warnings": 0,
            "tables_published": 1,
            "runs": 2,
            "reruns": 1,
        }
    ]


def test_audit_needs_a_day_or_a_start(lake_root):
    result = runner.invoke(app, ["audit"])
    assert result.exit_code == 2
    assert "give exactly one of --day D or --since D" in result.output


def test_a_day_that_never_ran_exits_1_and_names_the_days_that_did(lake, lake_root):
    _seed(lake, rerun_passes=False)
    landed_only = [
        {
            "source": "platform",
            "delivery_date": delivered,
            "source_file": "platform/views.jsonl.gz",
            "file_sha256": f"sha-{delivered}",
            "bronze_table": "bronze/views",
            "rows": 12,
            "outcome": "ingested",
            "ingested_at": T0,
            "run_id": "run-3",
        }
        for delivered in (date(2026, 1, 3), date(2026, 1, 5))
    ]
    lake.append_records(INGEST_LEDGER, landed_only, RunContext(job="test"))
    result = runner.invoke(app, ["audit", "--day", "2026-01-04"])
    assert result.exit_code == 1
    assert result.output == (
        f"error: no stage of livelake ran for 2026-01-04 in {lake_root}; "
        "days with runs: 2026-01-02..2026-01-03, 2026-01-05\n"
    )
