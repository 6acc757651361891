"""The audit index and evidence pages: one row per day × stage run with its verdict, the
period's PASS/WARN/ERROR counts, and only relative links that resolve, even in a moved lake."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from livelake.jobs.quality.audit_index import write_reports
from livelake.lake import RunContext
from livelake.lake.delta_rs import DeltaRsLake
from livelake.lake.tables.audit import (
    PUBLISHED_RUNS,
    QUALITY_RESULTS,
    RECONCILIATION,
    STAGE_RUNS,
)
from livelake.lake.tables.silver import QUARANTINE

D1, D2 = date(2026, 1, 2), date(2026, 1, 3)
T0 = datetime(2026, 1, 3, 1, 0, tzinfo=UTC)
CODE = "0.4.0+abc123def456"
DOCS = "reports/data_docs/validations/silver.views/{run}/page.html"


def _result(run, day, stage, at, *, severity="error", success=True, docs_root=None):
    page = str(docs_root / DOCS.format(run=run)) if docs_root else None
    return {
        "run_id": run,
        "day": day,
        "stage": stage,
        "table_name": "silver/views" if stage == "silver" else "gold/user_features",
        "table_version": 3,
        "suite": "silver.views" if stage == "silver" else "gold.user_features",
        "expectation": "expect_column_values_to_be_unique",
        "column_name": "event_id",
        "severity": severity,
        "success": success,
        "observed_value": None,
        "unexpected_count": 0 if success else 2,
        "details": json.dumps({"rule": "key event_id is unique", "data_docs_page": page}),
        "validated_at": at,
    }


def _stage_run(run, day, stage, status, at):
    return {
        "run_id": run,
        "day": day,
        "stage": stage,
        "status": status,
        "code_version": CODE,
        "message": "",
        "seconds": 1.0,
        "finished_at": at,
    }


def _published(run, day, stage, table, version, at):
    return {
        "run_id": run,
        "day": day,
        "stage": stage,
        "table_name": table,
        "table_version": version,
        "rows": 10,
        "published_at": at,
    }


def _quarantined(run, line, reason):
    return {
        "source": "platform",
        "delivery_date": D1,
        "source_file": "platform/views.jsonl.gz",
        "line_number": line,
        "raw": "{}",
        "reason": reason,
        "rule": "a rule",
        "run_id": run,
        "quarantined_at": T0,
    }


def seed(root: Path) -> None:
    """D1: silver refused (run-1), rerun passed (run-2), features warned. D2: silver passed,
    features refused, training skipped. Data Docs paths are stored absolute, as GE gives them."""
    lake, run = DeltaRsLake(None, str(root)), RunContext(job="test")
    t = [T0 + timedelta(hours=h) for h in range(6)]
    lake.append_records(
        QUALITY_RESULTS,
        [
            _result("run-1", D1, "silver", t[0], success=False, docs_root=root),
            _result("run-2", D1, "silver", t[1], docs_root=root),
            _result("run-2", D1, "features", t[2], severity="warn", success=False),
            _result("run-3", D2, "silver", t[3], docs_root=root),
            _result("run-3", D2, "features", t[4], success=False),
        ],
        run,
    )
    lake.append_records(
        STAGE_RUNS,
        [
            _stage_run("run-1", D1, "silver", "failed", t[0]),
            _stage_run("run-2", D1, "silver", "ok", t[1]),
            _stage_run("run-2", D1, "features", "ok", t[2]),
            _stage_run("run-3", D2, "silver", "ok", t[3]),
            _stage_run("run-3", D2, "features", "failed", t[4]),
            _stage_run("run-3", D2, "training", "skipped", t[5]),
        ],
        run,
    )
    lake.append_records(
        PUBLISHED_RUNS,
        [
            _published("run-2", D1, "silver", "silver/views", 4, t[1]),
            _published("run-2", D1, "features", "gold/user_features", 7, t[2]),
            _published("run-3", D2, "silver", "silver/views", 5, t[3]),
        ],
        run,
    )
    lake.append_records(
        RECONCILIATION,
        [
            {
                "run_id": "run-2",
                "delivery_date": D1,
                "table_name": "silver/views",
                "landed": 9,
                "published": 5,
                "quarantined": 3,
                "duplicates_dropped": 1,
                "balanced": True,
                "recorded_at": t[1],
            }
        ],
        run,
    )
    lake.append_records(
        QUARANTINE["views"],
        [
            _quarantined("run-2", 3, "malformed"),
            *(_quarantined("run-2", n, "null_key") for n in (4, 5)),
        ],
        run,
    )
    for name in ("run-1", "run-2", "run-3"):
        page = root / DOCS.format(run=name)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("<html>validation</html>")
    (root / "reports" / "data_docs" / "index.html").write_text("<html>Data Docs</html>")


class _Page(HTMLParser):
    """The page's links, and its table rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.links += [v for k, v in attrs if k in ("href", "src") and v]
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None


