"""Feast's offline `get_historical_features` on the benchmark data (runs in its own venv).

Feast pins its own dependency set, so the benchmark runner installs it into
`benchmarks/.venv-feast` from `requirements-feast.lock` and runs this script there.
Usage: python feast_engine.py DATA_DIR OUT_PARQUET
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

FEATURES = ("f_views_7d", "f_orders_30d", "f_gmv_30d_cny", "f_dwell_mean_seconds", "f_ctr")


def main(data_dir: Path, out: Path) -> None:
    import pandas as pd
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
    from feast.repo_config import RepoConfig
    from feast.types import Float64

    repo = data_dir / "feast_repo"
    repo.mkdir(exist_ok=True)
    config = RepoConfig(
        project="livelake_bench",
        registry=str(repo / "registry.db"),
        provider="local",
        offline_store={"type": "file"},
        online_store={"type": "sqlite", "path": str(repo / "online.db")},
        entity_key_serialization_version=3,
        repo_path=str(repo),
    )
    store = FeatureStore(config=config)
    user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.INT64)
    source = FileSource(
        path=str(data_dir / "snapshots.parquet"), timestamp_field="feature_timestamp"
    )
    view = FeatureView(
        name="user_features",
        entities=[user],
        ttl=timedelta(days=3650),
        schema=[Field(name=name, dtype=Float64) for name in FEATURES],
        source=source,
    )
    store.apply([user, view])
    labels = pd.read_parquet(data_dir / "labels.parquet")

    started = time.perf_counter()
    result = store.get_historical_features(
        entity_df=labels, features=[f"user_features:{name}" for name in FEATURES]
    ).to_df()
    seconds = time.perf_counter() - started

    result[["label_id", *FEATURES]].to_parquet(out, index=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": len(result)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
