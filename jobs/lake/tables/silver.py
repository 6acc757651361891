"""Silver: the twelve conformed dimensions (declared here, built by jobs/silver/)."""

from livelake.jobs.lake.registry import register  # noqa: F401
