"""One verdict everywhere: for a passing, a warning and a refused day, the evidence page, the
Data Docs validation page, the dashboard cell and `livelake audit` say the same words and the
same counts, and a warning never reads as a failure."""

from __future__ import annotations

import re
from html import unescape

import polars as pl
import pytest
from typer.testing import CliRunner

from livelake.cli import app
from livelake.dashboard import gate_status
from livelake.jobs.quality.audit import audit_day
from livelake.jobs.quality.evidence import docs_page, evidence_page
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import QUALITY_RESULTS
from tests.jobs.quality.three_days import PASSING, REFUSED, WARNING

EXPECTED = {
    PASSING: ("passed", "0 blocking failures, 0 warnings"),
    WARNING: ("passed with warnings", "0 blocking failures, 1 warning"),
    REFUSED: ("refused", "1 blocking failure, 1 warning"),
}


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.parametrize("day", list(EXPECTED), ids=["passing", "warning", "refused"])
def test_every_page_of_a_day_shows_the_gates_verdict_and_counts(three_days, day):
    verdict, counts = EXPECTED[day]
    blocking, warnings = (int(n) for n in re.findall(r"\d+", counts))
    audit = audit_day(str(three_days), day)
    (gate,) = audit.gates
    assert (gate.verdict, gate.failed_blocking, gate.failed_warning) == (
        verdict,
        blocking,
        warnings,
    )

    evidence = _text(evidence_page(str(three_days), day, gate.run_id).read_text())
    assert f"silver {verdict} {gate.expectations} {blocking} {warnings} silver.views" in evidence
    # a published version names the partition it rewrote (the day's), a refusal publishes none
    rewrote = re.findall(rf"silver silver/views \d+ 2 ({day}) ", evidence)
    assert rewrote == ([] if verdict == "refused" else [str(day)])
    severities = re.findall(r"silver silver/views (error|warn) ", evidence)
    assert severities == ["error"] * blocking + ["warn"] * warnings

    page = docs_page(gate.docs_pages["silver.views"], str(three_days)).read_text()
    # A failed warn expectation gets a warning sign, not the red cross of a refusal.
    assert page.count('class="fas fa-exclamation-triangle text-warning"') == warnings + (
        verdict == "passed with warnings"  # the verdict's own icon
    )
    assert page.count('class="fas fa-times text-danger"') == 2 * blocking  # row and verdict
    docs = _text(page)
    assert f"Verdict: {verdict} ({counts}) Gate: stage silver {verdict} ({counts})" in docs
    assert f"Blocking failures (severity error: the stage is refused) {blocking}" in docs
    assert f"Warnings (severity warn: published, flagged) {warnings}" in docs
    # GE's filter button "Show All / Failed Only" is the only "Failed" left on the page.
    assert "Status:" not in docs and "Failed" not in docs.replace("Show All Failed Only", "")
    assert re.findall(r"Status Severity Expectation Observed Value", docs)
    assert docs.count(" warn ") == 1  # the channel rule, whatever its outcome

    results = pl.from_arrow(read_arrow(QUALITY_RESULTS))
    (cell,) = [c for c in gate_status(results) if c.day == day]
    assert (cell.verdict, cell.failed, cell.warned) == (verdict, blocking, warnings)

    shown = CliRunner().invoke(app, ["audit", "--day", day.isoformat()], env={"COLUMNS": "250"})
    assert shown.exit_code == (1 if verdict == "refused" else 0), shown.output
    gates_table = shown.output.split("Published table versions")[0]
    (line,) = [row for row in gates_table.splitlines() if row.startswith("│ silver")]
    assert f"│ {verdict} " in line and "FAILED" not in shown.output
    assert re.search(rf"│ {blocking}\s+│ {warnings}\s+│", line), line
