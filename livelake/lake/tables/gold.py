"""Gold: daily aggregates, feature snapshots, training examples and conversion scores.

Every gold table's columns are generated from the feature declarations in
`livelake.features` (measures -> `agg_<entity>_daily`, features -> `<entity>_features` and the
`<entity>__<feature>` columns of `training_examples`), so a feature is declared exactly once.
"""

from livelake.features.declarations import MEASURES, features_of
from livelake.features.feature import ENTITIES, ENTITY_KEYS
from livelake.lake.registry import Column, Table, col, key, register

RUN_ID = key("run_id", doc="run that computed the row")


def _keys(entity: str) -> tuple[Column, ...]:
    return tuple(key(name) for name in ENTITY_KEYS[entity])


def aggregate_table(entity: str) -> Table:
    grain = f"one row per {' × '.join(ENTITY_KEYS[entity])} per day"
    return Table(
        layer="gold",
        name=f"agg_{entity}_daily",
        grain=grain + " with activity",
        columns=(
            *_keys(entity),
            key("day", "date", "event day the silver rows belong to: the partition"),
            *(
                col(m.name, m.dtype, f"{m.description} ({m.definition} over silver/{m.source})")
                for m in MEASURES[entity]
            ),
            RUN_ID,
        ),
        partition_by=("day",),
        keys=(*ENTITY_KEYS[entity], "day"),
        description=f"Partial aggregates of one day per {entity}: feature windows roll up "
        "from these, never from silver history.",
    )


def snapshot_table(entity: str) -> Table:
    return Table(
        layer="gold",
        name=f"{entity}_features",
        grain=f"one row per {' × '.join(ENTITY_KEYS[entity])} per as_of_date",
        columns=(
            *_keys(entity),
            key("as_of_date", "date", "features use events up to the end of this day (UTC)"),
            *(
                col(f.name, f.dtype, f.description, warmup_days=f.warmup_days)
                for f in features_of(entity)
            ),
            RUN_ID,
        ),
        partition_by=("as_of_date",),
        keys=(*ENTITY_KEYS[entity], "as_of_date"),
        description=f"{entity} feature snapshots; usable from as_of_date + 1 day 00:00 UTC.",
    )


AGGREGATES: dict[str, Table] = {e: aggregate_table(e) for e in ENTITIES}
SNAPSHOTS: dict[str, Table] = {e: snapshot_table(e) for e in ENTITIES}

# Who was shown what: the identity of a training example and of a score.
EXPOSURE = (
    key("user_id"),
    key("session_id"),
    key("product_id"),
    col("anchor_id", "string", "the session's anchor"),
)

TRAINING_EXAMPLES = Table(
    layer="gold",
    name="training_examples",
    grain="one row per user × live session × product shown, observed on example_date",
    columns=(
        *EXPOSURE,
        col("category", "string", "the product's category at the end of example_date - 1"),
        key("example_date", "date", "day the example was observed: the partition"),
        key("observed_at", "timestamp", "first moment the user could see the product"),
        key("label", "int", "1 if the user paid an order for the product in that session"),
        *(
            col(
                f.column,
                f.dtype,
                f"{f.description} (as of example_date - 1)",
                warmup_days=f.warmup_days,
            )
            for entity in ENTITIES
            for f in features_of(entity)
        ),
        RUN_ID,
    ),
    partition_by=("example_date",),
    keys=("user_id", "session_id", "product_id", "example_date"),
    description="Labels observed on D joined with features as of D-1 (never D).",
)

CONVERSION_SCORES = Table(
    layer="gold",
    name="conversion_scores",
    grain="one row per user × live session × product shown, for the sessions of session_date",
    columns=(
        *EXPOSURE,
        key("session_date", "date", "UTC day of the scored sessions: the partition"),
        key("as_of_date", "date", "the feature snapshot scored: session_date - 1, never later"),
        Column(
            "score",
            "double",
            nullable=False,
            doc="calibrated probability that the user pays for the product in that session",
            bounds=(0.0, 1.0),
        ),
        key("model_id", doc="the published model that scored the row (its ModelStore folder)"),
        key("model_card", doc="where that model's card page is (model_card.html)"),
        RUN_ID,
    ),
    partition_by=("session_date",),
    keys=("user_id", "session_id", "product_id", "session_date"),
    description="The published conversion model's scores of the exposures of session_date, "
    "from features as of the day before (the training examples' candidates, without labels).",
)

register(*AGGREGATES.values(), *SNAPSHOTS.values(), TRAINING_EXAMPLES, CONVERSION_SCORES)
