"""The run summary folds a week of stage reports into one row per (stage, table)."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from livelake.jobs.report import GateSummary, StageReport, TableCounts
from livelake.summary import run_summary


def _silver(day: int, landed: int, quarantined: int, version: int, passed: bool) -> StageReport:
    return StageReport(
        "silver",
        date(2026, 1, day),
        "ok" if passed else "failed",
        [TableCounts("silver/views", landed, landed - quarantined - 1, quarantined, 1, version)],
        GateSummary(
            suites=1, expectations=10, failed_blocking=0 if passed else 2, failed_warning=0
        ),
    )


def _render(reports: list[StageReport]) -> str:
    console = Console(width=160, record=True)
    console.print(run_summary(reports, "/lake"))
    return console.export_text()


def test_several_days_sum_per_table_and_count_the_gates_that_passed():
    text = _render(
        [_silver(1, 100, 3, 1, True), _silver(2, 50, 2, 2, True), _silver(3, 10, 0, 2, False)]
    )
    [row] = [line for line in text.splitlines() if "silver/views" in line]
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells == ["silver", "silver/views", "160", "152", "5", "3", "2", "2/3"]
    assert "2026-01-01 .. 2026-01-03" in text


def test_one_day_keeps_its_own_counts():
    text = _render([_silver(4, 100, 3, 7, True)])
    [row] = [line for line in text.splitlines() if "silver/views" in line]
    assert [c.strip() for c in row.strip("│ ").split("│")][2:] == [
        "100",
        "96",
        "3",
        "1",
        "7",
        "1/1",
    ]


def test_several_days_say_that_rows_written_count_every_rebuild():
    text = _render([_silver(1, 100, 3, 1, True), _silver(2, 50, 2, 2, True)])
    assert "rows written" in text.splitlines()[2]
    assert " ".join(text.split()).endswith(
        "rows written are summed over the days: a table rebuilt every day counts all its rows "
        "once per rebuild"
    )


def test_one_day_needs_no_note_on_rebuilt_rows():
    text = _render([_silver(4, 100, 3, 7, True)])
    assert "summed over the days" not in text
