"""The command line speaks first to people: help that reads well, one-line errors."""

from __future__ import annotations

from typer.testing import CliRunner

from livelake.cli import app

runner = CliRunner()


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


def test_run_rejects_an_unknown_stage_before_starting_spark(lake_root):
    result = runner.invoke(app, ["run", "--day", "2026-01-01", "--stage", "gold-plating"])
    assert result.exit_code == 2
    assert "unknown stage(s) ['gold-plating']" in result.output


def test_init_writes_a_config_with_a_fresh_pii_key(tmp_path):
    target = tmp_path / "livelake.toml"
    result = runner.invoke(app, ["init", "--path", str(target)])
    assert result.exit_code == 0
    text = target.read_text()
    assert 'lake_root = "lake"' in text
    key_line = next(line for line in text.splitlines() if line.startswith("pii_key"))
    assert len(key_line.split('"')[1]) == 64
