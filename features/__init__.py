"""livelake.features: every feature and daily measure declared once, as data.

Declarations live in `user.py`, `product.py` and `anchor.py`; `FEATURES` lists them all. The
gold tables, their gates and the catalog are derived from them; `livelake.retrieval` reads
the published values.
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

__all__ = [
    "ENTITIES",
    "ENTITY_KEYS",
    "FEATURES",
    "MEASURES",
    "Feature",
    "Measure",
    "UnknownFeatureError",
    "feature",
    "features_of",
    "resolve",
]
