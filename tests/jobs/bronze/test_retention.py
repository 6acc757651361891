"""Bronze retention removes old raw partitions (with their PII) and records what it removed."""

from __future__ import annotations

from datetime import date

import pytest

from livelake.jobs.bronze.retention import parse_retention, purge_bronze
from livelake.jobs.context import JobContext
from livelake.lake.read import read_table
from livelake.lake.tables.bronze import BRONZE
from tests.jobs.silver.landed import bronze_frame, event


@pytest.fixture
def ctx(spark, lake_root):
    from livelake.config import settings

    return JobContext.create(settings(), spark=spark, job="test")


def test_partitions_older_than_the_retention_are_removed_and_recorded(ctx, spark):
    for day, n in ((date(2026, 1, 1), 2), (date(2026, 1, 20), 1)):
        lines = [event(f"e{i}", f"{day.isoformat()}T10:00:00.000Z") for i in range(n)]
        ctx.lake.append(BRONZE["views"], bronze_frame(spark, "views", lines, day), ctx.run)

    purged = purge_bronze(ctx, retention_days=30, today=date(2026, 2, 5))

    assert [(p.table_name, p.delivery_date, p.rows_removed) for p in purged] == [
        ("bronze/views", date(2026, 1, 1), 2)
    ]
    assert read_table("bronze/views")["delivery_date"].to_list() == [date(2026, 1, 20)]
    log = read_table("audit/bronze_purges")
    assert log.select("table_name", "delivery_date", "rows_removed", "retention_days").rows() == [
        ("bronze/views", date(2026, 1, 1), 2, 30)
    ]
    assert purge_bronze(ctx, retention_days=30, today=date(2026, 2, 5)) == []


@pytest.mark.parametrize("text", ["30", "30 days", "-3d", "d"])
def test_a_retention_must_be_given_in_days(text):
    with pytest.raises(ValueError, match="30d"):
        parse_retention(text)


def test_days_are_parsed():
    assert parse_retention("30d") == 30
