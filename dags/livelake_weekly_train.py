"""livelake_weekly_train: train the baseline conversion model on gated training data.

Runs weekly (Monday 04:00 UTC). It refuses to train when the latest gate of the `training`
stage failed, trains on the latest *published* version of gold/training_examples with a
time-based split by day, and publishes the model only when every check of the metric gate
passes (AUC floor, log-loss vs the base rate, ECE, leak, no regression: `livelake.model.gate`).
"""

from __future__ import annotations

from airflow.sdk import dag, task

from livelake.orchestration.assets import MODEL, TRAINING_EXAMPLES
from livelake.orchestration.policy import DEFAULT_ARGS, START_DATE


@task(inlets=[TRAINING_EXAMPLES], outlets=[MODEL])
def train() -> dict:
    """Train, evaluate, gate and publish the model; write its model card."""
    from livelake.orchestration.airflow_tasks import train_model

    return train_model()


@dag(
    dag_id="livelake_weekly_train",
    schedule="0 4 * * 1",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "retries": 1},
    tags=["livelake", "weekly", "model"],
    doc_md=__doc__,
)
def livelake_weekly_train() -> None:
    train()


livelake_weekly_train()
