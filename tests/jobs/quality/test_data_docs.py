"""Data Docs: the gate's report is the index, and it names the run's suite.

That the pages render offline in a real browser: test_offline_pages.py."""

from __future__ import annotations

from livelake.jobs.publish import publish
from livelake.jobs.quality.gx_context import docs_index
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import DAY, view_row


def test_the_gates_report_is_the_data_docs_index_and_names_the_suite(
    job_ctx, views_frame, lake_root
):
    staged = job_ctx.lake.stage(VIEWS, views_frame([view_row("e1")]), "replace_partitions", [DAY])
    publication = publish(job_ctx, "silver", DAY, [staged])
    index = docs_index(str(lake_root))
    assert publication.gate.report_path == str(index)
    assert "silver.views" in index.read_text()
