"""Gold fixtures: a job context on the per-test lake, and the tiny world written to silver."""

from __future__ import annotations

import pytest


@pytest.fixture
def ctx(spark, lake):
    from livelake.config import settings
    from livelake.jobs.context import JobContext
    from livelake.jobs.lake import RunContext

    return JobContext(spark=spark, lake=lake, settings=settings(), run=RunContext(job="test"))


@pytest.fixture
def world(spark, lake):
    from tests.jobs.gold.world import write_world

    write_world(spark, lake)
    return lake
