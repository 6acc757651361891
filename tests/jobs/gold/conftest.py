"""Gold fixtures: a job context on an empty lake. The shared built lake is
tests/built_lake.py (a plugin of the root conftest)."""

from __future__ import annotations

import pytest


@pytest.fixture
def ctx(spark, lake):
    """A job context on an empty per-test lake."""
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.lake import RunContext

    return JobContext(spark=spark, lake=lake, settings=settings(), run=RunContext(job="test"))
