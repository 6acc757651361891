"""Evidence packs: one static HTML page per run of a day, for auditors.

Each page shows the run's gate results (linking into the GE Data Docs pages of each suite),
reconciliation counts, quarantine reasons, the code version that ran, the Delta version each
table was published at, the other runs of the same day (reruns, superseded runs) and the
lineage from landed files through the published tables. Plain HTML with inline CSS and no
scripts, and every link relative to the page, so it opens anywhere, offline, forever, and still
works after the lake folder is moved or copied.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from livelake.jobs.quality.audit import DayAudit, stage_runs
from livelake.jobs.quality.gx_context import docs_dir, local_path
from livelake.lake.catalog import commit_history
from livelake.lake.read import read_arrow
from livelake.lake.registry import table as lookup
from livelake.lake.tables.gold import CONVERSION_SCORES, EXPERIMENT_RESULTS

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;font-size:.9rem}
th{background:#f3f3f3}.ok{color:#17702b;font-weight:600}
.bad{color:#b00020;font-weight:600}.warn{color:#a15c00}code{font-size:.85rem}
"""


# How each verdict of `livelake.jobs.report.gate_verdict` is coloured on the pages.
VERDICT_CSS = {"passed": "ok", "passed with warnings": "warn", "refused": "bad"}


def reports_dir(lake_root: str) -> Path:
    return local_path(lake_root) / "reports"


def evidence_dir(lake_root: str, audit: DayAudit) -> Path:
    return reports_dir(lake_root) / "evidence" / audit.day.isoformat()


def evidence_page(lake_root: str, day: date, run_id: str) -> Path:
    return reports_dir(lake_root) / "evidence" / day.isoformat() / f"{run_id}.html"


def docs_page(stored: str | None, lake_root: str) -> Path | None:
    """A Data Docs page recorded at gate time, found in this lake (which may have moved
    since: the stored path is absolute); None when it is not there."""
    if not stored:
        return None
    _, marker, tail = stored.partition("/reports/data_docs/")
    page = docs_dir(lake_root) / tail if marker else Path(stored)
    return page if page.is_file() else None


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body or '<tr><td>none</td></tr>'}</table>"


def _link(target: Path | str | None, text: str, here: Path) -> str:
    """An anchor relative to the page's folder `here` (plain text without a target)."""
    if not target:
        return escape(text)
    return f'<a href="{escape(os.path.relpath(target, here))}">{escape(text)}</a>'


def _severity(level: str) -> str:
    return f'<span class="{"bad" if level == "error" else "warn"}">{escape(level)}</span>'


class RewrittenPartitions:
    """The partitions each version of a table rewrote, from its Delta commit info: each
    table's log read once per report build, however many pages name its versions."""

    def __init__(self, lake_root: str) -> None:
        self.lake_root = lake_root
        self._by_table: dict[str, dict[int, str | None]] = {}

    def __call__(self, table_name: str, version: int) -> str:
        declared = lookup(table_name)
        if not declared.partition_by:
            return "whole table"
        if table_name not in self._by_table:
            commits = commit_history(declared, self.lake_root, limit=None)
            self._by_table[table_name] = {c["version"]: c["partitions"] for c in commits}
        return self._by_table[table_name].get(version) or "—"


