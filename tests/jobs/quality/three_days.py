"""A lake of three gated silver days, one per verdict: passed, passed with warnings, refused.

The pages of these days are what the verdict and the offline-page tests read; the `three_days`
fixture (conftest.py) builds the lake with `build_three_days`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from livelake.jobs.publish import GateFailedError, publish
from livelake.jobs.quality.audit_index import write_reports
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import DAY, view_row

PASSING, WARNING, REFUSED = DAY, DAY + timedelta(days=1), DAY + timedelta(days=2)
# A warn rule of its own, so the tests do not depend on the shipped silver suite.
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


def build_three_days(spark, lake_root: Path, views_frame, monkeypatch, tmp_path: Path) -> Path:
    """Publish (or refuse) one silver run per day and write the audit reports."""
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
