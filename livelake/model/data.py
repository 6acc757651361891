"""What the trainer may train on: the latest *published* training set, and only when the
latest `training` gate passed.

Both answers come from the audit tables, never from the training table itself: a version of
gold/training_examples counts only when `audit/published_runs` names it (so a crash between
commits can never feed a model a half-published set), and the verdict of the most recent
training gate run is read from `audit/quality_results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

import pyarrow.compute as pc

from livelake.lake.base import LakeError
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import PUBLISHED_RUNS, QUALITY_RESULTS
from livelake.lake.tables.gold import TRAINING_EXAMPLES

if TYPE_CHECKING:
    import pandas as pd

TRAINING_TABLE = TRAINING_EXAMPLES.qualified_name
TRAINING_STAGE = "training"


class TrainingRefusedError(RuntimeError):
    """The data may not be trained on (gate failed, nothing published): do not retry."""


@dataclass(frozen=True)
class GateVerdict:
    """The most recent gate run of the training stage."""

    run_id: str
    day: date
    validated_at: datetime
    passed: bool
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublishedVersion:
    table: str
    version: int
    day: date
    run_id: str


def latest_training_gate(lake_root: str) -> GateVerdict | None:
    """The newest training-stage gate run and whether any blocking expectation failed."""
    try:
        rows = read_arrow(
            QUALITY_RESULTS,
            columns=[
                *("run_id", "day", "stage", "table_name"),
                *("expectation", "severity", "success", "validated_at"),
            ],
            filter=pc.field("stage") == TRAINING_STAGE,
            lake_root=lake_root,
        ).to_pylist()
    except LakeError:
        return None
    if not rows:
        return None
    newest = max(rows, key=lambda r: r["validated_at"])
    same_run = [r for r in rows if r["run_id"] == newest["run_id"] and r["day"] == newest["day"]]
    failures = [
        f"{r['table_name']}: {r['expectation']}"
        for r in same_run
        if r["severity"] == "error" and not r["success"]
    ]
    return GateVerdict(
        newest["run_id"], newest["day"], newest["validated_at"], not failures, failures
    )


def latest_published(lake_root: str, table_name: str = TRAINING_TABLE) -> PublishedVersion | None:
    """The newest version of `table_name` that a stage published (per audit/published_runs)."""
    try:
        rows = read_arrow(
            PUBLISHED_RUNS,
            columns=["run_id", "day", "table_name", "table_version", "published_at"],
            filter=pc.field("table_name") == table_name,
            lake_root=lake_root,
        ).to_pylist()
    except LakeError:
        return None
    if not rows:
        return None
    newest = max(rows, key=lambda r: (r["table_version"], r["published_at"]))
    return PublishedVersion(table_name, newest["table_version"], newest["day"], newest["run_id"])


def published_with(lake_root: str, published: PublishedVersion) -> dict[str, int]:
    """Every table version the run that published the training set published for its day:
    the state of the lake the training set was built in, for the card's data lineage."""
    rows = read_arrow(
        PUBLISHED_RUNS,
        columns=["run_id", "day", "table_name", "table_version"],
        filter=(pc.field("run_id") == published.run_id) & (pc.field("day") == published.day),
        lake_root=lake_root,
    ).to_pylist()
    return {
        r["table_name"]: r["table_version"] for r in sorted(rows, key=lambda r: r["table_name"])
    }


def check_trainable(lake_root: str) -> tuple[GateVerdict, PublishedVersion]:
    """Refuse (with the reason) unless the latest training gate passed and a set is published."""
    gate = latest_training_gate(lake_root)
    if gate is None:
        raise TrainingRefusedError(
            f"no `{TRAINING_STAGE}` gate result in audit/quality_results under {lake_root}: "
            "run the daily pipeline (its training stage gates the examples) before training"
        )
    if not gate.passed:
        shown = "; ".join(gate.failures[:5])
        raise TrainingRefusedError(
            f"refusing to train: the latest `{TRAINING_STAGE}` gate (run {gate.run_id}, day "
            f"{gate.day}) failed {len(gate.failures)} blocking expectation(s): {shown}. Fix or "
            "rerun that day (`livelake backfill --start D --end D --rerun`) first"
        )
    published = latest_published(lake_root)
    if published is None:
        raise TrainingRefusedError(
            f"{TRAINING_TABLE} has no published version in audit/published_runs under {lake_root}"
        )
    return gate, published


def read_training_examples(lake_root: str, version: int) -> pd.DataFrame:
    """Version `version` of the training set with every column it has, as pandas, in key order.

    Read straight from the Delta log (polars, no JVM) rather than through the table's
    declaration, because the trainer uses every `__` feature column the table holds. Rows are
    sorted by the table's keys: the order of files and rows in a Delta version is not part
    of its contents, and the booster's fit depends on row order.
    """
    import pandas as pd
    import polars as pl

    uri = f"{lake_root.rstrip('/')}/{TRAINING_TABLE}"
    # Money features are exact decimals in the lake; the model wants numbers, not objects.
    data = pl.read_delta(uri, version=version)
    keys = [k for k in TRAINING_EXAMPLES.keys if k in data.columns]
    data = data.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    if keys:
        data = data.sort(keys, nulls_last=True)
    frame = data.to_pandas()
    if "example_date" in frame.columns:  # pandas has no date dtype: keep python dates
        frame["example_date"] = pd.to_datetime(frame["example_date"]).dt.date
    return frame
