"""livelake_daily: one logical day through every stage, in flow order.

bronze → silver (+ gate) → aggregates → features (+ gate) → training examples (+ gate) → kpi.
Each task runs one stage for the run's logical day (`{{ ds }}`) via
`livelake.orchestration.tasks.run_stage_task`: in-process on local Spark, or spark-submit
when `LIVELAKE_SPARK_MASTER` names a cluster. A failed gate fails its task without retries
and nothing downstream runs; crashes are retried with exponential backoff.
Tasks exist for the stages present in this installation (see `present_stages`).
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from livelake.orchestration.assets import STAGE_OUTLETS
from livelake.orchestration.policy import DEFAULT_ARGS, START_DATE
from livelake.orchestration.stages import present_stages


@task
def run_stage(stage: str, day: str) -> dict:
    """Run one stage for one day; fail without retry when its gate fails."""
    from livelake.orchestration.airflow_tasks import run_stage as run

    return run(stage, day)


@dag(
    dag_id="livelake_daily",
    # Logical date D = the interval [D 02:00, D+1 02:00); the run for day D starts at
    # D+1 02:00 UTC, when D's hourly files have all been delivered.
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # day D's features roll up from D-1: days run in order
    default_args=DEFAULT_ARGS,
    tags=["livelake", "daily", "spark"],
    doc_md=__doc__,
)
def livelake_daily() -> None:
    previous = None
    for stage in present_stages():
        current = run_stage.override(
            task_id=stage.name, outlets=STAGE_OUTLETS[stage.name], doc=stage.description
        )(stage=stage.name, day="{{ ds }}")
        if previous is not None:
            previous >> current
        previous = current


livelake_daily()
