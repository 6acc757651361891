"""Rich renderings of what a run did, shared by `livelake run`, `demo` and `backfill`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from livelake.jobs.report import StageReport

if TYPE_CHECKING:
    from livelake.jobs.quality.audit import DayAudit

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
        gate = (
            f" · gate {verdict} ({g.expectations} expectations, {g.failed_warning} warnings,"
            f" {g.seconds:.1f}s)"
        )
    return (
        f"{report.day} {report.stage:<10} {STATUS_STYLE[report.status]}{gate}"
        f" [dim]{report.seconds:.1f}s[/] {escape(report.message)}"
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
        console.print(
            f"[bold red]✗ {report.stage} failed for {report.day}:[/] {escape(report.message)}"
        )
        if report.gate is not None:
            for failure in report.gate.failures[:20]:
                console.print(f"   [red]•[/] {escape(failure)}")
            if report.gate.report_path:
                console.print(f"   Data Docs: {report.gate.report_path}")


def audit_tables(audit: DayAudit | None, period: list[dict[str, Any]] | None = None) -> list:
    """`livelake audit`: gates per stage, published versions, reconciliation (or a period)."""
    if audit is None:
        out = Table(title="Audit summary")
        for name in ("day", "gates passed", "gates failed", "warnings", "tables", "runs"):
            out.add_column(name)
        for line in period or []:
            failed = line["gates_failed"]
            out.add_row(
                line["day"],
                str(line["gates_passed"]),
                f"[bold red]{failed}[/]" if failed else "0",
                str(line["warnings"]),
                str(line["tables_published"]),
                f"{line['runs']} ({line['reruns']} reruns)",
            )
        return [out]
    gates = Table(title=f"Gates for {audit.day} · lake at {audit.lake_root}")
    for name in ("stage", "run", "verdict", "expectations", "blocking", "warnings", "suites"):
        gates.add_column(name)
    current = {id(g) for g in audit.current()}
    for g in audit.gates:
        verdict = "[green]passed[/]" if g.passed else "[bold red]FAILED[/]"
        if id(g) not in current:
            verdict += " [dim](superseded)[/]"
        gates.add_row(
            g.stage,
            g.run_id,
            verdict,
            str(g.expectations),
            str(g.failed_blocking),
            str(g.failed_warning),
            ", ".join(g.suites),
        )
    published = Table(title="Published table versions")
    for name in ("stage", "table", "version", "rows", "run", "published at"):
        published.add_column(name)
    for r in audit.published:
        published.add_row(
            r["stage"],
            r["table_name"],
            str(r["table_version"]),
            f"{r['rows'] or 0:,}",
            r["run_id"],
            str(r["published_at"])[:19],
        )
    out: list = [gates, published]
    if audit.reconciliation:
        rec = Table(title="Reconciliation")
        for name in ("table", "landed", "published", "quarantined", "duplicates", "balanced"):
            rec.add_column(name)
        for r in audit.reconciliation:
            rec.add_row(
                r["table_name"],
                str(r["landed"]),
                str(r["published"]),
                str(r["quarantined"]),
                str(r["duplicates_dropped"]),
                "yes" if r["balanced"] else "[bold red]NO[/]",
            )
        out.append(rec)
    for g in audit.current():
        for f in g.failures:
            colour = "red" if f["severity"] == "error" else "yellow"
            line = (
                f"{g.stage} {f['table']}: {f['expectation']}({f['column'] or ''})"
                f" [{f['severity']}] {f['rule']}; observed={f['observed']}"
                f" unexpected={f['unexpected_count']} e.g. {f['examples'][:3]}"
            )
            out.append(f"[{colour}]•[/] {escape(line)}")
    out.append(f"Data Docs: {audit.data_docs}")
    return out
