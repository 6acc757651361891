"""The default quality gate of every stage: validate each staged table, record, decide.

`quality_gate` has the `Gate` signature of `livelake.jobs.publish`, which calls it for every
`publish()` unless a stage passes its own gate. It builds each staged table's suite (once per
table, however many writes the stage staged for it), reads exactly the staged files (with the
columns foreign-key checks need joined on: see `frame.py`), measures the table's drift
metrics, runs the suite on those rows with no Spark job, renders Data Docs, appends every result to
`audit/quality_results` and the metrics to `audit/metric_history` (also when the gate fails:
auditors see what was refused; drift baselines only use runs that published), and returns the
verdict: any failed `error` expectation blocks the whole stage.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from livelake.jobs.cost import spark_jobs
from livelake.jobs.quality.expectation import RUN_DAY_SCOPE
from livelake.jobs.quality.frame import (
    gate_columns,
    known_keys,
    run_day_rows,
    staged_rows,
    suite_columns,
    to_pandas,
    with_markers,
)
from livelake.jobs.quality.gx_context import docs_index, gx_context
from livelake.jobs.quality.metrics import compute_metrics, history_rows
from livelake.jobs.quality.results import Outcome, audit_rows, outcomes
from livelake.jobs.quality.suites import TableSuite, build_suite
from livelake.jobs.quality.validate import build_docs, validate
from livelake.jobs.report import GateSummary
from livelake.lake import StagedWrite
from livelake.lake.tables.audit import METRIC_HISTORY, QUALITY_RESULTS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from livelake.jobs.context import JobContext


# Quarantine rows are the rejects themselves: they feed no model or report, and the silver
# reconciliation (landed = published + quarantined + duplicates) already proves none is lost
# or counted twice. Validating them would double the silver gate's cost for no protection.
UNGATED_LAYERS = frozenset({"quarantine"})


def summarise(found: list[Outcome], suites: int, report_path: str | None) -> GateSummary:
    failed = [o for o in found if not o.success]
    return GateSummary(
        suites=suites,
        expectations=len(found),
        failed_blocking=sum(1 for o in failed if o.severity == "error"),
        failed_warning=sum(1 for o in failed if o.severity == "warn"),
        report_path=report_path,
        failures=[o.describe() for o in sorted(failed, key=lambda o: o.severity != "error")],
    )


def staged_tables(staged: Sequence[StagedWrite]) -> dict[str, list[StagedWrite]]:
    """The gated writes grouped by table: a stage may stage one table in several writes
    (e.g. a snapshot per rebuilt day); the table is validated once, on all of its rows."""
    out: dict[str, list[StagedWrite]] = {}
    for write in staged:
        if write.table.layer not in UNGATED_LAYERS:
            out.setdefault(write.table.qualified_name, []).append(write)
    return out


def judged_rows(
    ctx: JobContext,
    suite: TableSuite,
    rows: pa.Table,
    staged: Sequence[StagedWrite],
    keys_cache: dict[tuple[str, str], pa.Array | None],
    day: date,
) -> Iterator[tuple[TableSuite, pd.DataFrame]]:
    """Each part of the suite (`TableSuite.by_scope`) with the rows it judges: all staged
    rows, with one marker column per foreign key, or the rows of the run's own day. One
    part's frame at a time: a large day's gate holds one copy of its rows for GE.

    References into a table the lake neither holds nor stages now are left out of the suite.
    A dimension's keys are read once per gate (`keys_cache`) however many tables reference it.
    """
    resolved, missing = [], []
    for reference in suite.references:
        cached = (reference.target.qualified_name, reference.key)
        if cached not in keys_cache:
            keys_cache[cached] = known_keys(ctx.lake, reference.target, reference.key, staged)
        keys = keys_cache[cached]
        if keys is None:
            missing.append(reference)
        else:
            resolved.append((reference, keys))
    if missing:
        suite = suite.without_references(missing)
    marked = with_markers(rows, resolved)
    for part in suite.by_scope():
        judged = run_day_rows(marked, part.table, day) if part.scope == RUN_DAY_SCOPE else marked
        columns = suite_columns(part.table, part.expectations, judged.column_names)
        # pandas keeps no rows in a frame of no columns: a row-count-only part keeps one.
        columns = columns or judged.column_names[:1]
        yield part, to_pandas(judged.select(columns))


def quality_gate(
    ctx: JobContext, stage: str, day: date, staged: Sequence[StagedWrite]
) -> GateSummary:
    """Validate every staged table of `stage` for `day`; record the results; return the verdict."""
    started = time.monotonic()
    lake_root = ctx.settings.lake_root
    context = gx_context(lake_root)
    run_name = f"{day.isoformat()}_{stage}_{ctx.run.run_id}"
    validations = []
    measured = []
    keys_cache: dict[tuple[str, str], pa.Array | None] = {}
    jobs: dict[str, int | None] = {}
    for name, writes in staged_tables(staged).items():
        table = writes[0].table
        suite = build_suite(ctx.settings, table, day, staged_rows=sum(w.rows for w in writes))
        rows = staged_rows(writes, gate_columns(suite))
        with spark_jobs(ctx.spark, f"gate {name}") as counted:
            measured += history_rows(
                compute_metrics(rows, table, day),
                run_id=ctx.run.run_id,
                day=day,
                stage=stage,
                table_name=name,
            )
            for part, frame in judged_rows(ctx, suite, rows, staged, keys_cache, day):
                validations.append(validate(context, part, frame, run_name))
                del frame  # before the next part's frame is built
        jobs[name] = counted.jobs
    found = [
        outcome
        for v in validations
        for outcome in outcomes(v.suite.table.qualified_name, v.suite.name, v.result)
    ]
    summary = summarise(found, len(validations), str(docs_index(lake_root)))
    pages = build_docs(context, validations, stage, summary, lake_root)
    versions = {w.table.qualified_name: ctx.lake.version(w.table) for w in staged}
    rows = audit_rows(
        found,
        run_id=ctx.run.run_id,
        day=day,
        stage=stage,
        versions=versions,
        docs_pages=pages,
        validated_at=datetime.now(UTC),
    )
    if rows:
        ctx.lake.append_records(QUALITY_RESULTS, rows, ctx.run)
    if measured:
        ctx.lake.append_records(METRIC_HISTORY, measured, ctx.run)
    summary.spark_jobs = jobs
    summary.seconds = time.monotonic() - started
    return summary
