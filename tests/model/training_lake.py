"""A gold/training_examples table with planted drivers, and the audit rows that gate it.

Written with delta-rs directly (no Spark), shaped like the contracts: the training set like
gold/training_examples from [features], the audit rows like the registry's audit tables.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from livelake.lake.tables.audit import PUBLISHED_RUNS, QUALITY_RESULTS

START = date(2026, 1, 1)
DAYS = 10
ROWS_PER_DAY = 2_000


def planted_training_set(
    seed: int = 3, rows_per_day: int = ROWS_PER_DAY, intercept: float = -4.0
) -> pd.DataFrame:
    """Conversions driven by the four drivers with clearly separated weights, plus noise;
    `intercept` sets the base rate (-4.0: about 12% convert; -9.0: about 0.6%)."""
    rng = np.random.default_rng(seed)
    n = DAYS * rows_per_day
    professionalism = rng.normal(size=n)
    explain = rng.normal(size=n)
    interactions = rng.normal(size=n)
    discount = rng.normal(size=n)
    logit = intercept + 2.4 * professionalism + 1.5 * explain + 0.9 * interactions + 0.45 * discount
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("int64")
    days = [START + timedelta(days=i // rows_per_day) for i in range(n)]
    return pd.DataFrame(
        {
            "user_id": [f"u{i % 500}" for i in range(n)],
            "session_id": [f"s{i % 97}" for i in range(n)],
            "product_id": [f"p{i % 53}" for i in range(n)],
            "anchor_id": [f"a{i % 11}" for i in range(n)],
            "example_date": days,
            "observed_at": [datetime(d.year, d.month, d.day, 12, tzinfo=UTC) for d in days],
            "label": label,
            "anchor__professionalism_score": professionalism,
            "product__explain_seconds_7d": explain,
            "user__interaction_count_7d": interactions,
            "product__price_anchor_discount_pct": discount,
            "user__noise": rng.normal(size=n),
            "user__membership_level": rng.choice(["none", "gold", None], size=n),
        }
    )


def write_training_set(lake_root: Path, frame: pd.DataFrame) -> int:
    uri = str(lake_root / "gold/training_examples")
    write_deltalake(
        uri, frame, mode="overwrite", schema_mode="overwrite", partition_by=["example_date"]
    )
    return DeltaTable(uri).version()


def publish_rows(
    lake_root: Path,
    version: int,
    run_id: str = "run-1",
    table_name: str = "gold/training_examples",
    stage: str = "training",
) -> None:
    row = {
        "run_id": run_id,
        "day": START + timedelta(days=DAYS - 1),
        "stage": stage,
        "table_name": table_name,
        "table_version": version,
        "rows": DAYS * ROWS_PER_DAY,
        "published_at": datetime(2026, 1, 11, tzinfo=UTC),
    }
    _append(lake_root, PUBLISHED_RUNS, [row])


def gate_rows(lake_root: Path, run_id: str, day: date, passed: bool, at: datetime) -> None:
    rows = [
        {
            "run_id": run_id,
            "day": day,
            "stage": "training",
            "table_name": "gold/training_examples",
            "table_version": 0,
            "suite": "gold.training_examples",
            "expectation": expectation,
            "column_name": "label",
            "severity": "error",
            "success": success,
            "observed_value": "null",
            "unexpected_count": 0 if success else 12,
            "details": "{}",
            "validated_at": at,
        }
        for expectation, success in (
            ("expect_column_values_to_not_be_null", True),
            ("expect_column_mean_to_be_between", passed),
        )
    ]
    _append(lake_root, QUALITY_RESULTS, rows)


def _append(lake_root: Path, declared, rows) -> None:
    data = pa.Table.from_pylist(rows, schema=declared.arrow_schema())
    write_deltalake(
        str(lake_root / declared.qualified_name),
        data,
        mode="append",
        partition_by=list(declared.partition_by),
    )


# The planted columns under names the feature snapshots really have, so a model trained on
# them can score the lake's candidates; `user__paid_gmv_cny_30d` is money (a decimal there).
SNAPSHOT_NAMES = {
    "user__interaction_count_7d": "user__interactions_7d",
    "product__price_anchor_discount_pct": "product__discount_vs_ref_30d",
    "user__noise": "user__paid_gmv_cny_30d",
}


def accepted_model(root: Path) -> Path:
    """A models root under `root` whose published model the metric gate accepted, trained on
    the planted set under snapshot feature names (a small training run: few importance
    resamples). Returns the models root."""
    from livelake.config import load_settings
    from livelake.model.train import TrainingConfig, train_and_publish

    lake = root / "training-lake"
    frame = planted_training_set(rows_per_day=1_000).drop(columns="user__membership_level")
    publish_rows(lake, write_training_set(lake, frame.rename(columns=SNAPSHOT_NAMES)))
    gate_rows(
        lake, "run-1", START + timedelta(days=DAYS - 1), True, datetime(2026, 1, 11, tzinfo=UTC)
    )
    models = root / "models"
    cfg = load_settings(lake_root=str(lake), models_root=str(models), pii_key="k")
    config = TrainingConfig(
        importance_repeats=1, importance_bootstraps=20, max_importance_rows=2_000
    )
    assert train_and_publish(config, cfg).published
    return models
