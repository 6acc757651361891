"""What every livelake DAG shares: owner, retry policy, start date. Cheap to import.

Transient failures (a lost executor, a storage hiccup, a commit conflict) are retried with
exponential backoff; a failed gate or bad input is raised as AirflowFailException by the
task itself (see `airflow_tasks.py`), which Airflow never retries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from livelake.config import settings

OWNER = "data-platform"
START_DATE = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=3),
}
MAX_ACTIVE_TASKS = settings().max_active_tasks
