"""What a feature and a daily measure are: declarations as data, nothing computed here.

A `Measure` is one column of a gold daily aggregate table: what one day of one silver table
adds up to per entity (`count` of enter events, `sum` of dwell seconds, …), written as SQL
over the silver rows so the catalog can show it verbatim. A `Feature` is one column of a
feature snapshot, built from measures (rolled-up windows, lifetime sums, recency, decay),
from a dimension as of the day (`profile`), or from other features of the same row
(`ratio`, `expression`). The jobs, the catalog, the gates and the training set are all
driven by these declarations; a feature exists nowhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

Entity = Literal["user", "product", "anchor", "user_category"]
ENTITIES: tuple[Entity, ...] = ("user", "product", "anchor", "user_category")

# The key columns that identify one entity in every gold table.
ENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "user": ("user_id",),
    "product": ("product_id",),
    "anchor": ("anchor_id",),
    "user_category": ("user_id", "category"),
}

Function = Literal["count", "sum", "min", "max", "count_distinct"]

# How a feature is computed:
#   sum / min / max / active_days  over the last `window_days` daily aggregates (incl. D)
#   lifetime_sum / recency_days / decay  carried from the previous snapshot plus day D
#   profile      a column of the entity's dimension row valid at the end of D (SCD2)
#   ratio        inputs[0] / inputs[1] of the same snapshot row, null when the divisor is 0
#   expression   SQL over other features of the same snapshot row
Aggregation = Literal[
    "sum",
    "min",
    "max",
    "active_days",
    "lifetime_sum",
    "recency_days",
    "decay",
    "profile",
    "ratio",
    "expression",
]
WINDOWED: frozenset[str] = frozenset({"sum", "min", "max", "active_days"})
CARRIED: frozenset[str] = frozenset({"lifetime_sum", "recency_days", "decay"})

DEFAULT_OWNER = "features@livelake"


# How stale a snapshot may be when a training set uses it (Feast's TTL), counted from the
# instant it became usable (as_of_date + 1 day, 00:00 UTC) to the label's timestamp. Daily
# snapshots are at most a day old when every run happens; two days tolerate one missed run.
DEFAULT_MAX_AGE = timedelta(days=2)


def feature_table(entity: str) -> str:
    """Qualified gold table holding the entity's snapshots."""
    return f"gold/{entity}_features"


def as_of_column(entity: str) -> str:
    """The training-set column naming the snapshot day an entity's values came from."""
    return f"{entity}__as_of_date"


def aggregate_table(entity: str) -> str:
    """Qualified gold table holding the entity's daily aggregates."""
    return f"gold/agg_{entity}_daily"


@dataclass(frozen=True)
class Measure:
    """One column of `gold/agg_<entity>_daily`: a day of one silver table, per entity.

    `value` and `where` are Spark SQL over the silver rows of the day (enriched with the
    live session's `anchor_id` / `category` or the product's `category`, see
    `livelake.jobs.gold.aggregates`).
    """

    name: str
    entity: Entity
    source: str
    function: Function
    description: str
    value: str = "1"
    where: str | None = None
    dtype: str = "long"

    @property
    def definition(self) -> str:
        """The measure as one SQL aggregate, as shown in the catalog."""
        inner = (
            self.value if self.where is None else f"CASE WHEN {self.where} THEN {self.value} END"
        )
        if self.function == "count":
            return f"count({inner})"
        if self.function == "count_distinct":
            return f"count(DISTINCT {inner})"
        return f"{self.function}({inner})"


@dataclass(frozen=True)
class Feature:
    """One column of a feature snapshot, declared once.

    `min_value` / `max_value` / `max_null_fraction` are the expectations the feature gates
    enforce. `inputs` names measures (windowed and carried aggregations), other features of
    the same entity (ratio, expression) or dimension columns (profile). `max_age`: the oldest
    snapshot a training set may take the value from (None: any age); older ones give null.
    """

    name: str
    entity: Entity
    table: str
    dtype: str
    description: str
    owner: str
    source: tuple[str, ...]
    aggregation: Aggregation
    window_days: int | None
    min_value: float | None
    max_value: float | None
    max_null_fraction: float
    inputs: tuple[str, ...] = ()
    expression: str | None = None
    half_life_days: float | None = None
    max_age: timedelta | None = DEFAULT_MAX_AGE
    # Days of lake history before its daily values level off (a window filling); None: it
    # accumulates for the life of the lake (lifetime sums, recency). Drift checks read it.
    warmup_days: int | None = 0

    @property
    def reference(self) -> str:
        """How the training-set API names it: `user:visits_7d`."""
        return f"{self.entity}:{self.name}"

    @property
    def column(self) -> str:
        """Its column in training sets and `gold/training_examples`: `user__visits_7d`."""
        return f"{self.entity}__{self.name}"


def longest_warmup(*inputs: Feature) -> int | None:
    """What a feature computed from `inputs` waits for: the longest of theirs."""
    warmups = [f.warmup_days for f in inputs]
    return None if None in warmups else max(warmups)


def _sources(measures: tuple[Measure, ...]) -> tuple[str, ...]:
    return tuple(sorted({f"silver/{m.source}" for m in measures}))


