"""Evidence packs: one static HTML page per run of a day, for auditors.

Each page shows the run's gate results (linking into the GE Data Docs pages of each suite),
reconciliation counts, the Delta version each table was published at, the other runs of the
same day (reruns / backfills) and the lineage from landed files through the published tables.
Plain HTML with inline CSS and no scripts, so it opens anywhere, offline, forever.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

from livelake.jobs.quality.audit import DayAudit
from livelake.jobs.quality.gx_context import local_path

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;font-size:.9rem}
th{background:#f3f3f3}.ok{color:#17702b;font-weight:600}
.bad{color:#b00020;font-weight:600}.warn{color:#a15c00}code{font-size:.85rem}
"""


def evidence_dir(lake_root: str, audit: DayAudit) -> Path:
    return local_path(lake_root) / "reports" / "evidence" / audit.day.isoformat()


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body or '<tr><td>none</td></tr>'}</table>"


def _link(target: str | None, text: str, here: Path) -> str:
    if not target:
        return escape(text)
    return f'<a href="{escape(os.path.relpath(target, here))}">{escape(text)}</a>'


def _severity(level: str) -> str:
    return f'<span class="{"bad" if level == "error" else "warn"}">{escape(level)}</span>'


def render_run(audit: DayAudit, run_id: str, here: Path) -> str:
    gates = [g for g in audit.gates if g.run_id == run_id]
    published = [r for r in audit.published if r["run_id"] == run_id]
    reconciled = [r for r in audit.reconciliation if r["run_id"] == run_id]
    gate_rows = []
    for gate in gates:
        verdict = (
            '<span class="ok">passed</span>' if gate.passed else '<span class="bad">FAILED</span>'
        )
        suites = ", ".join(_link(gate.docs_pages.get(s), s, here) for s in gate.suites)
        gate_rows.append(
            (
                escape(gate.stage),
                verdict,
                gate.expectations,
                gate.failed_blocking,
                gate.failed_warning,
                suites,
            )
        )
    failure_rows = [
        (
            escape(gate.stage),
            escape(f["table"]),
            _severity(f["severity"]),
            f"<code>{escape(f['expectation'])}</code> {escape(f['column'] or '')}",
            escape(f["rule"]),
            escape(str(f["observed"] or "")),
            f["unexpected_count"] if f["unexpected_count"] is not None else "",
            escape(", ".join(map(str, f["examples"][:5]))),
        )
        for gate in gates
        for f in gate.failures
    ]
    others = [r for r in audit.runs if r != run_id]
    landed = sorted({(r["source_file"], r["bronze_table"], r["rows"]) for r in audit.landed})
    tables_by_stage: dict[str, list[str]] = {}
    for r in published:
        tables_by_stage.setdefault(r["stage"], []).append(r["table_name"])
    lineage = " → ".join(
        f"<b>{escape(stage)}</b>: {escape(', '.join(tables))}"
        for stage, tables in tables_by_stage.items()
    )
    balanced = {True: '<span class="ok">yes</span>', False: '<span class="bad">NO</span>'}
    sections = {
        "Gates": _table(
            ["stage", "verdict", "expectations", "blocking", "warnings", "suites (Data Docs)"],
            gate_rows,
        ),
        # A warning is not a failure of published data: the heading says which is which.
        "Expectations not met (error: the stage was refused; warn: published, flagged)": _table(
            ["stage", "table", "severity", "expectation", "rule", "observed", "rows", "examples"],
            failure_rows,
        ),
        "Published table versions": _table(
            [
                "stage",
                "table",
                "Delta version",
                "rows written (the rewritten partitions, not the whole table)",
                "published at (UTC)",
            ],
            [
                (
                    escape(r["stage"]),
                    escape(r["table_name"]),
                    r["table_version"],
                    r["rows"],
                    r["published_at"],
                )
                for r in published
            ],
        ),
        "Reconciliation": _table(
            ["table", "landed", "published", "quarantined", "duplicates dropped", "balanced"],
            [
                (
                    escape(r["table_name"]),
                    r["landed"],
                    r["published"],
                    r["quarantined"],
                    r["duplicates_dropped"],
                    balanced[bool(r["balanced"])],
                )
                for r in reconciled
            ],
        ),
        "Other runs of this day (reruns, backfills)": _table(
            ["run"], [(_link(str(here / f"{r}.html"), r, here),) for r in others]
        ),
        "Lineage": f"<p>{len(landed)} landed file(s) → "
        f"{lineage or 'nothing published by this run'}</p>"
        + _table(
            ["landed file", "bronze table", "rows"],
            [(escape(f), escape(t), n) for f, t, n in landed],
        ),
    }
    body = "".join(f"<h2>{escape(title)}</h2>{html}" for title, html in sections.items())
    docs = _link(audit.data_docs, "Data Docs index", here)
    title = f"livelake evidence · {audit.day} · {escape(run_id)}"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body><h1>Evidence pack · day {audit.day}</h1>"
        f"<p>Run <code>{escape(run_id)}</code> · lake <code>{escape(audit.lake_root)}</code>"
        f" · {docs}</p>{body}</body></html>\n"
    )


def write_evidence(audit: DayAudit) -> list[Path]:
    """Write one page per run of the day; return their paths."""
    here = evidence_dir(audit.lake_root, audit)
    here.mkdir(parents=True, exist_ok=True)
    pages = []
    for run_id in audit.runs:
        page = here / f"{run_id}.html"
        page.write_text(render_run(audit, run_id, here))
        pages.append(page)
    return pages
