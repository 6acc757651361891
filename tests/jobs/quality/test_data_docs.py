"""Data Docs: the index names the run's suite, and renders in a real headless browser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from livelake.jobs.publish import publish
from livelake.jobs.quality.gx_context import docs_index
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import DAY, view_row

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_data_docs_index_renders_in_chromium_and_shows_the_suite(
    job_ctx, views_frame, lake_root, tmp_path
):
    staged = job_ctx.lake.stage(VIEWS, views_frame([view_row("e1")]), "replace_partitions", [DAY])
    publication = publish(job_ctx, "silver", DAY, [staged])
    index = docs_index(str(lake_root))
    assert publication.gate.report_path == str(index)
    assert "silver.views" in index.read_text()

    chromium = shutil.which(CHROMIUM) or shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    profile = tmp_path / "chromium-profile"
    base = [chromium, *FLAGS, f"--user-data-dir={profile}", "--window-size=1280,900"]
    dom = subprocess.run(
        [*base, "--dump-dom", index.as_uri()], capture_output=True, text=True, timeout=120
    ).stdout
    assert "silver.views" in dom
    assert "Validation Results" in dom or "Expectation Suites" in dom
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "data_docs_index.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", index.as_uri()], capture_output=True, timeout=120
    )
    assert shot.exists() and shot.stat().st_size > 0
