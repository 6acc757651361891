"""A real Taobao log goes end to end: adapter -> landing -> bronze -> silver, counts reconciled.

The expected counts come from the raw sample with Python's csv module, independently of the
adapter and the Spark jobs.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from livelake.adapters import ingest
from livelake.lake.read import read_table
from livelake.orchestration.tasks import execute_day
from tests.adapters.samples import OLIST, RETAILROCKET, TAOBAO

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
    ingest("taobao", [TAOBAO], tmp_path / "landing")
    _silver_of_deliveries(spark, list(DAYS))

    views = read_table("silver/views")
    expected = raw_views_per_day()
    for day in DAYS:
        assert views.filter(views["event_date"] == day).height == expected[day]
    _assert_balanced()
    assert set(views["source"]) == {"taobao"}


def _first_deliveries(landing: Path, source: str, n: int) -> list[date]:
    folders = sorted((landing / source).glob("dt=*"))[:n]
    return [date.fromisoformat(f.name.removeprefix("dt=")) for f in folders]


def _landed_event_lines(landing: Path, source: str, stream: str, days: list[date]) -> int:
    return sum(
        len(gzip.decompress(p.read_bytes()).splitlines())
        for day in days
        for p in (landing / source / f"dt={day}" / "events" / stream).glob("*.jsonl.gz")
    )


def _silver_of_deliveries(spark, days: list[date]) -> None:
    """Bronze and silver for each delivery day, in order; every stage must succeed."""
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    ctx = JobContext.create(settings(), spark=spark, job="test")
    for day in days:
        reports = execute_day(ctx, day, stages=["bronze", "silver"])
        assert [r.status for r in reports] == ["ok", "ok"], [r.message for r in reports]


def _assert_balanced() -> None:
    reconciliation = read_table("audit/reconciliation")
    assert reconciliation.height > 0
    assert reconciliation["balanced"].all()
    assert (
        reconciliation["landed"]
        == reconciliation["published"]
        + reconciliation["quarantined"]
        + reconciliation["duplicates_dropped"]
    ).all()


@pytest.mark.slow  # three days of bronze + silver stages on real Spark
def test_retailrocket_sample_reaches_silver_with_the_raw_counts(spark, lake_root, tmp_path):
    landing = tmp_path / "landing"
    ingest("retailrocket", [RETAILROCKET], landing)
    days = _first_deliveries(landing, "retailrocket", 3)
    _silver_of_deliveries(spark, days)

    with RETAILROCKET.open(newline="") as handle:
        raw = Counter(
            (row["event"], datetime.fromtimestamp(int(row["timestamp"]) / 1000, UTC).date())
            for row in csv.DictReader(handle)
        )
    views, carts = read_table("silver/views"), read_table("silver/cart_events")
    for day in days:
        assert views.filter(views["event_date"] == day).height == raw[("view", day)]
        assert carts.filter(carts["event_date"] == day).height == raw[("addtocart", day)]
    assert read_table("quarantine/views").height == 0
    assert set(views["source"]) == {"retailrocket"}
    _assert_balanced()


@pytest.mark.slow  # three days of bronze + silver stages on real Spark
def test_olist_sample_reaches_silver_with_every_landed_order_line(spark, lake_root, tmp_path):
    landing = tmp_path / "landing"
    ingest("olist", [OLIST], landing)
    days = _first_deliveries(landing, "olist", 3)
    _silver_of_deliveries(spark, days)

    orders = read_table("silver/orders")
    assert orders.height == _landed_event_lines(landing, "olist", "orders", days) > 0
    assert read_table("quarantine/orders").height == 0
    users = read_table("silver/users")
    assert users.filter(users["is_current"]).height == users["user_id"].n_unique() > 0
    _assert_balanced()
