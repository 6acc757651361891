"""Late data for D-2: the affected snapshots (and only those) are rebuilt, old training sets
stay reproducible from their manifest, and `known_as_of` still answers with pre-fix values."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import polars as pl
import pyarrow.compute as pc

import livelake.retrieval as lr
from livelake.features import ENTITIES
from livelake.jobs.gold import aggregates, features, training
from livelake.lake.read import delta_table, read_arrow
from livelake.lake.tables.audit import DIRTY_DAYS
from livelake.lake.tables.gold import SNAPSHOTS, TRAINING_EXAMPLES
from tests.jobs.gold.silver_rows import at, cny, write_silver
from tests.jobs.gold.world import D1, D2, D3

D4 = D3 + timedelta(days=1)
FEATURES = ["user:refund_cases_90d", "user:refund_rate_90d", "product:refund_rate_90d"]


def _files(entity: str, day) -> set[str]:
    uris = delta_table(SNAPSHOTS[entity]).file_uris()
    return {f for f in uris if f"as_of_date={day.isoformat()}" in f}


def _value(entity: str, day, key: str, name: str):
    data = read_arrow(SNAPSHOTS[entity], filter=pc.field("as_of_date") == day).to_pylist()
    return next(r[name] for r in data if r[f"{entity}_id"] == key)


def _deliver_late_refund(ctx) -> None:
    """A refund case for o2 (u3, p2) requested on D2 arrives on D4."""
    write_silver(
        ctx.spark,
        ctx.lake,
        "after_sales",
        [
            {
                "case_id": "c2",
                "order_id": "o2",
                "user_id": "u3",
                "product_id": "p2",
                "case_type": "refund",
                "amount_cny": cny(45),
                "requested_at": at(D2, "22:00"),
                "delivery_date": D4,
                "status": "requested",
            }
        ],
    )
    ctx.lake.append_records(
        DIRTY_DAYS,
        [
            {
                "run_id": "late",
                "delivery_date": D4,
                "table_name": "after_sales",
                "event_date": D2,
                "rows": 1,
                "recorded_at": datetime.now(UTC),
            }
        ],
        ctx.run,
    )


def test_late_refund_rebuilds_only_affected_snapshots_and_keeps_old_sets_reproducible(
    copy_ctx, tmp_path
):
    labels = pl.DataFrame(
        {
            "user_id": ["u3", "u1"],
            "product_id": ["p2", "p1"],
            "event_timestamp": [at(D3, "12:00"), at(D4, "12:00")],
        }
    )
    saved = tmp_path / "train"
    original = lr.training_set(labels, FEATURES, save_to=saved)
    assert original["user__refund_cases_90d"].to_list() == [0, 1]
    before = {(e, d): _files(e, d) for e in ENTITIES for d in (D1, D2, D3)}
    time.sleep(0.05)
    known_before_fix = datetime.now(UTC)
    time.sleep(0.05)

    _deliver_late_refund(copy_ctx)
    agg = aggregates.run(copy_ctx, D4)
    assert agg.message == (
        "late data: recomputed agg_product_daily for 2026-03-02; agg_user_daily for 2026-03-02"
    )
    snap = features.run(copy_ctx, D4)
    assert snap.message == (
        "late data: rebuilt product_features 2026-03-02..2026-03-03; "
        "user_features 2026-03-02..2026-03-03"
    )
    for entity in ENTITIES:
        for day in (D1, D2, D3):
            changed = _files(entity, day) != before[(entity, day)]
            assert changed == (entity in ("user", "product") and day >= D2), (entity, day)
    assert _value("user", D2, "u3", "refund_cases_90d") == 1
    assert _value("product", D3, "p2", "refund_rate_90d") == 1.0
    assert _value("user", D1, "u1", "refund_cases_90d") == 0

    report = training.run(copy_ctx, D4)
    assert report.message == "late data: rebuilt examples of 2026-03-02..2026-03-03 and 2026-03-04"
    d3 = read_arrow(TRAINING_EXAMPLES, filter=pc.field("example_date") == D3).to_pylist()
    assert {r["user__refund_cases_90d"] for r in d3 if r["user_id"] == "u1"} == {0}

    fixed = lr.training_set(labels, FEATURES)
    assert fixed["user__refund_cases_90d"].to_list() == [1, 1]
    assert lr.rebuild_training_set(saved).equals(original)
    as_known = lr.training_set(labels, FEATURES, known_as_of=known_before_fix)
    assert as_known.equals(original)
    manifest = lr.TrainingSetManifest.load(saved)
    assert manifest.versions["gold/user_features"] < delta_table(SNAPSHOTS["user"]).version()
    assert manifest.features == tuple(FEATURES)
