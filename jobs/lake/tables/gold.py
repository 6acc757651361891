"""Gold: daily aggregates, feature snapshots and training examples."""

from livelake.jobs.lake.registry import register  # noqa: F401
