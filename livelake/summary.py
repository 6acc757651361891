"""Rich renderings of what a run did, shared by `livelake run`, `demo` and `backfill`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from livelake.jobs.report import StageReport, TableCounts, verdict_counts

if TYPE_CHECKING:
    from livelake.jobs.quality.audit import DayAudit

MAX_WARNINGS_PRINTED = 10  # blocking failures are always printed in full

STATUS_STYLE = {
    "ok": "[green]ok[/]",
    "failed": "[bold red]FAILED[/]",
    "skipped": "[yellow]skipped[/]",
    "nothing_to_do": "[dim]nothing to do[/]",
}
# A gate's verdict (`livelake.jobs.report.gate_verdict`), the same words as on every page.
VERDICT_STYLE = {
    "passed": "[green]passed[/]",
    "passed with warnings": "[yellow]passed with warnings[/]",
    "refused": "[bold red]refused[/]",
}


def stage_line(report: StageReport, profile: bool = False) -> str:
    """One line per stage run; with `profile`, the Spark jobs it ran (per part and per gated
    table where it has them) on the lines below."""
    gate = ""
    if report.gate is not None:
        g = report.gate
        gate = (
            f" · gate {VERDICT_STYLE[g.verdict]} ({g.expectations} expectations,"
            f" {verdict_counts(g.failed_blocking, g.failed_warning)}, {g.seconds:.1f}s)"
        )
    line = (
        f"{report.day} {report.stage:<10} {STATUS_STYLE[report.status]}{gate}"
        f" [dim]{report.seconds:.1f}s[/] {escape(report.message)}"
    )
    return line + (profile_lines(report) if profile else "")


def _jobs(count: int | None) -> str:
    return "?" if count is None else f"{count:,}"


def profile_lines(report: StageReport) -> str:
    """`  spark jobs 412 · silver.users 17 · … · gate: silver/users 9 · …`"""
    parts = " · ".join(f"{name} {_jobs(n)}" for name, n in report.part_jobs.items())
    gated = report.gate.spark_jobs if report.gate else {}
    tables = " · ".join(f"{name} {_jobs(n)}" for name, n in gated.items())
    text = f"\n    [cyan]spark jobs {_jobs(report.spark_jobs)}[/]"
    text += f" [dim]parts:[/] {parts}" if parts else ""
    text += f"\n    [dim]gate, per table:[/] {tables}" if tables else ""
    return text


def run_summary(reports: Sequence[StageReport], lake_root: str) -> Table:
    """Rows in/written/quarantined per table, gate verdicts, where the data lives.

    One day: a row per table. Several days: a row per (stage, table) with the counts summed
    over the days, the latest published version and how many of the days' gates passed, so a
    week of runs still fits one screen.
    """
    days = sorted({r.day for r in reports})
    single = len(days) <= 1
    span = str(days[0]) if single and days else f"{days[0]} .. {days[-1]}" if days else ""
    table = Table(title=f"Run summary {span} · lake at {lake_root}", show_lines=False)
    if not single:
        table.caption = (
            "rows written are summed over the days: a table rebuilt every day counts "
            "all its rows once per rebuild"
        )
    for name, justify in (
        ("stage", "left"),
        ("table", "left"),
        ("rows in", "right"),
        ("rows written", "right"),
        ("quarantined", "right"),
        ("duplicates", "right"),
        ("version", "right"),
        ("gates passed", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for stage, stage_reports in _by_stage(reports).items():
        gated = [r for r in stage_reports if r.gate is not None]
        passed = sum(r.gate.passed for r in gated)  # type: ignore[union-attr]
        gates = f"{passed}/{len(gated)}" if gated else ""
        if passed < len(gated):
            gates = f"[bold red]{gates}[/]"
        rows = _table_totals(stage_reports)
        if not rows:
            table.add_row(stage, "—", "", "", "", "", "", gates)
        for i, c in enumerate(rows):
            table.add_row(
                stage if i == 0 else "",
                c.table,
                "" if c.rows_in is None else f"{c.rows_in:,}",
                f"{c.rows_out:,}",
                f"{c.quarantined:,}" if c.quarantined else "",
                f"{c.duplicates:,}" if c.duplicates else "",
                "" if c.version is None else str(c.version),
                gates if i == 0 else "",
            )
    return table


def _by_stage(reports: Sequence[StageReport]) -> dict[str, list[StageReport]]:
    out: dict[str, list[StageReport]] = {}
    for report in reports:
        out.setdefault(report.stage, []).append(report)
    return out


def _table_totals(reports: Sequence[StageReport]) -> list[TableCounts]:
    """Counts of each table summed over the reports; the version is the latest one."""
    totals: dict[str, TableCounts] = {}
    for report in reports:
        for c in report.tables:
            t = totals.get(c.table)
            if t is None:
                totals[c.table] = replace(c)
                continue
            t.rows_in = None if t.rows_in is None or c.rows_in is None else t.rows_in + c.rows_in
            t.rows_out += c.rows_out
            t.quarantined += c.quarantined
            t.duplicates += c.duplicates
            t.version = c.version if c.version is not None else t.version
    return list(totals.values())


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
        for name in ("day", "gates passed", "gates refused", "warnings", "tables", "runs"):
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
    # Auditors copy run ids from here: fold long cells, never cut them with "…".
    for name in ("stage", "run", "verdict", "expectations", "blocking", "warnings", "suites"):
        gates.add_column(name, overflow="fold")
    current = {id(g) for g in audit.current()}
    for g in audit.gates:
        verdict = VERDICT_STYLE[g.verdict]
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
        published.add_column(name, overflow="fold")
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
    for run in audit.interrupted:
        line = f"{run.stage} run {run.run_id} started and never finished (killed, or running now)"
        out.append(f"[red]•[/] {escape(line)}")
    for r in audit.rejected_files:
        line = f"{r['source_file']} rejected by bronze: {r['reason']} (run {r['run_id']})"
        out.append(f"[red]•[/] {escape(line)}")
    warnings_shown = 0
    for g in audit.current():
        for f in g.failures:
            if f["severity"] != "error":
                warnings_shown += 1
                if warnings_shown > MAX_WARNINGS_PRINTED:
                    continue
            colour = "red" if f["severity"] == "error" else "yellow"
            line = (
                f"{g.stage} {f['table']}: {f['expectation']}({f['column'] or ''})"
                f" [{f['severity']}] {f['rule']}; observed={f['observed']}"
                f" unexpected={f['unexpected_count']} e.g. {f['examples'][:3]}"
            )
            out.append(f"[{colour}]•[/] {escape(line)}")
    if warnings_shown > MAX_WARNINGS_PRINTED:
        hidden = warnings_shown - MAX_WARNINGS_PRINTED
        out.append(f"[yellow]… and {hidden} more warnings[/] (all in `--json` and Data Docs)")
    out.append(f"Data Docs: {audit.data_docs}")
    return out