def parse(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text())
    return parser


def crawl(index: Path) -> list[Path]:
    """Every page reachable from the index; fails on an absolute or broken link. GE's Data
    Docs pages are reached, not crawled: their own links are not livelake's."""
    seen, todo = [], [index]
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.append(page)
        if "data_docs" in page.parts:
            continue
        for href in parse(page).links:
            assert not href.startswith(("/", "file:", "http")), f"{page.name}: {href}"
            target = (page.parent / href.split("#")[0]).resolve()
            assert target.is_file(), f"{page.name} links to missing {href}"
            todo.append(target)
    return seen


@pytest.fixture
def moved_lake(tmp_path) -> Path:
    """A lake seeded in one folder, then moved: stored Data Docs paths name the old one."""
    seed(tmp_path / "first" / "lake")
    shutil.move(tmp_path / "first" / "lake", tmp_path / "moved")
    return tmp_path / "moved"


def test_the_index_lists_every_stage_run_with_its_verdict_and_state(moved_lake):
    _, index = write_reports(str(moved_lake))
    rows = [r for r in parse(index).rows if r and r[0] in (str(D1), str(D2))]
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (str(D1), "silver", "run-1", "superseded (rerun 1 of 2)", "refused"),
        (str(D1), "silver", "run-2", "current (rerun 2 of 2)", "passed"),
        (str(D1), "features", "run-2", "current", "passed with warnings"),
        (str(D2), "silver", "run-3", "current", "passed"),
        (str(D2), "features", "run-3", "current", "refused"),
        (str(D2), "training", "run-3", "current", "skipped"),
    ]
    rerun = rows[1]
    assert rerun[7] == "silver/views@v4"
    assert rerun[8] == "9 = 5 + 3 + 1 (balanced)"
    assert rows[2][8] == "not recorded by this stage"


def test_the_summary_counts_the_current_runs_dbt_style(moved_lake):
    _, index = write_reports(str(moved_lake))
    assert "<code>PASS=2 WARN=1 ERROR=1 SKIP=1 TOTAL=5</code>" in index.read_text()
    assert "1 earlier\nrun(s) are listed below as superseded" in index.read_text()


def test_evidence_pages_show_quarantine_reasons_code_version_and_superseded_runs(moved_lake):
    write_reports(str(moved_lake))
    page = moved_lake / "reports" / "evidence" / str(D1) / "run-2.html"
    rows = parse(page).rows
    assert ["silver/views", "malformed", "1"] in rows
    assert ["silver/views", "null_key", "2"] in rows
    assert f"code version <code>{CODE}</code>" in page.read_text()
    assert ["run-1", "silver", "refused", "superseded"] in rows
    assert ["features", "passed with warnings", "1", "0", "1", "gold.user_features"] in rows


def test_every_link_is_relative_and_resolves_after_the_lake_moves_again(moved_lake, tmp_path):
    write_reports(str(moved_lake))
    copied = tmp_path / "copied"
    shutil.copytree(moved_lake, copied)
    shutil.rmtree(moved_lake)
    pages = crawl(copied / "reports" / "index.html")
    evidence = [p for p in pages if "evidence" in p.parts]
    assert len(evidence) == 3  # run-1 and run-2 of D1, run-3 of D2
    assert len([p for p in pages if "validations" in p.parts]) == 3  # each silver gate's page
    for page in evidence:
        assert str(tmp_path) not in page.read_text()  # no absolute path into a lake folder


def test_a_real_gate_run_links_its_data_docs_page_from_a_copied_lake(
    job_ctx, views_frame, lake_root, tmp_path
):
    from livelake.jobs.publish import publish
    from livelake.lake.tables.silver import VIEWS
    from tests.jobs.quality.view_rows import DAY, view_row

    staged = job_ctx.lake.stage(VIEWS, views_frame([view_row("e1")]), "replace_partitions", [DAY])
    assert len(publish(job_ctx, "silver", DAY, [staged]).commits) == 1
    write_reports(str(lake_root))
    copied = tmp_path / "copied"
    shutil.copytree(lake_root, copied)
    shutil.rmtree(lake_root)
    pages = crawl(copied / "reports" / "index.html")
    assert [p.name for p in pages if "evidence" in p.parts] == [f"{job_ctx.run.run_id}.html"]
    assert any("validations" in p.parts for p in pages)  # GE's page for silver.views
    row = next(r for r in parse(copied / "reports" / "index.html").rows if r[0] == str(DAY))
    assert row[1:5] == ["silver", job_ctx.run.run_id, "current", "passed"]
