"""All declared features and measures in one place, checked for consistency at import."""

from __future__ import annotations

from livelake.features import anchor, product, user
from livelake.features.feature import (
    CARRIED,
    ENTITIES,
    ENTITY_KEYS,
    WINDOWED,
    Feature,
    Measure,
)

MEASURES: dict[str, tuple[Measure, ...]] = {
    "user": user.MEASURES,
    "product": product.MEASURES,
    "anchor": anchor.MEASURES,
    "user_category": user.USER_CATEGORY_MEASURES,
}

FEATURES: tuple[Feature, ...] = (
    *user.USER_FEATURES,
    *product.PRODUCT_FEATURES,
    *anchor.ANCHOR_FEATURES,
    *user.USER_CATEGORY_FEATURES,
)
# A rerun of day D changes the snapshots of the days whose windows include D: backfills
# recompute this many later days.
LONGEST_WINDOW_DAYS = max(f.window_days for f in FEATURES if f.window_days is not None)


class UnknownFeatureError(KeyError):
    """A feature reference names no declared feature."""

    def __str__(self) -> str:
        return str(self.args[0])


def features_of(entity: str) -> list[Feature]:
    """The entity's features in declaration order (the order of snapshot columns)."""
    if entity not in ENTITIES:
        raise UnknownFeatureError(f"unknown entity {entity!r}; entities are {', '.join(ENTITIES)}")
    return [f for f in FEATURES if f.entity == entity]


def feature(reference: str) -> Feature:
    """Look up `entity:name` (e.g. `user:visits_7d`)."""
    entity, _, name = reference.partition(":")
    for candidate in features_of(entity) if name else ():
        if candidate.name == name:
            return candidate
    raise UnknownFeatureError(
        f"no feature {reference!r}; name one as entity:name (e.g. user:visits_7d) — "
        "`livelake features list` shows them all"
    )


def resolve(references: list[str] | tuple[str, ...]) -> list[Feature]:
    """Expand `entity:name` and `entity:*` references, keeping their order, no repeats."""
    chosen: list[Feature] = []
    for reference in references:
        entity, _, name = reference.partition(":")
        found = features_of(entity) if name == "*" else [feature(reference)]
        chosen += [f for f in found if f not in chosen]
    return chosen


def measure(entity: str, name: str) -> Measure:
    for candidate in MEASURES[entity]:
        if candidate.name == name:
            return candidate
    raise UnknownFeatureError(f"no {entity} measure {name!r}")


def _check() -> None:
    """Fail at import when a declaration refers to something undeclared or repeats a name."""
    for entity in ENTITIES:
        measures = [m.name for m in MEASURES[entity]]
        if len(set(measures)) != len(measures):
            raise ValueError(f"{entity}: duplicate measure names")
        seen: set[str] = set()
        for f in features_of(entity):
            if f.name in seen or f.name in ENTITY_KEYS[entity]:
                raise ValueError(f"{f.reference}: declared twice or clashes with a key")
            if f.aggregation in WINDOWED | CARRIED and f.inputs[0] not in measures:
                raise ValueError(f"{f.reference}: unknown measure {f.inputs[0]!r}")
            if f.aggregation in ("ratio", "expression"):
                missing = [i for i in f.inputs if i not in seen]
                if missing:
                    raise ValueError(f"{f.reference}: inputs {missing} must be declared before it")
            seen.add(f.name)


_check()
