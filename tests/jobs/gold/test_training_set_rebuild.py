"""A saved training set is never replaced by accident and never rebuilt into other data:
`save_to=` refuses an existing folder, and `rebuild_training_set` refuses (naming why) when
the folder, its manifest, a pinned version or the data's hash do not check out."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import livelake.retrieval as lr
from livelake.lake.read import delta_table
from livelake.lake.tables.gold import SNAPSHOTS
from livelake.retrieval import TrainingSetError
from tests.jobs.gold.silver_rows import at
from tests.jobs.gold.world import D2, D3

FEATURES = ["user:paid_orders_7d", "product:live_price_cny"]
# u1 at D3 12:00 sees the D2 snapshots: one paid order, live price 70.
LABELS = pl.DataFrame(
    {"user_id": ["u1"], "product_id": ["p1"], "event_timestamp": [at(D3, "12:00")]}
)


def test_saving_over_an_existing_folder_needs_overwrite(built_ctx, tmp_path):
    saved = tmp_path / "train"
    lr.training_set(LABELS, FEATURES, save_to=saved)
    first = lr.TrainingSetManifest.load(saved)
    with pytest.raises(TrainingSetError) as raised:
        lr.training_set(LABELS, FEATURES, save_to=saved)
    assert str(raised.value) == (
        f"{saved} already exists: pass overwrite=True to replace it, or save elsewhere"
    )
    assert lr.TrainingSetManifest.load(saved) == first
    lr.training_set(LABELS, FEATURES, save_to=saved, overwrite=True)
    assert lr.TrainingSetManifest.load(saved).created_at > first.created_at


def test_rebuilding_a_missing_folder_or_manifest_is_a_one_line_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(TrainingSetError) as raised:
        lr.rebuild_training_set(missing)
    assert str(raised.value) == (
        f"{missing} is not a saved training set (no such folder); "
        "save one with training_set(..., save_to=...)"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TrainingSetError, match=r"\(it has no manifest\.json\); save one with"):
        lr.rebuild_training_set(empty)


def test_rebuild_returns_the_saved_rows(built_ctx, tmp_path):
    saved = tmp_path / "train"
    original = lr.training_set(LABELS, FEATURES, save_to=saved)
    assert original.select("user__paid_orders_7d", "product__live_price_cny").rows() == [(1, 70.0)]
    assert lr.rebuild_training_set(saved).equals(original)


def test_rebuild_refuses_a_pinned_version_the_lake_no_longer_has(built_ctx, tmp_path):
    saved = tmp_path / "train"
    lr.training_set(LABELS, FEATURES, save_to=saved)
    manifest = json.loads((saved / "manifest.json").read_text())
    manifest["versions"]["gold/user_features"] = 999  # e.g. the lake was restored from a backup
    (saved / "manifest.json").write_text(json.dumps(manifest))
    latest = delta_table(SNAPSHOTS["user"]).version()
    with pytest.raises(TrainingSetError) as raised:
        lr.rebuild_training_set(saved)
    assert str(raised.value) == (
        f"cannot rebuild {saved}: gold/user_features has no version 999 to read (latest is "
        f"{latest}; older log entries may have been cleaned up)"
    )


def test_rebuild_refuses_data_that_no_longer_matches_the_saved_hash(copy_ctx, tmp_path):
    saved = tmp_path / "train"
    lr.training_set(LABELS, FEATURES, save_to=saved)
    manifest = lr.TrainingSetManifest.load(saved)
    # Rewrite the D2 user snapshot in place, behind Delta's back.
    (path,) = [
        f.removeprefix("file://")
        for f in delta_table(SNAPSHOTS["user"]).file_uris()
        if f"as_of_date={D2.isoformat()}" in f
    ]
    data = pq.ParquetFile(path).read()
    bumped = pc.add(data.column("paid_orders_7d"), 10)
    index = data.column_names.index("paid_orders_7d")
    pq.write_table(data.set_column(index, data.field(index), bumped), path)

    with pytest.raises(TrainingSetError) as raised:
        lr.rebuild_training_set(saved)
    message = str(raised.value)
    assert message.startswith(
        f"rebuilt {saved} differs from what was saved (data sha256 expected "
        f"{manifest.data_sha256}, got "
    )
    assert message.endswith(
        "): differing columns user__paid_orders_7d; read from gold/user_features "
        f"v{manifest.versions['gold/user_features']}. Were files of a pinned version "
        "rewritten outside Delta, or did the feature code change?"
    )
