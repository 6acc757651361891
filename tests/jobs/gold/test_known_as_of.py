"""`known_as_of` answers from the publication times the lake records, so a copied or restored
lake (file modification times reset) gives the same training set as the original."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta

import polars as pl
import pyarrow.compute as pc
import pytest

import livelake.retrieval as lr
from livelake.lake import LakeError
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import PUBLISHED_RUNS
from tests.jobs.gold.silver_rows import at
from tests.jobs.gold.world import D2, D3

FEATURES = [
    "user:paid_orders_7d",
    "product:live_price_cny",
    "anchor:visits_30d",
    "user_category:visits_decayed",
]
COLUMNS = [f.replace(":", "__") for f in FEATURES]
LABELS = pl.DataFrame(
    {
        "user_id": ["u1"],
        "product_id": ["p1"],
        "anchor_id": ["a1"],
        "category": ["beauty"],
        "event_timestamp": [at(D3 + timedelta(days=1), "12:00")],
    }
)


def _published_at(root, day):
    """When the features stage of `day` published gold/user_features, as the lake records it."""
    rows = read_arrow(
        PUBLISHED_RUNS,
        filter=(pc.field("table_name") == "gold/user_features") & (pc.field("day") == day),
        lake_root=str(root),
    ).to_pylist()
    return rows[0]["published_at"]


@pytest.fixture
def copies(built, tmp_path):
    """Two copies of the built lake whose files carry new modification times."""
    copied = tmp_path / "copied"
    shutil.copytree(built.root, copied, copy_function=shutil.copy)
    touched = tmp_path / "touched"
    shutil.copytree(built.root, touched)
    for log in touched.glob("**/_delta_log/*"):
        os.utime(log)
    return [copied, touched]


def test_known_as_of_gives_the_same_rows_on_a_copied_lake(built, copies):
    after_d2 = _published_at(built.root, D2)
    original = lr.training_set(LABELS, FEATURES, known_as_of=after_d2, lake_root=str(built.root))
    # After D2's publication the D3 snapshot was not known yet: D2's values, none missing.
    assert original.select(COLUMNS).rows() == [(1, 70.0, 2, 2 ** (-1 / 14))]
    latest = lr.training_set(LABELS, FEATURES, lake_root=str(built.root))
    assert latest.select("user__paid_orders_7d", "product__live_price_cny").rows() == [(2, 90.0)]
    for root in copies:
        copy = lr.training_set(LABELS, FEATURES, known_as_of=after_d2, lake_root=str(root))
        assert copy.equals(original), root.name


def test_a_time_before_the_first_publication_is_an_error(built):
    first = min(
        r["published_at"]
        for r in read_arrow(
            PUBLISHED_RUNS,
            filter=pc.field("table_name") == "gold/user_features",
            lake_root=str(built.root),
        ).to_pylist()
    )
    before = first - timedelta(microseconds=1)
    with pytest.raises(LakeError) as raised:
        lr.training_set(LABELS, FEATURES, known_as_of=before, lake_root=str(built.root))
    assert str(raised.value) == (
        f"gold/user_features was not published at or before {before.isoformat()} "
        f"(audit/published_runs: its first was at {first.isoformat()}); ask for a later time"
    )
