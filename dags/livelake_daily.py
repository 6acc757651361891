"""livelake_daily: one logical day through every stage, in flow order.

wait for the day's deliveries → bronze → fourteen silver jobs → silver gate → aggregates →
features (+ gate) → training examples (+ gate) → conversion scores (+ gate; nothing to do
without a published model) → kpi → experiment results (+ gate). Each silver job conforms and stages
one table after the jobs of the dimensions it references (independent ones run in
parallel); the silver gate checks all fourteen and publishes all or none. Every task runs one
step for the run's logical day (`{{ ds }}`) via
`livelake.orchestration.tasks.run_stage_task`: in-process on local Spark, or spark-submit
when `LIVELAKE_SPARK_MASTER` names a cluster. A failed gate fails its task without retries
and nothing downstream runs; crashes are retried with exponential backoff. Every stage of
`DAILY_STAGES` (`jobs/runner.py`) gets its task, in order. The first task,
`wait_for_delivery`, is a deferrable sensor (`livelake.orchestration.delivery`): a delivered
day passes at once; otherwise the triggerer polls for the `_manifest.json` of each expected
source, and after `delivery_timeout_minutes` the task fails naming the missing sources and
the day. A last teardown task rewrites the audit index and evidence pages, also after a
failed stage, without changing the run's state.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, TaskGroup, dag, task, teardown

from livelake.jobs.runner import DAILY_STAGES, Stage
from livelake.orchestration.assets import STAGE_OUTLETS
from livelake.orchestration.delivery import DeliverySensor
from livelake.orchestration.policy import DEFAULT_ARGS, MAX_ACTIVE_TASKS, START_DATE
from livelake.orchestration.stages import silver_jobs

DAY = "{{ ds }}"


@task
def run_stage(stage: str, day: str) -> dict:
    """Run one stage (or one silver job) for one day; fail without retry when a gate fails."""
    from livelake.orchestration.airflow_tasks import run_stage as run

    return run(stage, day)


@teardown
def audit_reports() -> dict:
    """Rewrite `reports/index.html` and the evidence pages: a refused day's verdict is what an
    auditor looks for, so this runs whatever the stages did (a teardown leaves the run's state
    to them)."""
    from livelake.orchestration.airflow_tasks import write_audit_reports

    return write_audit_reports()


def silver_group(stage: Stage) -> TaskGroup:
    """The fourteen silver jobs, each after the dimension jobs it references, then the gate."""
    dependencies = silver_jobs()
    with TaskGroup(group_id="silver", tooltip=stage.description) as group:
        jobs = {
            name: run_stage.override(
                task_id=name, doc=f"conform and stage silver/{name} (publishes nothing)"
            )(stage=f"silver.{name}", day=DAY)
            for name in dependencies
        }
        for name, dimensions in dependencies.items():
            for dimension in dimensions:
                jobs[dimension] >> jobs[name]
        gate = run_stage.override(
            task_id="gate",
            outlets=STAGE_OUTLETS["silver"],
            doc="reconcile and gate the fourteen staged tables; publish all or none",
        )(stage="silver.gate", day=DAY)
        list(jobs.values()) >> gate
    return group


@dag(
    dag_id="livelake_daily",
    # Logical date D = the interval [D 02:00, D+1 02:00); the run for day D starts at
    # D+1 02:00 UTC, when D's hourly files have all been delivered.
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # day D's features roll up from D-1: days run in order
    max_active_tasks=MAX_ACTIVE_TASKS,
    default_args=DEFAULT_ARGS,
    tags=["livelake", "daily", "spark"],
    doc_md=__doc__,
)
def livelake_daily() -> None:
    previous = DeliverySensor(
        task_id="wait_for_delivery",
        day=DAY,
        doc="wait for every expected source's _manifest.json of the day (deferred: the "
        "triggerer polls); fail naming the missing sources after delivery_timeout_minutes",
    )
    for stage in DAILY_STAGES:
        if stage.name == "silver":
            current = silver_group(stage)
        else:
            current = run_stage.override(
                task_id=stage.name, outlets=STAGE_OUTLETS[stage.name], doc=stage.description
            )(stage=stage.name, day=DAY)
        previous >> current
        previous = current
    previous >> audit_reports()


livelake_daily()
