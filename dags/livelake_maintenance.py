"""livelake_maintenance: purge old bronze, compact small files, vacuum unreferenced files.

Weekly (Sunday 05:00 UTC). `purge_bronze` drops bronze partitions delivered more than
`bronze_retention_days` ago (raw lines carry PII), `compact` rewrites small files, and
`vacuum` then deletes every file no version within `retention_hours` (default 168 h)
references — which is also what physically removes the purged bronze files. Time travel
inside the retention keeps working.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from livelake.orchestration.maintenance import (
    DEFAULT_BRONZE_RETENTION_DAYS,
    DEFAULT_RETENTION_HOURS,
)
from livelake.orchestration.policy import DEFAULT_ARGS, START_DATE


@task
def purge_bronze(retention_days: int) -> dict:
    """Drop bronze partitions delivered more than `retention_days` ago."""
    from livelake.orchestration.airflow_tasks import purge_bronze as purge

    return purge(int(retention_days))


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
    params={
        "retention_hours": Param(DEFAULT_RETENTION_HOURS, type="integer", minimum=0),
        "bronze_retention_days": Param(DEFAULT_BRONZE_RETENTION_DAYS, type="integer", minimum=1),
    },
    tags=["livelake", "maintenance"],
    doc_md=__doc__,
)
def livelake_maintenance() -> None:
    housekeeping = compact()
    purge_bronze("{{ params.bronze_retention_days }}") >> housekeeping
    housekeeping >> vacuum("{{ params.retention_hours }}")


livelake_maintenance()
