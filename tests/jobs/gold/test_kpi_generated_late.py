"""Every daily stage on generated days (the demo's experiments included) with the generator's
own late events (within the watermark): after each day's run the KPI mart equals one computed
from scratch on the final silver, and a rerun of the last day leaves every table's contents
unchanged: silver, the daily aggregates, the feature snapshots, the training examples, the
KPI mart and the experiment results."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from livelake.generator import GeneratorConfig
from livelake.generator.experiments import DEMO_EXPERIMENTS
from livelake.jobs.gold import kpi
from livelake.jobs.runner import DAILY_STAGES
from livelake.lake.read import read_table
from livelake.lake.tables.gold import (
    AGGREGATES,
    EXPERIMENT_RESULTS,
    SNAPSHOTS,
    TRAINING_EXAMPLES,
)
from livelake.lake.tables.kpi import KPI_DAILY
from livelake.lake.tables.silver import SILVER
from livelake.orchestration.tasks import execute_day
from tests.generated_lake import generated_lake

pytestmark = pytest.mark.slow
START, DAYS = date(2026, 1, 1), 3
LAST = START + timedelta(days=DAYS - 1)
# Run bookkeeping that a rerun rightly changes; everything else must stay as it was.
RUN_COLUMNS = ("run_id",)


@pytest.fixture(scope="module")
def generated(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("kpi_generated")
    config = GeneratorConfig(
        start=START,
        days=DAYS,
        users=200,
        events_per_day=4_000,
        seed=7,
        experiments=DEMO_EXPERIMENTS,
    )
    ctx = generated_lake(spark, root, config)
    kpi_reports = []
    for offset in range(DAYS):
        reports = execute_day(ctx, START + timedelta(days=offset))
        # No model was trained on this lake: the score stage has nothing to score with.
        assert [r.status for r in reports] == [
            "nothing_to_do" if s.name == "score" else "ok" for s in DAILY_STAGES
        ], [(r.stage, r.message) for r in reports]
        kpi_reports += [r for r in reports if r.stage == "kpi"]
    return ctx, kpi_reports


def _contents(ctx, name: str, keys: tuple[str, ...]) -> list[dict]:
    rows = read_table(name, lake_root=ctx.settings.lake_root).to_dicts()
    kept = [{k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in rows]
    return sorted(kept, key=lambda r: tuple(str(r[k]) for k in keys))


def test_late_generated_events_make_a_later_run_recompute_earlier_days(generated):
    ctx, kpi_reports = generated
    dirty = read_table("audit/dirty_days", lake_root=ctx.settings.lake_root).to_dicts()
    assert any(r["event_date"] >= START for r in dirty)  # the generator delivered late events
    caught_up = [r.message for r in kpi_reports if r.message.startswith("late data: recomputed")]
    assert caught_up, [r.message for r in kpi_reports]


def test_the_mart_equals_one_computed_from_scratch_on_the_final_silver(generated):
    ctx, _ = generated
    days = [START + timedelta(days=offset) for offset in range(DAYS)]
    scratch = kpi.transform(ctx.spark, {d: kpi.read_silver(ctx, d) for d in days}, "scratch")
    expected = [
        {k: v for k, v in r.asDict().items() if k not in RUN_COLUMNS} for r in scratch.collect()
    ]
    expected.sort(key=lambda r: tuple(str(r[k]) for k in KPI_DAILY.keys))
    assert _contents(ctx, "gold/kpi_daily", KPI_DAILY.keys) == expected


def test_a_rerun_of_the_last_day_leaves_every_table_as_it_was(generated):
    ctx, _ = generated
    gold = [
        *AGGREGATES.values(),
        *SNAPSHOTS.values(),
        TRAINING_EXAMPLES,
        KPI_DAILY,
        EXPERIMENT_RESULTS,
    ]
    tables = {t.qualified_name: t.keys for t in [*SILVER.values(), *gold]}
    before = {name: _contents(ctx, name, keys) for name, keys in tables.items()}
    assert all(before.values()), [name for name, rows in before.items() if not rows]

    rerun = [s.name for s in DAILY_STAGES if s.name != "bronze"]  # `livelake backfill --rerun`
    statuses = {r.stage: r.status for r in execute_day(ctx, LAST, rerun)}
    assert statuses == {name: "nothing_to_do" if name == "score" else "ok" for name in rerun}

    changed = [name for name, keys in tables.items() if _contents(ctx, name, keys) != before[name]]
    assert changed == []
