"""livelake.retrieval: read features as they were known, without a JVM.

>>> import livelake.retrieval as lr
>>> users = lr.read("user", columns=["visits_7d", "paid_orders_30d"])
>>> train = lr.training_set(labels, features=["user:visits_7d", "product:price_vs_min_30d"])

It reads the feature tables the gold stages publish; what each feature means is declared in
`livelake.features`. `training_set_spark` (in `spark_pit`) is the same join on Spark.
"""

from __future__ import annotations

from livelake.retrieval.pit import (
    TrainingSetError,
    TrainingSetManifest,
    read,
    rebuild_training_set,
    training_set,
)

__all__ = [
    "TrainingSetError",
    "TrainingSetManifest",
    "read",
    "rebuild_training_set",
    "training_set",
]
