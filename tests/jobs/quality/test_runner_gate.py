"""A stage whose gate refuses its data fails with the verdict; later stages are skipped."""

from __future__ import annotations

from livelake.jobs import runner
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import STAGE_RUNS
from livelake.lake.tables.silver import VIEWS
from livelake.orchestration.tasks import execute_day
from tests.jobs.quality.view_rows import DAY


def test_a_refused_stage_fails_with_the_gate_message_and_skips_the_rest(job_ctx, monkeypatch):
    stages = (
        runner.Stage("silver", "tests.jobs.quality.refusing_stage", "stages a duplicated key"),
        runner.Stage("features", "tests.jobs.quality.refusing_stage", "never reached"),
    )
    monkeypatch.setattr(runner, "DAILY_STAGES", stages)

    silver, features = execute_day(job_ctx, DAY)

    assert silver.status == "failed"
    assert silver.message.startswith("gate refused silver for 2026-01-02: 1 blocking")
    assert "silver/views: expect_column_values_to_be_unique(event_id) [error]" in silver.message
    assert silver.gate is not None and silver.gate.failed_blocking == 1
    assert features.status == "skipped"
    assert job_ctx.lake.version(VIEWS) == 0  # created empty by staging, nothing committed
    recorded = read_arrow(STAGE_RUNS, lake_root=job_ctx.settings.lake_root).to_pylist()
    recorded.sort(key=lambda r: r["finished_at"])
    assert [(r["day"], r["stage"], r["status"]) for r in recorded] == [
        (DAY, "silver", "started"),
        (DAY, "silver", "failed"),
    ]
    assert recorded[0]["run_id"] == recorded[1]["run_id"]
