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

VERDICTS = ("ship", "no ship", "inconclusive", "invalid")


def _statistic(name: str, doc: str) -> Column:
    return col(name, "double", f"{doc}; null on the control's rows")


EXPERIMENT_RESULTS = Table(
    layer="gold",
    name="experiment_results",
    grain="one row per experiment × variant × metric, cumulative to as_of_date",
    columns=(
        key("experiment_id"),
        key("as_of_date", "date", "units exposed and events up to the end of this day (UTC)"),
        key("variant"),
        key("metric", doc="the experiment's primary metric or one of its guardrails"),
        key("unit_type", doc="live_session or user"),
        key("is_control", "boolean", "the first declared variant, the one compared against"),
        key("is_primary", "boolean", "the experiment's primary metric, which decides"),
        key("is_guardrail", "boolean", "a guardrail: significantly worse means no ship"),
        key("units", "long", "units assigned to the variant (silver/assignments)"),
        key("numerator", "double", "the metric's numerator summed over the variant's units"),
        key(
            "denominator",
            "double",
            "the metric's denominator summed over the variant's units (units for a mean)",
        ),
        col(
            "value",
            "double",
            "numerator / denominator, unadjusted; null when the denominator is 0",
        ),
        _statistic("delta", "value minus the control's value (CUPED-adjusted when cuped_theta is)"),
        _statistic("ci_low", "95% interval of delta, lower end (delta method)"),
        _statistic("ci_high", "95% interval of delta, upper end"),
        _statistic("relative_lift", "delta / the control's value"),
        _statistic("relative_ci_low", "95% interval of the relative lift, lower end"),
        _statistic("relative_ci_high", "95% interval of the relative lift, upper end"),
        Column(
            "p_value",
            "double",
            doc="two-sided p-value of delta = 0; null on the control's rows",
            bounds=(0.0, 1.0),
        ),
        col(
            "cuped_theta",
            "double",
            "CUPED's slope on the pre-exposure covariate; null when the metric is not adjusted",
        ),
        col(
            "cuped_variance_reduction",
            "double",
            "share of the delta's variance CUPED removed (1 - adjusted / unadjusted)",
        ),
        Column(
            "srm_p_value",
            "double",
            nullable=False,
            doc="chi-square p-value of the units per variant against the declared shares",
            bounds=(0.0, 1.0),
        ),
        key("sample_ratio_mismatch", "boolean", "srm_p_value < 0.001: the result is untrustworthy"),
        Column(
            "decision",
            "string",
            doc="the variant's verdict (livelake/experiments/decision.py); null for the control",
            allowed=VERDICTS,
        ),
        col("decision_reason", "string", "why, in words, with the figures"),
        RUN_ID,
    ),
    partition_by=("as_of_date",),
    keys=("experiment_id", "as_of_date", "variant", "metric"),
    description="A/B experiment results per day: each variant against the control on the "
    "primary metric and guardrails, with intervals, p-values, the sample-ratio test and a "
    "decision.",
)

register(
    *AGGREGATES.values(),
    *SNAPSHOTS.values(),
    TRAINING_EXAMPLES,
    CONVERSION_SCORES,
    EXPERIMENT_RESULTS,
)
