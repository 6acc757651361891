"""Synthetic inputs for the point-in-time join benchmark, identical for every engine.

`snapshots`: one row per user per daily snapshot; `feature_timestamp` is when the snapshot
became available (midnight after its `as_of` day). `labels`: random (user, time) pairs whose
times never fall exactly on midnight, so "strictly before" (livelake) and "at or before"
(Feast) select the same snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FEATURES = ("f_views_7d", "f_orders_30d", "f_gmv_30d_cny", "f_dwell_mean_seconds", "f_ctr")
START = datetime(2026, 1, 1, tzinfo=UTC)
DAY_US = 86_400 * 1_000_000


def make(out: Path, users: int, days: int, labels: int, seed: int = 11) -> dict[str, Path]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    start_us = int(START.timestamp() * 1_000_000)

    user_ids = np.tile(np.arange(users, dtype=np.int64), days)
    day_index = np.repeat(np.arange(days, dtype=np.int64), users)
    snapshots = {
        "user_id": user_ids,
        "as_of_index": day_index,
        "feature_timestamp": pa.array(
            start_us + (day_index + 1) * DAY_US, pa.timestamp("us", "UTC")
        ),
    }
    for i, name in enumerate(FEATURES):
        snapshots[name] = np.round(rng.gamma(2.0 + i, 3.0, users * days), 6)
    snap_path = out / "snapshots.parquet"
    pq.write_table(pa.table(snapshots), snap_path, row_group_size=1_000_000)

    # Labels over the whole period, never at midnight; those on the first day precede every
    # snapshot and must come back with null features.
    offsets = rng.integers(1, days * DAY_US, labels)
    offsets[offsets % DAY_US == 0] += 1
    label_table = pa.table(
        {
            "label_id": np.arange(labels, dtype=np.int64),
            "user_id": rng.integers(0, users, labels, dtype=np.int64),
            "event_timestamp": pa.array(start_us + offsets, pa.timestamp("us", "UTC")),
            "label": rng.random(labels) < 0.03,
        }
    )
    label_path = out / "labels.parquet"
    pq.write_table(label_table, label_path)
    return {"snapshots": snap_path, "labels": label_path}
