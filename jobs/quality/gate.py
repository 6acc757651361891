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
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from livelake.jobs.cost import spark_jobs
from livelake.jobs.quality.expectation import RUN_DAY_SCOPE
from livelake.jobs.quality.frame import (
    frame_width,
    known_keys,
    piece_columns,
    piece_references,
    run_day_rows,
    staged_reader,
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
    read: Callable[[list[str]], pa.Table],
    staged: Sequence[StagedWrite],
    keys_cache: dict[tuple[str, str], pa.Array | None],
    day: date,
    width: int,
) -> Iterator[tuple[TableSuite, pd.DataFrame]]:
    """Each piece of the suite (`TableSuite.by_scope`, then `in_pieces` of at most `width`
    columns) with the rows it judges: the staged rows of its columns (`read`), with a
    marker column per foreign key it checks, or only the rows of the run's own day. One
    piece's frame at a time: however large the day, the gate holds at most `width` columns
    of its rows.

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
    keys_of = dict(resolved)
    for part in suite.by_scope():
        for piece in part.in_pieces(width):
            references = piece_references(piece, list(keys_of))
            rows = read(piece_columns(piece, references))
            marked = with_markers(rows, [(r, keys_of[r]) for r in references])
            if piece.scope == RUN_DAY_SCOPE:
                marked = run_day_rows(marked, piece.table, day)
            columns = suite_columns(piece.table, piece.expectations, marked.column_names)
            yield piece, to_pandas(marked.select(columns or marked.column_names[:1]))


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
        count = sum(w.rows for w in writes)
        suite = build_suite(ctx.settings, table, day, staged_rows=count)
        width = frame_width(count, ctx.settings.gate_frame_mb)
        read = staged_reader(writes, suite, width)
        with spark_jobs(ctx.spark, f"gate {name}") as counted:
            measured += history_rows(
                compute_metrics(read, table, day, count, width),
                run_id=ctx.run.run_id,
                day=day,
                stage=stage,
                table_name=name,
            )
            for piece, frame in judged_rows(ctx, suite, read, staged, keys_cache, day, width):
                validations.append(validate(context, piece, frame, run_name))
                del frame  # before the next piece's frame is built
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
