"""A real Taobao log goes end to end: adapter -> landing -> bronze -> silver, counts reconciled.

The expected counts come from the raw sample with Python's csv module, independently of the
adapter and the Spark jobs.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from livelake.adapters import ingest
from livelake.jobs.lake.read import read_table
from livelake.jobs.runner import run_day
from tests.conftest import SHARED_DATA

TAOBAO = SHARED_DATA / "taobao_userbehavior" / "UserBehavior_sample.csv"
DAYS = (date(2017, 11, 24), date(2017, 11, 25))
VIEW_BEHAVIOUR = "pv"


def raw_views_per_day() -> Counter:
    with TAOBAO.open(newline="") as handle:
        return Counter(
            datetime.fromtimestamp(int(row[4]), UTC).date()
            for row in csv.reader(handle)
            if row[3] == VIEW_BEHAVIOUR
        )


@pytest.mark.slow  # two days of bronze + silver stages on real Spark
def test_taobao_sample_reaches_silver_with_balanced_reconciliation(spark, lake_root, tmp_path):
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    ingest("taobao", [TAOBAO], tmp_path / "landing")
    ctx = JobContext.create(settings(), spark=spark, job="test")
    for day in DAYS:
        reports = run_day(ctx, day, stages=["bronze", "silver"])
        assert [r.status for r in reports] == ["ok", "ok"], [r.message for r in reports]

    views = read_table("silver/views")
    expected = raw_views_per_day()
    for day in DAYS:
        assert views.filter(views["event_date"] == day).height == expected[day]
    reconciliation = read_table("audit/reconciliation")
    assert reconciliation.height > 0
    assert reconciliation["balanced"].all()
    assert (
        reconciliation["landed"]
        == reconciliation["published"]
        + reconciliation["quarantined"]
        + reconciliation["duplicates_dropped"]
    ).all()
    assert set(views["source"]) == {"taobao"}
