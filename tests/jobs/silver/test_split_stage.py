"""Silver as fourteen jobs and a gate (how `livelake_daily` runs it): the jobs may run in any
order their dependencies allow, and a gate that crashes midway publishes each table exactly
once when retried."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from livelake.config import load_settings
from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.jobs.silver import stage
from livelake.lake import RunContext, open_lake
from livelake.lake.delta_rs import DeltaRsStagedWrite
from livelake.lake.manifests import Manifests
from livelake.lake.tables.silver import SILVER
from tests.jobs.silver.stage_deliveries import D1, PII_KEY, day_one, snapshot, table

# Dimensions last among the ones free to go, events in reverse: a valid but unusual order.
REORDERED = (
    "experiments",
    "products",
    "anchors",
    "users",
    "live_sessions",
    "social",
    "after_sales",
    "orders",
    "cart_events",
    "interactions",
    "views",
    "session_products",
    "prices",
    "assignments",
)


def context(spark, root, name: str) -> JobContext:
    cfg = load_settings(
        lake_root=str(root / name),
        landing_root=str(root / "landing"),
        pii_key=PII_KEY,
    )
    return JobContext(spark, open_lake(spark, cfg), cfg, RunContext(job="test"))


@pytest.fixture(scope="module")
def reference(spark, tmp_path_factory):
    """Day one through the in-process stage (`stage.run`), for comparison."""
    root = tmp_path_factory.mktemp("split")
    day_one().write(root / "landing")
    ctx = context(spark, root, "reference")
    assert ingest.run(ctx, D1).status == "ok"
    assert stage.run(ctx, D1).status == "ok"
    return root, snapshot(ctx)


def ingested(spark, root, name: str) -> JobContext:
    ctx = context(spark, root, name)
    assert ingest.run(ctx, D1).status == "ok"
    return ctx


def test_the_order_covers_every_table_once_and_respects_the_dependencies():
    assert sorted(REORDERED) == sorted(stage.MODULES)
    for position, name in enumerate(REORDERED):
        assert set(stage.DEPENDENCIES[name]) <= set(REORDERED[:position]), name


def test_the_jobs_in_another_valid_order_then_the_gate_publish_what_run_does(spark, reference):
    root, expected = reference
    ctx = ingested(spark, root, "reordered")

    jobs = [stage.run_part(ctx, D1, name) for name in REORDERED]
    before_gate = {t.name: ctx.lake.read(t).count() for t in SILVER.values() if ctx.lake.exists(t)}
    gate = stage.run_part(ctx, D1, stage.GATE)

    assert [r.stage for r in jobs] == [f"silver.{n}" for n in REORDERED]
    assert {r.status for r in jobs} <= {"ok", "nothing_to_do"}
    views = next(r for r in jobs if r.stage == "silver.views").tables[0]
    assert (views.rows_in, views.rows_out, views.quarantined) == (9, 2, 6)
    assert before_gate and set(before_gate.values()) == {0}, "staged, not yet published"
    assert gate.status == "ok", gate.message
    assert gate.gate is not None and gate.gate.passed
    got = snapshot(ctx)
    for name, frame in expected.items():
        assert got[name].equals(frame), f"{name} differs from the in-process run"
    assert not Manifests(ctx.lake, "silver", D1).load("views"), "the gate clears manifests"


def test_a_job_that_runs_before_a_dimension_it_references_fails_and_stages_nothing(
    spark, reference
):
    root, _ = reference
    ctx = ingested(spark, root, "too-early")

    report = stage.run_part(ctx, D1, "views")

    assert report.status == "failed"
    assert report.message == (
        "silver/live_sessions, silver/users not staged for 2026-01-01: the job of silver/views "
        "needs their keys, so run silver.live_sessions, silver.users first"
    )
    assert Manifests(ctx.lake, "silver", D1).load("views") is None
    gate = stage.run_part(ctx, D1, stage.GATE)
    assert gate.status == "failed" and "silver/views" in gate.message
    assert "Nothing was published" in gate.message


def test_a_gate_that_crashes_between_commits_publishes_everything_once_on_retry(
    spark, reference, monkeypatch
):
    root, expected = reference
    ctx = ingested(spark, root, "crash")
    for name in stage.MODULES:
        assert stage.run_part(ctx, D1, name).status in {"ok", "nothing_to_do"}
    commit = DeltaRsStagedWrite.commit

    def crash_at_views(self, run, token=None):
        if self.table.qualified_name == "silver/views":
            raise OSError("storage hiccup while committing silver/views")
        return commit(self, run, token)

    monkeypatch.setattr(DeltaRsStagedWrite, "commit", crash_at_views)
    with pytest.raises(OSError, match="storage hiccup"):
        stage.run_part(ctx, D1, stage.GATE)
    assert table(ctx, "silver/users").height > 0, "tables before views were committed"
    assert table(ctx, "silver/views").height == 0
    monkeypatch.setattr(DeltaRsStagedWrite, "commit", commit)

    retry = stage.run_part(ctx, D1, stage.GATE)

    assert retry.status == "ok", retry.message
    got = snapshot(ctx)
    for name, frame in expected.items():
        assert got[name].equals(frame), f"{name} is not published exactly once"
    recon = table(ctx, "audit/reconciliation")
    assert recon.height == 14 and recon["table_name"].n_unique() == 14
    assert recon.filter(pl.col("table_name") == "silver/views")["landed"].to_list() == [9]


def test_the_stage_split_names_its_parts_and_refuses_others(spark, tmp_path):
    ctx = context(spark, tmp_path, "parts")
    assert stage.DEPENDENCIES["views"] == ("live_sessions", "users")
    assert stage.DEPENDENCIES["users"] == ()
    with pytest.raises(ValueError, match="silver has no part 'customers'"):
        stage.run_part(ctx, date(2026, 1, 1), "customers")
