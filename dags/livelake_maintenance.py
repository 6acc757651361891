"""livelake_maintenance: compact small files, then vacuum unreferenced files past retention.

Weekly (Sunday 05:00 UTC), one task each. Vacuum keeps every file a version within
`retention_hours` (default 168 h) references, so time travel inside that window still works.
Bronze purge (dropping bronze partitions silver has safely published) is not scheduled here
yet: it belongs to the silver stage's code and gets a task once it exists there.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from livelake.orchestration.policy import DEFAULT_ARGS, START_DATE


@task
def compact() -> dict:
    """Compact small files of every table (data-preserving rewrite)."""
    from livelake.orchestration.airflow_tasks import compact_tables

    return compact_tables()


@task
def vacuum(retention_hours: int) -> dict:
    """Delete files no version inside the retention references."""
    from livelake.orchestration.airflow_tasks import vacuum_tables

    return vacuum_tables(int(retention_hours))


@dag(
    dag_id="livelake_maintenance",
    schedule="0 5 * * 0",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"retention_hours": Param(168, type="integer", minimum=0)},
    tags=["livelake", "maintenance"],
    doc_md=__doc__,
)
def livelake_maintenance() -> None:
    compact() >> vacuum("{{ params.retention_hours }}")


livelake_maintenance()
