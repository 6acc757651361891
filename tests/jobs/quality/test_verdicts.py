"""One verdict everywhere: for a passing, a warning and a refused day, the evidence page, the
Data Docs validation page, the dashboard cell and `livelake audit` say the same words and the
same counts, and a warning never reads as a failure."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import polars as pl
import pytest
from typer.testing import CliRunner

from livelake.cli import app
from livelake.dashboard import gate_status
from livelake.jobs.publish import GateFailedError, publish
from livelake.jobs.quality.audit import audit_day
from livelake.jobs.quality.audit_index import write_reports
from livelake.jobs.quality.evidence import docs_page, evidence_page
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import QUALITY_RESULTS
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import DAY, view_row

PASSING, WARNING, REFUSED = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)
# A warn rule of its own, so the test does not depend on the shipped silver suite.
SUITE = (
    '{"name": "silver.views", "expectations": [{"type": "expect_column_values_to_be_in_set",'
    ' "kwargs": {"column": "channel", "value_set": ["feed"]}, "meta": {"severity": "warn",'
    ' "rule": "channel is feed"}}]}'
)


def _rows(day, *, channels=("feed", "feed"), duplicate=False):
    ids = ["a", "a"] if duplicate else ["a", "b"]
    return [
        view_row(f"{day}-{e}", event_date=day, delivery_date=day, channel=channel, line_number=i)
        for i, (e, channel) in enumerate(zip(ids, channels, strict=True), start=1)
    ]


@pytest.fixture
def three_days(spark, lake_root, views_frame, monkeypatch, tmp_path):
    """A lake with one gated silver run per day: passed, passed with warnings, refused."""
    folder = tmp_path / "suites" / "silver"
    folder.mkdir(parents=True)
    (folder / "views.json").write_text(SUITE)
    monkeypatch.setenv("LIVELAKE_EXPECTATIONS_DIR", str(tmp_path / "suites"))
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    settings.cache_clear()
    days = {
        PASSING: _rows(PASSING),
        WARNING: _rows(WARNING, channels=("feed", "search")),
        REFUSED: _rows(REFUSED, channels=("feed", "search"), duplicate=True),
    }
    for day, rows in days.items():
        ctx = JobContext.create(settings(), job="test.verdicts", spark=spark).job("silver", day)
        staged = ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [day])
        if day == REFUSED:
            with pytest.raises(GateFailedError):
                publish(ctx, "silver", day, [staged])
        else:
            publish(ctx, "silver", day, [staged])
    write_reports(str(lake_root))
    return lake_root


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
