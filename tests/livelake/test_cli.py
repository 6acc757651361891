"""The command line speaks first to people: help that reads well, one-line errors."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake
from rich.console import Console
from typer.testing import CliRunner

from livelake import cli
from livelake.cli import app
from livelake.lake import RunContext
from livelake.lake.tables.audit import DIRTY_DAYS

runner = CliRunner()
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
RUN_ID = "20260102T010000Z-0123abcd"
D1, D2 = date(2026, 1, 1), date(2026, 1, 2)


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "tables", "history", "run", "demo"):
        assert command in result.output


def test_history_of_an_unknown_table_is_one_clear_line(lake_root):
    result = runner.invoke(app, ["history", "silver/nope"])
    assert result.exit_code == 2
    assert "no table 'silver/nope' is declared" in result.output
    assert "Traceback" not in result.output


def test_history_of_an_unwritten_table_says_so(lake_root):
    result = runner.invoke(app, ["history", "audit/ingest_ledger"])
    assert result.exit_code == 1
    assert "has no commits yet" in result.output


def test_tables_lists_declared_tables_with_no_version_on_an_empty_lake(lake_root):
    result = runner.invoke(app, ["tables", "--layer", "audit"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "audit/ingest_ledger" in result.output
    assert "bronze/views" not in result.output


def test_invalid_config_stops_with_the_key_named(lake_root, monkeypatch):
    from livelake.config import settings

    monkeypatch.setenv("LIVELAKE_DELTA_WRITER", "csv")
    settings.cache_clear()
    result = runner.invoke(app, ["tables"])
    assert result.exit_code == 2
    assert "invalid config: delta_writer" in result.output


def test_run_rejects_an_unknown_stage_in_one_line_naming_the_stages(lake_root):
    result = runner.invoke(app, ["run", "--day", "2026-01-01", "--stage", "gold-plating"])
    assert result.exit_code == 2
    assert result.output == (
        "error: unknown stage 'gold-plating'; "
        "stages are: bronze, silver, aggregates, features, training, score, kpi, experiments\n"
    )


def test_run_of_a_day_nobody_delivered_refuses_and_publishes_nothing(spark, lake_root):
    result = runner.invoke(app, ["run", "--day", "2026-01-01"], env={"COLUMNS": "200"})

    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "no source delivered a file for 2026-01-01" in flat and "--allow-empty" in flat
    assert not (lake_root / "gold").exists() and not (lake_root / "silver").exists()
    index = lake_root / "reports" / "index.html"
    assert f"Audit index: {index}" in flat and index.is_file()  # written after a failure too

    allowed = runner.invoke(
        app, ["run", "--day", "2026-01-01", "--stage", "bronze", "--allow-empty"]
    )
    assert allowed.exit_code == 0, allowed.output


def test_version_is_the_one_pyproject_declares():
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert runner.invoke(app, ["--version"]).output == f"livelake {declared}\n"
    help_text = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert f"e-commerce (livelake {declared}): land" in help_text


@pytest.mark.parametrize(
    ("command", "row"),
    [
        ([], r"--version\s+Show the version and exit\."),
        (["run"], r"--profile\s+Print the Spark jobs"),
        (["run"], r"--day\s+YYYY-MM-DD\s+Logical day \[required\]"),
        (["demo"], r"--inject-bad-day\s+--no-inject-bad-day\s+Collapse"),
        (["audit"], r"--json\s+Machine-readable output"),
        (["features"], r"--help\s+Show this message and exit\."),
    ],
)
def test_help_shows_no_type_beside_a_flag_and_dates_as_their_format(command, row):
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert re.search(row, result.output), result.output


def test_run_help_lists_the_stages():
    result = runner.invoke(app, ["run", "--help"], env={"COLUMNS": "200"})
    assert (
        "--stage  STAGE  Only this stage (repeatable): bronze, silver, aggregates, features, "
        "training, score, kpi, experiments" in re.sub(r" {2,}", "  ", result.output)
    )


def test_score_without_an_accepted_model_says_so_and_publishes_nothing(
    spark, lake_root, tmp_path, monkeypatch
):
    monkeypatch.setenv("LIVELAKE_MODELS_ROOT", str(tmp_path / "models"))

    result = runner.invoke(app, ["score", "--day", "2026-01-01"], env={"COLUMNS": "300"})

    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "2026-01-01 score nothing to do" in flat
    assert f"not scored: no model has been trained under {tmp_path / 'models'}" in flat
    assert not (lake_root / "gold").exists()


def test_audit_of_a_day_on_an_empty_lake_exits_1_saying_nothing_ran(lake_root):
    result = runner.invoke(app, ["audit", "--day", "2026-01-05"])
    assert result.exit_code == 1
    assert result.output == (
        f"error: no stage of livelake ran for 2026-01-05 in {lake_root}; days with runs: none\n"
    )


def _dirty(delivered: date, rows: int) -> dict:
    return {
        "run_id": RUN_ID,
        "delivery_date": delivered,
        "table_name": "silver/views",
        "event_date": D1,
        "rows": rows,
        "recorded_at": datetime(2026, 1, 2, 1, tzinfo=UTC),
    }


def _history_rows(output: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in output.splitlines()
        if line.startswith("│")
    ]


@pytest.fixture
def rs_lake(spark, lake_root):
    """The delta-rs writer whatever the classpath: its commits carry the run id at top level."""
    from livelake.config import load_settings
    from livelake.lake import open_lake

    return open_lake(spark, load_settings(lake_root=str(lake_root), delta_writer="delta-rs"))


def test_history_shows_rows_written_and_partitions_where_the_commit_records_them(
    rs_lake, spark, monkeypatch
):
    monkeypatch.setattr(cli, "console", Console(width=160))  # every title on one line
    ctx = RunContext(job="silver.views", day=D2, run_id=RUN_ID)
    rs_lake.append_records(DIRTY_DAYS, [_dirty(D1, 1), _dirty(D2, 2)], ctx)
    day2 = spark.createDataFrame([_dirty(D2, 5)], DIRTY_DAYS.spark_schema())
    rs_lake.replace_partitions(DIRTY_DAYS, day2, [D2], ctx)
    result = runner.invoke(app, ["history", "audit/dirty_days"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "version" in line)
    assert [cell.strip() for cell in header.split("┃")[1:-1]] == [
        *("version", "when (UTC)", "operation", "run", "job", "day"),
        *("rows written", "partitions replaced"),
    ]
    assert [[r[0], r[2], *r[3:]] for r in _history_rows(result.output)] == [
        # the staged commit livelake made through delta-rs records its rows and partitions
        ["2", "WRITE", RUN_ID, "silver.views", "2026-01-02", "1", "2026-01-02"],
        ["1", "WRITE", RUN_ID, "silver.views", "2026-01-02", "2", ""],
        ["0", "CREATE TABLE", "", "", "", "", ""],
    ]


def test_history_shows_the_partitions_a_commit_replaced(rs_lake):
    rs_lake.append_records(DIRTY_DAYS, [_dirty(D1, 1)], RunContext(job="bronze", day=D1))
    one_day = pa.Table.from_pylist([_dirty(D2, 5)], schema=DIRTY_DAYS.arrow_schema())
    write_deltalake(
        rs_lake.uri(DIRTY_DAYS),
        one_day,
        mode="overwrite",
        predicate="delivery_date = '2026-01-02'",
        partition_by=["delivery_date"],
    )
    result = runner.invoke(app, ["history", "audit/dirty_days", "--limit", "1"])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "version" in line)
    assert [cell.strip() for cell in header.split("┃")[-3:-1]] == [
        "rows written",
        "partitions replaced",
    ]
    assert _history_rows(result.output)[0][-2:] == ["1", "delivery_date = '2026-01-02'::date"]


def test_history_in_a_narrow_terminal_keeps_run_ids_whole(rs_lake, monkeypatch):
    rs_lake.append_records(DIRTY_DAYS, [_dirty(D1, 1)], RunContext(job="bronze", run_id=RUN_ID))
    monkeypatch.setattr(cli, "console", Console(width=70))
    result = runner.invoke(app, ["history", "audit/dirty_days"])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert _history_rows(result.output)[0][3] == RUN_ID


def test_init_writes_a_config_with_a_fresh_pii_key(tmp_path):
    target = tmp_path / "livelake.toml"
    result = runner.invoke(app, ["init", "--path", str(target)])
    assert result.exit_code == 0
    text = target.read_text()
    assert 'lake_root = "lake"' in text
    key_line = next(line for line in text.splitlines() if line.startswith("pii_key"))
    assert len(key_line.split('"')[1]) == 64
