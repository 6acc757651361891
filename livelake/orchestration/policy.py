"""What every livelake DAG shares: owner, retry policy, start date. Cheap to import.

Transient failures (a lost executor, a storage hiccup, a commit conflict) are retried with
exponential backoff; a failed gate or bad input is raised as AirflowFailException by the
task itself (see `airflow_tasks.py`), which Airflow never retries.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

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
# Tasks of one DAG run that may run at once. A local task starts its own Spark driver
# (~4 GB, both cores busy), so a 2-core laptop runs two; raise it on a cluster.
MAX_ACTIVE_TASKS = int(os.environ.get("LIVELAKE_MAX_ACTIVE_TASKS", "2"))
