"""Every report page works with no network and after the lake folder is moved.

Crawls the audit index, the evidence pages, the Data Docs (index, validation and suite pages)
of a passing, a warning and a refused day, and the feature catalog, in headless Chromium with
the network off: nothing may fail to load, no script may log an error, no link may be broken.
Screenshots of a few go to test-artifacts/offline/ for review.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from livelake.features.catalog import write_catalog
from tests.browser import crawl, needs_chromium

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "offline"
# GE's credit on its index, the one link that leaves the lake (an attribution, not an asset).
CREDIT = "https://greatexpectations.io/"
ROWS = "table tbody tr"


@needs_chromium
def test_every_report_page_loads_offline_from_a_moved_lake(three_days, tmp_path):
    moved = tmp_path / "moved" / "lake"
    shutil.copytree(three_days / "reports", moved / "reports")
    # Nothing may still point into the original folder.
    (three_days / "reports").rename(three_days / "reports.before-move")
    reports = moved / "reports"
    pages = sorted(reports.rglob("*.html"))
    catalog = [p for p in write_catalog(tmp_path / "catalog") if p.suffix == ".html"]
    kinds = {
        "audit index": [reports / "index.html"],
        "evidence": sorted((reports / "evidence").rglob("*.html")),
        "docs index": [reports / "data_docs" / "index.html"],
        "validations": sorted((reports / "data_docs" / "validations").rglob("*.html")),
        "suites": sorted((reports / "data_docs" / "expectations").rglob("*.html")),
    }
    assert {kind: len(found) for kind, found in kinds.items()} == {
        "audit index": 1,
        "evidence": 3,
        "docs index": 1,
        "validations": 3,
        "suites": 1,
    }
    shots = {
        reports / "index.html": ARTIFACTS / "audit_index.png",
        kinds["evidence"][-1]: ARTIFACTS / "evidence.png",
        reports / "data_docs" / "index.html": ARTIFACTS / "data_docs_index.png",
        kinds["validations"][-1]: ARTIFACTS / "data_docs_validation.png",
    }
    for shot in shots.values():
        shot.unlink(missing_ok=True)

    checks = crawl(pages + catalog, shots, count=(ROWS,))

    problems = {
        str(c.page.relative_to(tmp_path)): (c.failed, c.errors, c.broken_links())
        for c in checks
        if c.failed or c.errors or set(c.broken_links()) - {CREDIT}
    }
    assert not problems, problems
    # The Data Docs index draws its tables with the vendored scripts: a row per suite and one
    # per validation, each opening its page on a click (a validation's row also links to its
    # suite).
    docs = reports / "data_docs"
    (index,) = [c for c in checks if c.page == docs / "index.html"]
    assert index.counts[ROWS] == len(kinds["validations"]) + len(kinds["suites"])
    assert {Path(link.removeprefix("file://")) for link in index.links} >= set(kinds["suites"])
    row_links = re.findall(r"'_table_row_link_path': '([^']+)'", index.page.read_text())
    assert sorted(docs / link for link in row_links) == sorted(
        kinds["suites"] + kinds["validations"]
    )
    assert all(shot.stat().st_size > 20_000 for shot in shots.values())
