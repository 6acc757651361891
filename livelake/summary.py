"""Rich renderings of what a run did, shared by `livelake run`, `demo` and `backfill`."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from livelake.jobs.report import StageReport

STATUS_STYLE = {
    "ok": "[green]ok[/]",
    "failed": "[bold red]FAILED[/]",
    "skipped": "[yellow]skipped[/]",
    "nothing_to_do": "[dim]nothing to do[/]",
}


def stage_line(report: StageReport) -> str:
    gate = ""
    if report.gate is not None:
        g = report.gate
        verdict = "[green]passed[/]" if g.passed else "[bold red]failed[/]"
        gate = f" · gate {verdict} ({g.expectations} expectations, {g.failed_warning} warnings)"
    return (
        f"{report.day} {report.stage:<10} {STATUS_STYLE[report.status]}{gate}"
        f" [dim]{report.seconds:.1f}s[/] {report.message}"
    )


def run_summary(reports: Sequence[StageReport], lake_root: str) -> Table:
    """Rows in/out/quarantined per table, gate verdicts, where the data lives."""
    table = Table(title=f"Run summary · lake at {lake_root}", show_lines=False)
    for name, justify in (
        ("day", "left"),
        ("stage", "left"),
        ("table", "left"),
        ("rows in", "right"),
        ("rows out", "right"),
        ("quarantined", "right"),
        ("duplicates", "right"),
        ("version", "right"),
        ("gate", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for report in reports:
        gate = "" if report.gate is None else ("passed" if report.gate.passed else "FAILED")
        if not report.tables:
            table.add_row(str(report.day), report.stage, "—", "", "", "", "", "", gate)
        for i, counts in enumerate(report.tables):
            table.add_row(
                str(report.day) if i == 0 else "",
                report.stage if i == 0 else "",
                counts.table,
                "" if counts.rows_in is None else f"{counts.rows_in:,}",
                f"{counts.rows_out:,}",
                f"{counts.quarantined:,}" if counts.quarantined else "",
                f"{counts.duplicates:,}" if counts.duplicates else "",
                "" if counts.version is None else str(counts.version),
                gate if i == 0 else "",
            )
    return table


def print_failures(console: Console, reports: Sequence[StageReport]) -> None:
    for report in reports:
        if report.status != "failed":
            continue
        console.print(f"[bold red]✗ {report.stage} failed for {report.day}:[/] {report.message}")
        if report.gate is not None:
            for failure in report.gate.failures[:20]:
                console.print(f"   [red]•[/] {failure}")
            if report.gate.report_path:
                console.print(f"   Data Docs: {report.gate.report_path}")
