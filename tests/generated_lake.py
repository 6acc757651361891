"""Set-up shared by the tests that run stages on generated days: landing plus an empty lake."""

from __future__ import annotations

from pathlib import Path

from livelake.config import load_settings
from livelake.generator import GeneratorConfig, generate
from livelake.jobs.context import JobContext
from livelake.lake import RunContext, open_lake


def generated_lake(spark, root: Path, config: GeneratorConfig) -> JobContext:
    """Generate `config`'s days under `root/landing`; a job context on an empty `root/lake`."""
    generate(config, root / "landing")
    cfg = load_settings(
        lake_root=str(root / "lake"), landing_root=str(root / "landing"), pii_key="k"
    )
    return JobContext(spark, open_lake(spark, cfg), cfg, RunContext(job="test"))
