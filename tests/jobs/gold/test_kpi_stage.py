"""The kpi stage end to end: silver tables in the lake -> gold/kpi_daily published through
publish(), readable without a JVM, and a rerun of the day replaces it exactly."""

from __future__ import annotations

from livelake import kpi_catalog
from livelake.jobs.context import JobContext
from livelake.jobs.gold.kpi import INPUTS, run
from livelake.lake import RunContext
from livelake.lake.read import read_table
from tests.jobs.gold.kpi_data import DAY, silver_frames


def test_the_stage_publishes_the_mart_and_a_rerun_replaces_the_day(spark, lake, lake_root):
    from livelake.config import settings

    for name, frame in silver_frames(spark).items():
        lake.append(INPUTS[name], frame, RunContext(job="test"))
    ctx = JobContext(spark, lake, settings(), RunContext(job="test"))

    first = run(ctx, DAY)
    assert first.status == "ok", first.message
    published = read_table("gold/kpi_daily", lake_root=str(lake_root))
    conversion = published.filter(
        (published["metric"] == "live_room_conversion_pct") & (published["breakdown"] == "all")
    )
    assert conversion["value"].to_list() == [33.333333]  # v1 v2 of six room visits
    predicted = published.filter(
        (published["metric"] == "predicted_conversion_pct") & (published["breakdown"] == "all")
    )
    assert predicted["value"].to_list() == [15.0]  # gold/conversion_scores of DAY, read
    assert published.select("metric", "breakdown").unique().height == len(kpi_catalog.series())
    assert read_table("gold/kpi_targets", lake_root=str(lake_root)).height == 6

    again = run(ctx, DAY)
    assert again.status == "ok"
    assert read_table("gold/kpi_daily", lake_root=str(lake_root)).height == published.height


def test_without_silver_there_is_nothing_to_do(spark, lake):
    from livelake.config import settings

    ctx = JobContext(spark, lake, settings(), RunContext(job="test"))
    assert run(ctx, DAY).status == "nothing_to_do"
