"""`livelake generate` shows progress and a per-stream summary, and rejects bad input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from livelake.cli import app

runner = CliRunner()


def test_generate_writes_deliveries_and_prints_rows_per_stream(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "generate",
            "--days",
            "2",
            "--users",
            "300",
            "--events-per-day",
            "2000",
            "--seed",
            "1",
            "--out",
            str(tmp_path),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "platform").iterdir()) == [
        "dt=2026-01-01",
        "dt=2026-01-02",
    ]
    for name in ("views", "interactions", "cart_events", "orders", "users", "session_products"):
        assert name in result.output
    assert "Defects injected" in result.output


def test_generate_rejects_an_impossible_config_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--days", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "days must be >= 1" in result.output
    assert "Traceback" not in result.output