def scoring_models(audit: DayAudit, published: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(model id, card) of the models whose scores of the day these publications hold: the
    scores name their model, so the page links the card an auditor judges them by."""
    import pyarrow.compute as pc

    found: set[tuple[str, str]] = set()
    for r in published:
        if r["table_name"] == CONVERSION_SCORES.qualified_name:
            rows = read_arrow(
                CONVERSION_SCORES,
                version=r["table_version"],
                columns=["model_id", "model_card"],
                filter=pc.field("session_date") == audit.day,
                lake_root=audit.lake_root,
            )
            found |= set(zip(*(rows[c].to_pylist() for c in rows.column_names), strict=True))
    return sorted(found)


def experiment_verdicts(audit: DayAudit, published: list[dict[str, Any]]) -> list[dict]:
    """The verdicts (primary metric, each variant against its control) of the experiment
    results these publications hold for the day."""
    import pyarrow.compute as pc

    rows: list[dict] = []
    for r in published:
        if r["table_name"] == EXPERIMENT_RESULTS.qualified_name:
            rows += read_arrow(
                EXPERIMENT_RESULTS,
                version=r["table_version"],
                columns=["experiment_id", "variant", "decision", "decision_reason"],
                filter=(pc.field("as_of_date") == audit.day)
                & pc.field("is_primary")
                & ~pc.field("is_control"),
                lake_root=audit.lake_root,
            ).to_pylist()
    return sorted(rows, key=lambda row: (row["experiment_id"], row["variant"]))


def _card_link(card: str, here: Path) -> str:
    """The card page, linked where it is a file on this machine (else its address as text)."""
    return _link(card if Path(card).is_file() else None, card, here)


def render_run(audit: DayAudit, run_id: str, here: Path, rewritten: RewrittenPartitions) -> str:
    gates = [g for g in audit.gates if g.run_id == run_id]
    published = [r for r in audit.published if r["run_id"] == run_id]
    reconciled = [r for r in audit.reconciliation if r["run_id"] == run_id]
    gate_rows = []
    for gate in gates:
        verdict = f'<span class="{VERDICT_CSS[gate.verdict]}">{gate.verdict}</span>'
        suites = ", ".join(
            _link(docs_page(gate.docs_pages.get(s), audit.lake_root), s, here) for s in gate.suites
        )
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
    others = [r for r in stage_runs(audit) if r.run_id != run_id]
    quarantined = [r for r in audit.quarantine if r["run_id"] == run_id]
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
                "partitions rewritten",
                "published at (UTC)",
            ],
            [
                (
                    escape(r["stage"]),
                    escape(r["table_name"]),
                    r["table_version"],
                    r["rows"],
                    escape(rewritten(r["table_name"], r["table_version"])),
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
        "Quarantine reasons (rows of this day's deliveries this run quarantined)": _table(
            ["table", "reason", "rows"],
            [(escape(r["table_name"]), escape(r["reason"]), r["rows"]) for r in quarantined],
        ),
        "Other runs of this day (reruns; the latest run of a stage is current)": _table(
            ["run", "stage", "verdict", "state"],
            [
                (
                    _link(here / f"{r.run_id}.html", r.run_id, here),
                    escape(r.stage),
                    escape(r.verdict),
                    "current" if r.current else "superseded",
                )
                for r in others
            ],
        ),
        "Lineage": f"<p>{len(landed)} landed file(s) → "
        f"{lineage or 'nothing published by this run'}</p>"
        + _table(
            ["landed file", "bronze table", "rows"],
            [(escape(f), escape(t), n) for f, t, n in landed],
        ),
    }
    models = scoring_models(audit, published)
    if models:
        sections["Conversion model that scored the day (its card: metrics, calibration, gate)"] = (
            _table(
                ["model", "model card"],
                [(f"<code>{escape(m)}</code>", _card_link(card, here)) for m, card in models],
            )
        )
    verdicts = experiment_verdicts(audit, published)
    if verdicts:
        pages = reports_dir(audit.lake_root) / "experiments"
        sections["A/B experiment verdicts of the day (each links its report)"] = _table(
            ["experiment", "variant", "verdict", "why"],
            [
                (
                    _link(
                        page if (page := pages / f"{v['experiment_id']}.html").is_file() else None,
                        v["experiment_id"],
                        here,
                    ),
                    escape(v["variant"]),
                    escape(v["decision"]),
                    escape(v["decision_reason"]),
                )
                for v in verdicts
            ],
        )
    body = "".join(f"<h2>{escape(title)}</h2>{html}" for title, html in sections.items())
    index = docs_page(audit.data_docs, audit.lake_root)
    docs = _link(index, "Data Docs index", here) if index else "no Data Docs in this lake"
    code = audit.code_version(run_id) or "not recorded (the run did not write audit/stage_runs)"
    title = f"livelake evidence · {audit.day} · {escape(run_id)}"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body><h1>Evidence pack · day {audit.day}</h1>"
        f"<p>Run <code>{escape(run_id)}</code> · code version <code>{escape(code)}</code>"
        f" · {_link(reports_dir(audit.lake_root) / 'index.html', 'audit index', here)}"
        f" · {docs}</p>{body}</body></html>\n"
    )


def write_evidence(audit: DayAudit, rewritten: RewrittenPartitions) -> list[Path]:
    """Write one page per run of the day; return their paths."""
    here = evidence_dir(audit.lake_root, audit)
    here.mkdir(parents=True, exist_ok=True)
    pages = []
    for run_id in audit.runs:
        page = here / f"{run_id}.html"
        page.write_text(render_run(audit, run_id, here, rewritten))
        pages.append(page)
    return pages