def windows(
    measure: Measure,
    days: tuple[int, ...],
    description: str,
    *,
    aggregation: Literal["sum", "min", "max", "active_days"] = "sum",
    dtype: str | None = None,
    min_value: float | None = 0.0,
    max_value: float | None = None,
    max_null_fraction: float = 0.0,
    owner: str = DEFAULT_OWNER,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    name: str = "{measure}_{days}d",
) -> list[Feature]:
    """`<measure>_<n>d` (or `name` formatted with {measure} and {days}) for each window:
    the measure rolled up over the last n days.

    `description` may use `{days}`. Sums and day counts of an entity without activity are 0;
    min / max are null.
    """
    return [
        Feature(
            name=name.format(measure=measure.name, days=n),
            entity=measure.entity,
            table=feature_table(measure.entity),
            dtype=dtype or ("long" if aggregation == "active_days" else measure.dtype),
            description=description.format(days=n),
            owner=owner,
            source=_sources((measure,)),
            aggregation=aggregation,
            window_days=n,
            warmup_days=n,
            min_value=min_value,
            max_value=max_value,
            max_null_fraction=max_null_fraction,
            max_age=max_age,
            inputs=(measure.name,),
        )
        for n in days
    ]


def carried(
    name: str,
    measure: Measure,
    aggregation: Literal["lifetime_sum", "recency_days", "decay"],
    description: str,
    *,
    half_life_days: float | None = None,
    min_value: float | None = 0.0,
    max_value: float | None = None,
    max_null_fraction: float = 0.0,
    owner: str = DEFAULT_OWNER,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
) -> Feature:
    """A feature updated from the previous snapshot and day D's aggregate (no window scan)."""
    if (aggregation == "decay") != (half_life_days is not None):
        raise ValueError(f"{name}: half_life_days is required for decay and only for decay")
    dtype = {"lifetime_sum": measure.dtype, "recency_days": "long", "decay": "double"}
    return Feature(
        name=name,
        entity=measure.entity,
        table=feature_table(measure.entity),
        dtype=dtype[aggregation],
        description=description,
        owner=owner,
        source=_sources((measure,)),
        aggregation=aggregation,
        window_days=None,
        min_value=min_value,
        max_value=max_value,
        max_null_fraction=max_null_fraction,
        max_age=max_age,
        inputs=(measure.name,),
        half_life_days=half_life_days,
        # A decayed sum levels off after a few half-lives; a lifetime sum or a recency does not.
        warmup_days=None if half_life_days is None else math.ceil(5 * half_life_days),
    )


def profile(
    name: str,
    entity: Entity,
    dimension: str,
    expression: str,
    description: str,
    *,
    dtype: str = "double",
    min_value: float | None = None,
    max_value: float | None = None,
    max_null_fraction: float = 0.05,
    owner: str = DEFAULT_OWNER,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
) -> Feature:
    """A dimension attribute valid at the end of D; `expression` is SQL over the dim row
    (and `as_of_date`)."""
    return Feature(
        name=name,
        entity=entity,
        table=feature_table(entity),
        dtype=dtype,
        description=description,
        owner=owner,
        source=(f"silver/{dimension}",),
        aggregation="profile",
        window_days=None,
        min_value=min_value,
        max_value=max_value,
        max_null_fraction=max_null_fraction,
        max_age=max_age,
        inputs=(dimension,),
        expression=expression,
    )


def ratio(
    name: str,
    numerator: Feature,
    denominator: Feature,
    description: str,
    *,
    scale: float = 1.0,
    min_value: float | None = 0.0,
    max_value: float | None = None,
    max_null_fraction: float = 1.0,
    owner: str = DEFAULT_OWNER,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
) -> Feature:
    """numerator / denominator (times `scale`) of the same row; null when the divisor is 0."""
    if numerator.entity != denominator.entity:
        raise ValueError(f"{name}: a ratio needs features of one entity")
    scaled = "" if scale == 1.0 else f" * {scale!r}"
    return Feature(
        name=name,
        entity=numerator.entity,
        table=feature_table(numerator.entity),
        dtype="double",
        description=description,
        owner=owner,
        source=tuple(sorted({*numerator.source, *denominator.source})),
        aggregation="ratio",
        window_days=numerator.window_days,
        min_value=min_value,
        max_value=max_value,
        max_null_fraction=max_null_fraction,
        max_age=max_age,
        inputs=(numerator.name, denominator.name),
        warmup_days=longest_warmup(numerator, denominator),
        expression=(f"CAST({numerator.name} AS DOUBLE){scaled} / NULLIF({denominator.name}, 0)"),
    )


def expression(
    name: str,
    inputs: tuple[Feature, ...],
    sql: str,
    description: str,
    *,
    dtype: str = "double",
    window_days: int | None = None,
    min_value: float | None = None,
    max_value: float | None = None,
    max_null_fraction: float = 0.0,
    owner: str = DEFAULT_OWNER,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
) -> Feature:
    """SQL over other features of the same snapshot row (window functions allowed)."""
    entity = inputs[0].entity
    if any(f.entity != entity for f in inputs):
        raise ValueError(f"{name}: an expression combines features of one entity")
    return Feature(
        name=name,
        entity=entity,
        table=feature_table(entity),
        dtype=dtype,
        description=description,
        owner=owner,
        source=tuple(sorted({s for f in inputs for s in f.source})),
        aggregation="expression",
        window_days=window_days,
        min_value=min_value,
        max_value=max_value,
        max_null_fraction=max_null_fraction,
        max_age=max_age,
        inputs=tuple(f.name for f in inputs),
        warmup_days=longest_warmup(*inputs),
        expression=sql,
    )
