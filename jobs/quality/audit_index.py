"""The audit index, `reports/index.html`: every day × stage run of the lake on one page.

An auditor starts here: the period's verdicts summed up dbt style (`PASS=… WARN=… ERROR=…`,
counting each day × stage's current run, i.e. its latest), then one row per stage run with its
verdict, the table versions it published, its reconciliation and links to its evidence page and
Data Docs pages. Earlier runs of a day × stage stay listed, marked superseded. Links are
relative, so the index works offline and after the lake folder is moved or copied.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from pathlib import Path

from jinja2 import Environment

from livelake.jobs.quality.audit import (
    OUTCOME,
    DayAudit,
    StageRun,
    audit_day,
    audited_days,
    stage_runs,
)
from livelake.jobs.quality.evidence import (
    STYLE,
    RewrittenPartitions,
    docs_page,
    evidence_page,
    reports_dir,
    write_evidence,
)

TEMPLATE = """<!doctype html><html><head><meta charset="utf-8">
<title>livelake audit index · {{ first }} – {{ last }}</title>
<style>{{ style }} tr.superseded td{color:#888} .summary{font-size:1.1rem}</style></head><body>
<h1>Audit index · {{ first }} – {{ last }}</h1>
<p class="summary" id="summary"><code>{{ summary }}</code></p>
<p>Counts are over each day × stage's current run (its latest); {{ superseded }} earlier
run(s) are listed below as superseded. Verdicts: <b>passed</b> (PASS), <b>passed with
warnings</b> (WARN: published, flagged), <b>refused</b> by the gate, <b>failed</b> or
<b>error</b> (ERROR: nothing of the stage was published), <b>skipped</b> (SKIP).</p>
<table id="runs"><tr><th>day</th><th>stage</th><th>run</th><th>state</th><th>verdict</th>
<th>blocking</th><th>warnings</th><th>published versions</th>
<th>reconciliation: landed = published + quarantined + duplicates</th>
<th>evidence</th><th>Data Docs</th></tr>
{% for row in rows %}<tr class="{{ 'current' if row.run.current else 'superseded' }}">
<td>{{ row.run.day }}</td><td>{{ row.run.stage }}</td><td><code>{{ row.run.run_id }}</code></td>
<td>{{ row.state }}</td><td class="{{ row.css }}">{{ row.run.verdict }}</td>
<td>{{ row.run.gate.failed_blocking if row.run.gate else "" }}</td>
<td>{{ row.run.gate.failed_warning if row.run.gate else "" }}</td>
<td>{% for table, version in row.run.versions %}{{ table }}@v{{ version }}{{ ", " if not loop.last
}}{% endfor %}</td>
<td>{% if row.reconciled %}{{ row.reconciled }}{% else %}not recorded by this stage{% endif %}</td>
<td><a href="{{ row.evidence }}">evidence</a></td>
<td>{% for suite, href in row.docs %}{% if href %}<a href="{{ href }}">{{ suite }}</a>{% else
%}{{ suite }}{% endif %}{{ ", " if not loop.last }}{% endfor %}</td></tr>
{% endfor %}</table></body></html>
"""
CSS = {"PASS": "ok", "WARN": "warn", "ERROR": "bad", "SKIP": ""}


def summary_line(runs: list[StageRun]) -> str:
    """`PASS=5 WARN=1 ERROR=1 SKIP=0 TOTAL=7` over the current runs."""
    counts = Counter(r.outcome for r in runs if r.current)
    parts = [f"{name}={counts[name]}" for name in dict.fromkeys(OUTCOME.values())]
    return " ".join([*parts, f"TOTAL={sum(counts.values())}"])


def _state(run: StageRun, runs: list[StageRun]) -> str:
    same = [r for r in runs if (r.day, r.stage) == (run.day, run.stage)]
    attempt = same.index(run) + 1
    rerun = f" (rerun {attempt} of {len(same)})" if len(same) > 1 else ""
    return ("current" if run.current else "superseded") + rerun


def _reconciled(run: StageRun) -> str | None:
    r = run.reconciliation
    if r is None:
        return None
    balanced = "balanced" if r["balanced"] else "NOT balanced"
    return (
        f"{r['landed']} = {r['published']} + {r['quarantined']} + "
        f"{r['duplicates_dropped']} ({balanced})"
    )


def render_index(audits: list[DayAudit], lake_root: str, here: Path) -> str:
    """The index page for `audits`, with links relative to the folder `here`."""
    runs = [r for a in audits for r in stage_runs(a)]
    rows = []
    for run in runs:
        docs = []
        for suite in run.gate.suites if run.gate else []:
            page = docs_page(run.gate.docs_pages.get(suite), lake_root)
            docs.append((suite, page and os.path.relpath(page, here)))
        evidence = evidence_page(lake_root, run.day, run.run_id)
        rows.append(
            {
                "run": run,
                "state": _state(run, runs),
                "css": CSS[run.outcome],
                "reconciled": _reconciled(run),
                "evidence": os.path.relpath(evidence, here),
                "docs": docs,
            }
        )
    days = [a.day for a in audits] or [date.today()]
    template = Environment(autoescape=True).from_string(TEMPLATE)
    return template.render(
        style=STYLE,
        first=min(days),
        last=max(days),
        summary=summary_line(runs),
        superseded=sum(not r.current for r in runs),
        rows=rows,
    )


def write_reports(lake_root: str) -> tuple[list[Path], Path]:
    """(Re)write every day's evidence pages and the index over them; return both.

    All days, not only the last: a rerun supersedes runs on pages written before it.
    """
    audits = [audit_day(lake_root, d) for d in audited_days(lake_root, date.min)]
    rewritten = RewrittenPartitions(lake_root)
    pages = [page for audit in audits for page in write_evidence(audit, rewritten)]
    here = reports_dir(lake_root)
    here.mkdir(parents=True, exist_ok=True)
    index = here / "index.html"
    index.write_text(render_index(audits, lake_root, here), encoding="utf-8")
    return pages, index
