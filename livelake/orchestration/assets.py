"""The lake tables the DAGs schedule on, declared once as Airflow Assets.

An Asset per stage output names the stage's tables by their lake path (`livelake://gold/
training_examples`); a task that publishes them lists them as outlets, so Airflow records an
asset event only when the stage (and its gate) succeeded.
"""

from __future__ import annotations

from airflow.sdk import Asset

GROUP = "livelake"


def lake_asset(name: str) -> Asset:
    """The Asset of lake table (or table family) `name`, e.g. `gold/training_examples`."""
    return Asset(name=name, uri=f"livelake://{name}", group=GROUP)


BRONZE = lake_asset("bronze")
SILVER = lake_asset("silver")
DAILY_AGGREGATES = lake_asset("gold/agg_daily")
FEATURES = lake_asset("gold/features")
TRAINING_EXAMPLES = lake_asset("gold/training_examples")
CONVERSION_SCORES = lake_asset("gold/conversion_scores")
KPI = lake_asset("gold/kpi")
EXPERIMENT_RESULTS = lake_asset("gold/experiment_results")
MODEL = lake_asset("models/conversion_baseline")

# What each daily stage publishes (keys are jobs.runner.DAILY_STAGES names).
STAGE_OUTLETS: dict[str, list[Asset]] = {
    "bronze": [BRONZE],
    "silver": [SILVER],
    "aggregates": [DAILY_AGGREGATES],
    "features": [FEATURES],
    "training": [TRAINING_EXAMPLES],
    "score": [CONVERSION_SCORES],
    "kpi": [KPI],
    "experiments": [EXPERIMENT_RESULTS],
}
