"""Late data in the KPI mart: the run of a later day recomputes the earlier days that
`audit/dirty_days` names, so the mart equals one computed from scratch on the final silver,
and a rerun leaves every other day's rows as they were."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livelake.jobs.gold import kpi
from livelake.lake.read import read_table
from livelake.lake.tables.audit import DIRTY_DAYS
from livelake.lake.tables.kpi import KPI_DAILY
from tests.jobs.gold.silver_rows import order, write_silver
from tests.jobs.gold.world import D1, D2, D3, write_world


def _deliver_late_order(ctx) -> None:
    """u2 paid o5 (p2, 45 CNY in s2) on D2; the rows arrive with D3's delivery."""
    rows = [
        order("o5", "u2", "p2", "s2", "a2", D2, "20:40", "created", 45),
        order("o5", "u2", "p2", "s2", "a2", D2, "20:41", "paid", 45),
    ]
    write_silver(ctx.spark, ctx.lake, "orders", [{**r, "delivery_date": D3} for r in rows])
    ctx.lake.append_records(
        DIRTY_DAYS,
        [
            {
                "run_id": "late",
                "delivery_date": D3,
                "table_name": "silver/orders",
                "event_date": D2,
                "rows": 2,
                "recorded_at": datetime.now(UTC),
            }
        ],
        ctx.run,
    )


@pytest.fixture(scope="module")
def caught_up(spark, tmp_path_factory):
    """The world's KPIs for D1 and D2, then the late D2 order, then D3's run."""
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.lake import RunContext, open_lake

    root = tmp_path_factory.mktemp("kpi_late") / "lake"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LIVELAKE_LAKE_ROOT", str(root))
        settings.cache_clear()
        ctx = JobContext(spark, open_lake(spark, settings()), settings(), RunContext(job="test"))
        write_world(spark, ctx.lake)
        for day in (D1, D2):
            assert kpi.run(ctx, day).status == "ok"
        _deliver_late_order(ctx)
        report = kpi.run(ctx, D3)
        yield ctx, report
    settings.cache_clear()


def _contents(rows: list[dict]) -> list[dict]:
    """Mart rows without `run_id`, in key order: what a reader sees."""
    kept = [{k: v for k, v in r.items() if k != "run_id"} for r in rows]
    return sorted(kept, key=lambda r: tuple(str(r[k]) for k in KPI_DAILY.keys))


def _mart(ctx) -> list[dict]:
    return read_table("gold/kpi_daily", lake_root=str(ctx.lake.lake_root)).to_dicts()


def _value(ctx, day, metric: str, column: str = "value"):
    rows = [
        r
        for r in _mart(ctx)
        if r["day"] == day and r["metric"] == metric and r["breakdown"] == "all"
    ]
    return rows[0][column]


def test_the_later_run_recomputes_the_late_day_and_the_days_after_it(caught_up):
    ctx, report = caught_up
    assert report.status == "ok", report.message
    assert report.message.startswith("late data: recomputed 2026-03-02..2026-03-02 and 2026-03-03")
    assert _value(ctx, D2, "paid_orders") == 2  # o2 and the late o5
    assert _value(ctx, D2, "gmv_cny") == 90.0
    assert _value(ctx, D3, "paid_orders", "previous_value") == 2


def test_after_the_later_run_the_mart_equals_one_computed_from_scratch(caught_up):
    ctx, _ = caught_up
    scratch = kpi.transform(
        ctx.spark, {d: kpi.read_silver(ctx, d) for d in (D1, D2, D3)}, "scratch"
    )
    assert _contents(_mart(ctx)) == _contents([r.asDict() for r in scratch.collect()])


def test_a_rerun_leaves_the_rows_of_every_other_day_unchanged(caught_up):
    ctx, _ = caught_up
    before = _mart(ctx)

    assert kpi.run(ctx, D3).status == "ok"

    after = _mart(ctx)
    clean_day = [r for r in after if r["day"] == D1]  # not rewritten: same run_id too
    assert sorted(clean_day, key=repr) == sorted((r for r in before if r["day"] == D1), key=repr)
    assert _contents(after) == _contents(before)
