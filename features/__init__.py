"""livelake.features: every feature declared once, and the point-in-time API to read them.

>>> import livelake.features as lf
>>> users = lf.read("user", columns=["visits_7d", "paid_orders_30d"])
>>> train = lf.training_set(labels, features=["user:visits_7d", "product:price_vs_min_30d"])

Declarations live in `user.py`, `product.py` and `anchor.py`; `FEATURES` lists them all.
"""

from __future__ import annotations

from livelake.features.declarations import (
    FEATURES,
    MEASURES,
    UnknownFeatureError,
    feature,
    features_of,
    resolve,
)
from livelake.features.feature import ENTITIES, ENTITY_KEYS, Feature, Measure

_READERS = {
    "TrainingSetError",
    "TrainingSetManifest",
    "read",
    "rebuild_training_set",
    "training_set",
}


def __getattr__(name: str):
    """The readers load Arrow and delta-rs; the DAG files import the declarations only."""
    if name in _READERS:
        from livelake.features import pit

        return getattr(pit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ENTITIES",
    "ENTITY_KEYS",
    "FEATURES",
    "MEASURES",
    "Feature",
    "Measure",
    "TrainingSetError",
    "TrainingSetManifest",
    "UnknownFeatureError",
    "feature",
    "features_of",
    "read",
    "rebuild_training_set",
    "resolve",
    "training_set",
]
