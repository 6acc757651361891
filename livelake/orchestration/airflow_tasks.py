"""Airflow task bodies: call the package entry points, turn deterministic failures into
AirflowFailException (no retry) and let transient ones raise (retried with backoff).
"""

from __future__ import annotations

from typing import Any


def run_stage(stage: str, day: str) -> dict[str, Any]:
    """Task body of every stage task of `livelake_daily`."""
    from airflow.sdk.exceptions import AirflowFailException

    from livelake.orchestration.tasks import StageFailedError, run_stage_task

    try:
        return run_stage_task(stage, day)
    except StageFailedError as exc:
        raise AirflowFailException(str(exc)) from exc


def write_audit_reports() -> dict[str, Any]:
    """Task body of `livelake_daily`'s last task: the audit index over every run so far."""
    from livelake.config import settings
    from livelake.jobs.quality.audit_index import write_reports
    from livelake.jobs.quality.gx_context import is_local

    lake_root = settings().lake_root
    if not is_local(lake_root):
        return {"audit_index": None, "evidence_pages": 0}
    pages, index = write_reports(lake_root)
    return {"audit_index": str(index), "evidence_pages": len(pages)}


def train_model() -> dict[str, Any]:
    """Task body of `livelake_weekly_train`: train, gate, publish (or refuse, no retry)."""
    from airflow.sdk.exceptions import AirflowFailException

    from livelake.model.train import ModelRejectedError, TrainingRefusedError, train_and_publish

    try:
        return train_and_publish().summary()
    except (TrainingRefusedError, ModelRejectedError) as exc:
        raise AirflowFailException(str(exc)) from exc


def compact_tables() -> dict[str, int]:
    """Task body: compact small files of every table that exists."""
    from livelake.orchestration.maintenance import compact_all

    return compact_all()


def purge_bronze(retention_days: int) -> dict[str, int]:
    """Task body: drop bronze partitions older than the retention (raw PII)."""
    from livelake.orchestration.maintenance import purge_bronze_older_than

    return purge_bronze_older_than(retention_days)


def vacuum_tables(retention_hours: int) -> dict[str, int]:
    """Task body: delete files older than the retention that no version references."""
    from livelake.orchestration.maintenance import vacuum_all

    return vacuum_all(retention_hours)
