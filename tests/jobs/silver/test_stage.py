"""The silver stage end to end on hand-written deliveries: bronze -> silver -> audit.

One lake is built for the module (days 1 and 2 ingested and conformed) because a stage run
costs seconds; tests that change it run last and assert only what they add.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from livelake.config import load_settings
from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.jobs.silver import stage
from livelake.lake import RunContext, open_lake
from tests.jobs.silver.stage_deliveries import (
    D1,
    D2,
    D3,
    PII_KEY,
    day_one,
    day_two,
    late_file_for_day_one,
    snapshot,
    table,
)
from tests.pii_scan import pii_hits

PII = ["Ann Li", "13800000001", "dev-ann", "10.0.0.7", "13900000002", "Road 7, Hangzhou"]


def mac(value: str) -> str:
    return hmac.new(PII_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("silver_stage")
    cfg = load_settings(
        lake_root=str(root / "lake"),
        landing_root=str(root / "landing"),
        pii_key=PII_KEY,
    )
    ctx = JobContext(spark, open_lake(spark, cfg), cfg, RunContext(job="test"))
    for delivery in (day_one(), day_two()):
        delivery.write(root / "landing")
        assert ingest.run(ctx, delivery.day).status == "ok"
        report = stage.run(ctx, delivery.day)
        assert report.status == "ok", report.message
    return ctx, root


def test_every_landed_line_is_published_quarantined_or_a_counted_duplicate(lake):
    ctx, _ = lake
    recon = table(ctx, "audit/reconciliation")
    assert recon["balanced"].all()
    views = recon.filter(pl.col("table_name") == "silver/views").sort("delivery_date")
    assert views.select("landed", "published", "quarantined", "duplicates_dropped").rows() == [
        (9, 2, 6, 1),
        (3, 3, 0, 0),
    ]
    reasons = table(ctx, "quarantine/views").sort("line_number")
    assert reasons.select("line_number", "reason").rows() == [
        (3, "malformed"),
        (4, "null_key"),
        (5, "unknown_fk"),
        (6, "clock_skew"),
        (7, "too_late"),
        (8, "out_of_range"),
    ]
    assert table(ctx, "quarantine/orders")["reason"].to_list() == ["out_of_range"]
    assert table(ctx, "quarantine/interactions")["reason"].to_list() == ["negative_amount"]
    assert table(ctx, "quarantine/social")["reason"].to_list() == ["unknown_fk"]
    assert table(ctx, "quarantine/users")["reason"].to_list() == ["null_key"]
    drift = table(ctx, "silver/views").filter(pl.col("event_id") == "e7")["extra_fields"]
    assert [json.loads(v) for v in drift.to_list()] == [{"surprise_pseudonym": mac("new field")}]


def test_a_resent_event_from_a_later_delivery_wins_and_late_events_reach_their_day(lake):
    ctx, _ = lake
    views = table(ctx, "silver/views").sort("event_id")
    assert views.select("event_id", "event_date", "delivery_date", "dwell_seconds").rows() == [
        ("e1", D1, D1, None),
        ("e10", D2, D2, None),
        ("e11", D1, D2, None),
        ("e6", D1, D2, 60),
        ("e7", D1, D1, None),
    ]
    dirty = table(ctx, "audit/dirty_days").filter(pl.col("table_name") == "silver/views")
    assert dirty.select("delivery_date", "event_date", "rows").rows() == [(D2, D1, 2)]


def test_membership_as_of_day_one_reads_the_old_level(lake):
    ctx, _ = lake
    users = table(ctx, "silver/users").filter(pl.col("user_id") == "u1")

    def level_as_of(instant: datetime) -> list[str]:
        valid = (pl.col("valid_from") <= instant) & (
            pl.col("valid_to").is_null() | (pl.col("valid_to") > instant)
        )
        return users.filter(valid)["membership_level"].to_list()

    assert level_as_of(datetime(2026, 1, 1, 12, tzinfo=UTC)) == ["silver"]
    assert level_as_of(datetime(2026, 1, 2, 12, tzinfo=UTC)) == ["gold"]
    assert users.filter(pl.col("is_current"))["membership_level"].to_list() == ["gold"]


def test_no_silver_parquet_file_holds_a_raw_phone_name_device_or_ip(lake):
    _, root = lake
    files = list((root / "lake" / "silver").rglob("*.parquet"))
    assert files
    found = []
    for path in files:
        data = pq.read_table(path)
        for column in data.column_names:
            values = {str(v) for v in data.column(column).to_pylist() if v is not None}
            found += [(path.name, column, v) for v in values if any(p in v for p in PII)]
    assert found == []


def test_rerunning_an_earlier_day_changes_nothing(lake):
    ctx, _ = lake
    before = snapshot(ctx)
    assert stage.run(ctx, D1).status == "ok"
    after = snapshot(ctx)
    for name, frame in before.items():
        assert frame.equals(after[name]), f"{name} changed on rerun"


def test_a_late_file_for_d_minus_2_updates_only_that_day_and_a_redelivery_nothing(lake):
    ctx, root = lake
    views_uri = f"{ctx.settings.lake_root}/silver/views"
    day_two_files = {f for f in DeltaTable(views_uri).file_uris() if "event_date=2026-01-02" in f}
    late = late_file_for_day_one()
    folder = late.write(root / "landing")
    resent = root / "landing/platform/dt=2026-01-01/events/views/views-2026-01-01T10.jsonl.gz"
    (folder / "events/views" / resent.name).write_bytes(resent.read_bytes())

    assert ingest.run(ctx, D3).status == "ok"
    report = stage.run(ctx, D3)

    assert report.status == "ok", report.message
    views = {c.table: c for c in report.tables}["silver/views"]
    assert (views.rows_in, views.rows_out) == (2, 2), "the re-delivered file is not ingested again"
    after = {f for f in DeltaTable(views_uri).file_uris() if "event_date=2026-01-02" in f}
    assert after == day_two_files
    new = table(ctx, "silver/views").filter(pl.col("delivery_date") == D3)
    assert new.select("event_id", "event_date").sort("event_id").rows() == [
        ("e20", D1),
        ("e21", D1),
    ]
    dirty = table(ctx, "audit/dirty_days").filter(pl.col("delivery_date") == D3)
    assert dirty.select("table_name", "event_date", "rows").rows() == [("silver/views", D1, 2)]


def test_the_stage_refuses_to_run_without_a_pii_key(spark, tmp_path: Path):
    cfg = load_settings(lake_root=str(tmp_path / "lake"), landing_root=str(tmp_path / "l"))
    ctx = JobContext(
        spark,
        open_lake(spark, cfg),
        cfg.model_copy(update={"pii_key": None}),
        RunContext(job="test"),
    )
    report = stage.run(ctx, D1)
    assert report.status == "failed"
    assert "LIVELAKE_PII_KEY" in report.message


def test_an_unbalanced_table_names_all_four_numbers():
    outcome = stage.TableOutcome("views", landed=10, published=6, quarantined=2, duplicates=1)
    assert not outcome.balanced
    assert outcome.imbalance(D1) == (
        "silver/views for delivery 2026-01-01 does not reconcile: landed 10 != published 6 "
        "+ quarantined 2 + duplicates 1 (= 9)"
    )


# Every PII value the deliveries above carry, under declared, re-cased, renamed or new names.
PLANTED = (
    "13800000001",
    "13800000003",
    "13700000009",
    "13900000002",
    "ann@example.com",
    "Ann Li",
    "dev-ann",
    "10.0.0.7",
    "Road 7, Hangzhou",
)


def planted_in(folder: Path) -> set[str]:
    """The planted values found in any Parquet file's values or Delta log entry below."""
    return {value for _, value in pii_hits(folder, set(PLANTED))}


def test_no_raw_pii_in_any_silver_or_audit_file_or_in_any_delta_log(lake):
    _, root = lake
    assert planted_in(root / "lake" / "bronze") == set(PLANTED)  # the scan finds raw values
    assert planted_in(root / "lake" / "silver") == set()
    assert planted_in(root / "lake" / "audit") == set()
    for raw_layer in ("bronze", "quarantine"):  # raw lines, but no copies in log statistics
        logs = [p.parent for p in (root / "lake" / raw_layer).rglob("_delta_log/*.json")]
        assert logs and all(planted_in(log) == set() for log in set(logs))
