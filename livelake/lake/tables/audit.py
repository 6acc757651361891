"""Audit: append-only records that let an auditor prove what happened in every run."""

from livelake.lake.registry import Table, col, key, register

INGEST_LEDGER = Table(
    layer="audit",
    name="ingest_ledger",
    grain="one row per landed file per ingest attempt",
    columns=(
        key("source"),
        key("delivery_date", "date"),
        key("source_file"),
        key("file_sha256"),
        key("bronze_table"),
        col("rows", "long", "lines read from the file (a rejected file: lines readable)"),
        key("outcome", doc="ingested | skipped_already_ingested | rejected"),
        col("reason", "string", "why the file was rejected (e.g. a truncated gzip); else null"),
        key("ingested_at", "timestamp"),
        key("run_id"),
    ),
    partition_by=("delivery_date",),
    append_only=True,
)

RECONCILIATION = Table(
    layer="audit",
    name="reconciliation",
    grain="one row per run per silver table per delivery day",
    columns=(
        key("run_id"),
        key("delivery_date", "date"),
        key("table_name"),
        col("landed", "long", "bronze lines of that delivery"),
        col("published", "long", "rows published to silver"),
        col("quarantined", "long", "rows sent to quarantine"),
        col("duplicates_dropped", "long", "rows dropped as duplicates"),
        col("balanced", "boolean", "landed == published + quarantined + duplicates_dropped"),
        key("recorded_at", "timestamp"),
    ),
    partition_by=("delivery_date",),
    append_only=True,
    gated=True,
)

QUALITY_RESULTS = Table(
    layer="audit",
    name="quality_results",
    grain="one row per expectation evaluated per gate run",
    columns=(
        key("run_id"),
        key("day", "date"),
        key("stage"),
        key("table_name"),
        col("table_version", "long", "Delta version validated (staged: version it would follow)"),
        key("suite"),
        key("expectation"),
        col("column_name", "string"),
        key("severity", doc="error blocks publishing, warn records"),
        col("success", "boolean"),
        col("observed_value", "string", "JSON of GE's observed value"),
        col("unexpected_count", "long"),
        col("details", "string", "JSON: kwargs and a few unexpected values"),
        key("validated_at", "timestamp"),
    ),
    partition_by=("day",),
    append_only=True,
)

PUBLISHED_RUNS = Table(
    layer="audit",
    name="published_runs",
    grain="one row per table per stage publication; written last, after all tables commit",
    columns=(
        key("run_id"),
        key("day", "date"),
        key("stage"),
        key("table_name"),
        key("table_version", "long"),
        col("rows", "long"),
        key("published_at", "timestamp"),
    ),
    partition_by=("day",),
    append_only=True,
)

DIRTY_DAYS = Table(
    layer="audit",
    name="dirty_days",
    grain="one row per run per silver table per earlier event day that late data changed",
    columns=(
        key("run_id"),
        key("delivery_date", "date", "day the late rows were delivered"),
        key("table_name"),
        key("event_date", "date", "earlier day whose partition changed"),
        col("rows", "long", "late rows published into that day"),
        key("recorded_at", "timestamp"),
    ),
    partition_by=("delivery_date",),
    append_only=True,
    description="Days whose features must be recomputed because late data arrived for them.",
    gated=True,
)

METRIC_HISTORY = Table(
    layer="audit",
    name="metric_history",
    grain="one row per gate run per table per column per metric",
    columns=(
        key("run_id"),
        key("day", "date"),
        key("stage"),
        key("table_name"),
        key("column_name", doc="'*' for table-level metrics (row_count)"),
        key(
            "metric",
            doc="row_count | day_row_count | mean | stddev | null_fraction | distinct_count",
        ),
        col("value", "double"),
        key("recorded_at", "timestamp"),
    ),
    partition_by=("day",),
    append_only=True,
    description=(
        "Metrics of every gated table per run (Deequ-style metric repository): drift checks "
        "compare a run with the trailing days of runs that published."
    ),
)

register(INGEST_LEDGER, RECONCILIATION, QUALITY_RESULTS, PUBLISHED_RUNS, DIRTY_DAYS, METRIC_HISTORY)


BRONZE_PURGES = Table(
    layer="audit",
    name="bronze_purges",
    grain="one row per raw table (bronze, quarantine) per delivery day removed by the purge",
    columns=(
        key("run_id"),
        key("table_name", doc="bronze/<stream> or quarantine/<table>: both keep raw lines"),
        key("delivery_date", "date", "delivery day whose partition was removed"),
        col("rows_removed", "long"),
        col("retention_days", "long", "retention the purge applied"),
        key("purged_at", "timestamp"),
    ),
    partition_by=("delivery_date",),
    append_only=True,
    description="What `livelake maintenance --purge-bronze-older-than` removed (raw PII).",
)

register(BRONZE_PURGES)

# Written by livelake.orchestration for every stage it runs (DAG task, backfill, spark-submit).
# The row a stage run writes as it begins; its outcome row follows when it ends, so a run
# with only this row was killed (or is still running).
STAGE_STARTED = "started"
STAGE_RUNS = Table(
    layer="audit",
    name="stage_runs",
    grain="one row per stage attempt per logical day",
    columns=(
        key("run_id"),
        key("day", "date"),
        key("stage"),
        key(
            "status",
            doc="started (written as the run begins) | ok | failed | skipped | nothing_to_do | "
            "error (an exception)",
        ),
        key("code_version", doc="livelake version + git commit that ran the stage"),
        col("message", "string"),
        col("seconds", "double"),
        key("finished_at", "timestamp"),
    ),
    partition_by=("day",),
    append_only=True,
    description="Lets backfills resume: a day is done when every stage has an ok row.",
)

register(STAGE_RUNS)
