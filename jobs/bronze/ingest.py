"""Bronze ingest: land every delivered line of day D, verbatim, with where it came from.

Grain: one row per delivered line (CSV headers excluded; their text rides along in `header`).
All sources share the landing layout (docs/landing-format.md), so one job serves them all.
Files are read and hashed on the executors; the driver only lists paths and keeps the
ledger. A file whose checksum the ledger already holds is skipped and recorded as such, so
re-delivering or re-running a day changes nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pyarrow.compute as pc
import pyarrow.fs as pafs

from livelake.jobs.bronze import bad_files
from livelake.jobs.bronze.bad_files import Unreadable
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake import StagedWrite, storage
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import INGEST_LEDGER
from livelake.lake.tables.bronze import BRONZE
from livelake.lake.tables.silver import EXPORTS, STREAMS
from livelake.spark import planned_for, session_settings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext

JOB = "bronze.ingest"
TABLE_COLUMN = "_bronze_table"  # which table a line goes to (`Lake.stage_each`)
# A landed file per task on a large day. Spark packs whole files (gzip does not split) into as
# few tasks as it can, largest first, so one task took nearly all of the biggest source's
# files and silver then read that source's bronze in one task (views on the 2M day: files of
# 55 and 4 MB, silver 15% slower than with a write per source).
FILE_PER_TASK = {"spark.sql.files.maxPartitionBytes": "1b"}


@dataclass(frozen=True)
class LandedFile:
    source: str
    bronze_table: str
    relative_path: str
    absolute_uri: str
    is_csv: bool
    size_bytes: int


def _bronze_table_for(relative_in_day: str) -> tuple[str, bool] | None:
    """Map a path inside a delivery folder to (bronze table, is CSV), or None.

    `events/views/views-….jsonl.gz` -> ("views", False); `exports/users.csv` -> ("users", True)
    """
    parts = relative_in_day.split("/")
    if len(parts) == 3 and parts[0] == "events" and parts[1] in STREAMS:
        return (parts[1], False) if parts[2].endswith((".jsonl.gz", ".jsonl")) else None
    if len(parts) == 2 and parts[0] == "exports" and parts[1].endswith(".csv"):
        name = parts[1].removesuffix(".csv")
        return (name, True) if name in EXPORTS else None
    return None


def discover(landing_root: str, day: date) -> tuple[list[LandedFile], list[str]]:
    """Files delivered on `day` by every source, and paths that fit no bronze table."""
    fs, root = storage.filesystem(landing_root)
    found: list[LandedFile] = []
    unknown: list[str] = []
    sources = fs.get_file_info(pafs.FileSelector(root, allow_not_found=True))
    folders = (s for s in sources if s.type == pafs.FileType.Directory)
    for source in sorted(folders, key=lambda i: i.path):  # FileInfo has no order of its own
        day_dir = f"{source.path}/dt={day.isoformat()}"
        selector = pafs.FileSelector(day_dir, recursive=True, allow_not_found=True)
        for info in sorted(fs.get_file_info(selector), key=lambda i: i.path):
            if info.type != pafs.FileType.File:
                continue
            inside = info.path[len(day_dir) + 1 :]
            if inside.startswith("_") or "/_" in inside:
                continue  # _manifest.json and friends describe the delivery, they are not data
            relative = info.path[len(root) + 1 :]
            mapped = _bronze_table_for(inside)
            if mapped is None:
                unknown.append(relative)
                continue
            uri = landing_root.rstrip("/") + "/" + relative
            found.append(
                LandedFile(source.base_name, mapped[0], relative, uri, mapped[1], info.size)
            )
    return found, unknown


# Bytes a landed line takes at the least, as far as measured: gzipped interaction lines
# average 16.5 bytes, views 30, orders 53; plain lines many times that. Dividing a file's size
# by it overestimates its lines, so a big delivery is never planned as a small one; a wrong
# estimate costs only time (`planned_for`), never a row.
MIN_BYTES_PER_LINE = 12


def most_lines(files: list[LandedFile]) -> int:
    """How many lines `files` hold, estimated on the high side from their sizes (nothing is
    read): what decides how their bronze write is planned (`planned_for`)."""
    return sum(f.size_bytes for f in files) // MIN_BYTES_PER_LINE + len(files)


def file_checksums(ctx: JobContext, files: list[LandedFile]) -> dict[str, str]:
    """SHA-256 of each file's bytes, computed on the executors (Spark lists no zero-byte
    file, whose checksum is known)."""
    from pyspark.sql import functions as F

    if not files:
        return {}
    by_uri = {storage.spark_uri(f.absolute_uri): f.relative_path for f in files}
    rows = (
        ctx.spark.read.format("binaryFile")
        .load(list(by_uri))
        .select("path", F.sha2("content", 256).alias("sha"))
        .collect()
    )
    normalised = {_normal(uri): rel for uri, rel in by_uri.items()}
    found = {normalised[_normal(r["path"])]: r["sha"] for r in rows}
    return {f.relative_path: found.get(f.relative_path, bad_files.EMPTY_SHA256) for f in files}


def _normal(uri: str) -> str:
    return uri.replace("file:///", "/").replace("file:/", "/")


def already_ingested(ctx: JobContext, checksums: set[str]) -> set[str]:
    if not checksums or not ctx.lake.exists(INGEST_LEDGER):
        return set()
    ledger = read_arrow(
        INGEST_LEDGER,
        columns=["file_sha256", "outcome"],
        filter=pc.field("file_sha256").isin(sorted(checksums)),
        lake_root=ctx.settings.lake_root,
    )
    return {r["file_sha256"] for r in ledger.to_pylist() if r["outcome"] == "ingested"}


def lines_of(
    ctx: JobContext, files: list[LandedFile], checksums: dict[str, str], day: date
) -> DataFrame:
    """One row per line of the given files, line-numbered, with the bronze table it goes to
    in `TABLE_COLUMN`.

    A line ends at LF or CRLF (a CRLF export's lines carry no CR). A file that is not UTF-8
    text fails the job (`bad_files.not_text`), so the run can name it and stop."""
    from pyspark.sql import functions as F

    uris = [storage.spark_uri(f.absolute_uri) for f in files]
    meta = ctx.spark.createDataFrame(
        [
            (
                _normal(storage.spark_uri(f.absolute_uri)),
                f.source,
                f.relative_path,
                checksums[f.relative_path],
                f.is_csv,
                f.bronze_table,
            )
            for f in files
        ],
        "uri string, source string, source_file string, file_sha256 string, is_csv boolean, "
        f"{TABLE_COLUMN} string",
    )
    # `\z`, not `$`: Java's `$` also matches before a last line end, which dropped a
    # file's last line when it was empty.
    text = F.regexp_replace(F.col("value"), r"\r?\n\z", "")
    whole = ctx.spark.read.text(uris, wholetext=True).select(
        F.regexp_replace(F.col("_metadata.file_path"), "^file:(//)?", "").alias("uri"),
        F.when(bad_files.not_text(F.col("value")), F.raise_error(F.lit(bad_files.NOT_TEXT)))
        .when(F.col("value") == "", F.array().cast("array<string>"))
        .otherwise(F.split(text, r"\r?\n"))
        .alias("lines"),
    )
    exploded = whole.join(F.broadcast(meta), "uri").select(
        TABLE_COLUMN,
        "source",
        "source_file",
        "file_sha256",
        F.when(F.col("is_csv"), F.element_at("lines", 1)).alias("header"),
        "is_csv",
        F.posexplode("lines").alias("pos", "raw"),
    )
    now = datetime.now(UTC)
    return exploded.where(~(F.col("is_csv") & (F.col("pos") == 0))).select(
        "source",
        F.lit(day).alias("delivery_date"),
        "source_file",
        (F.col("pos") + 1).cast("long").alias("line_number"),
        "raw",
        "header",
        "file_sha256",
        F.lit(now).alias("ingested_at"),
        F.lit(ctx.run.run_id).alias("run_id"),
        TABLE_COLUMN,
    )


def run(ctx: JobContext, day: date) -> StageReport:
    """Ingest every file delivered on `day` into its bronze table."""
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    files, unknown = discover(ctx.settings.landing_root, day)
    if unknown:
        return StageReport(
            "bronze",
            day,
            "failed",
            message=(
                f"{len(unknown)} landed file(s) fit no bronze table, e.g. {unknown[0]}: see "
                "docs/landing-format.md for the layout (events/<stream>/…jsonl.gz, "
                "exports/<table>.csv)"
            ),
        )
    if not files:
        nothing = f"no source delivered a file for {day} under {ctx.settings.landing_root}"
        if ctx.settings.allow_empty_days:
            return StageReport("bronze", day, "nothing_to_do", message=nothing)
        return StageReport(
            "bronze",
            day,
            "failed",
            message=(
                f"{nothing}: a missing or late delivery, so nothing of the day was published. "
                "Deliver the day's files and rerun, or run it with --allow-empty "
                "(LIVELAKE_ALLOW_EMPTY_DAYS=true) if the day really had no data."
            ),
        )
    with planned_for(ctx.spark, most_lines(files), ctx.settings):
        checksums = file_checksums(ctx, files)
    seen = already_ingested(ctx, set(checksums.values()))
    by_table: dict[str, list[LandedFile]] = defaultdict(list)
    for landed in files:
        by_table[landed.bronze_table].append(landed)

    now = datetime.now(UTC)
    ledger: list[dict[str, object]] = []
    fresh_by_table: dict[str, list[LandedFile]] = {}
    for name, table_files in sorted(by_table.items()):
        fresh_by_table[name] = [f for f in table_files if checksums[f.relative_path] not in seen]
        for skipped in (f for f in table_files if f not in fresh_by_table[name]):
            ledger.append(
                _ledger_row(skipped, checksums, day, 0, "skipped_already_ingested", ctx, now)
            )
    fresh = [f for files_of in fresh_by_table.values() for f in files_of]
    rejected = bad_files.before_reading(ctx.settings.landing_root, fresh)
    if rejected:
        return _rejected(ctx, day, rejected, checksums, now, started)
    # Stage every table before committing any, in one Spark write: a file Spark cannot read
    # (a truncated gzip, a file not in UTF-8) stops the run with nothing of its bronze
    # committed, and the diagnosis names every bad file of the day at once.
    delivered = {name: table_files for name, table_files in fresh_by_table.items() if table_files}
    reading = [f for table_files in delivered.values() for f in table_files]
    staged_by_table: dict[str, StagedWrite] = {}
    if delivered:
        try:
            lines = lines_of(ctx, reading, checksums, day)
            tables = {name: BRONZE[name] for name in delivered}
            with (
                planned_for(ctx.spark, most_lines(reading), ctx.settings) as large,
                session_settings(ctx.spark, FILE_PER_TASK if large else {}),
            ):
                staged_by_table = ctx.lake.stage_each(tables, lines, by=TABLE_COLUMN)
        except Exception:  # named below, or raised again
            rejected = bad_files.diagnose(ctx.settings.landing_root, reading)
            if not rejected:
                raise
            return _rejected(ctx, day, rejected, checksums, now, started)
    counts: list[TableCounts] = []
    for name, fresh in fresh_by_table.items():
        if name not in staged_by_table:
            counts.append(
                TableCounts(f"bronze/{name}", 0, 0, version=ctx.lake.version(BRONZE[name]))
            )
            continue
        staged = staged_by_table[name]
        # Lines per file, read from the staged files' `source_file` column: no Spark job.
        tally = staged.arrow(["source_file"]).group_by("source_file").aggregate([([], "count_all")])
        per_file = dict(
            zip(tally["source_file"].to_pylist(), tally["count_all"].to_pylist(), strict=True)
        )
        token = f"livelake:bronze:{name}:" + ",".join(
            sorted(checksums[f.relative_path] for f in fresh)
        )
        result = staged.commit(ctx.run, token=token)
        for landed in fresh:
            rows = per_file.get(landed.relative_path, 0)
            ledger.append(_ledger_row(landed, checksums, day, rows, "ingested", ctx, now))
        counts.append(
            TableCounts(f"bronze/{name}", staged.rows, result.rows_added, version=result.version)
        )
    ctx.lake.append_records(INGEST_LEDGER, ledger, ctx.run)
    skipped = sum(1 for row in ledger if row["outcome"] != "ingested")
    message = f"{len(files)} file(s) delivered, {skipped} already ingested before"
    return StageReport(
        "bronze", day, "ok", counts, message=message, seconds=time.monotonic() - started
    )


def _rejected(
    ctx: JobContext,
    day: date,
    rejected: list[Unreadable],
    checksums: dict[str, str],
    now: datetime,
    started: float,
) -> StageReport:
    """Ledger the unreadable files and stop the run, naming them and what to do."""
    rows = []
    for bad in rejected:
        row = _ledger_row(bad.landed, checksums, day, bad.lines, "rejected", ctx, now)
        rows.append(row | {"reason": bad.problem})
    ctx.lake.append_records(INGEST_LEDGER, rows, ctx.run)
    first = rejected[0]
    others = f" and {len(rejected) - 1} more file(s)" if len(rejected) > 1 else ""
    return StageReport(
        "bronze",
        day,
        "failed",
        message=(
            f"{first.landed.relative_path}{others}: {first.problem} ({first.lines} line(s) "
            f"read). Nothing of bronze for {day} was committed; the file(s) are in "
            f"audit/ingest_ledger as rejected with their reasons. {first.fix} (or move it out "
            "of the delivery folder) and rerun the day."
        ),
        seconds=time.monotonic() - started,
    )


def _ledger_row(
    landed: LandedFile,
    checksums: dict[str, str],
    day: date,
    rows: int,
    outcome: str,
    ctx: JobContext,
    now: datetime,
) -> dict[str, object]:
    return {
        "source": landed.source,
        "delivery_date": day,
        "source_file": landed.relative_path,
        "file_sha256": checksums[landed.relative_path],
        "bronze_table": f"bronze/{landed.bronze_table}",
        "rows": rows,
        "outcome": outcome,
        "reason": None,
        "ingested_at": now,
        "run_id": ctx.run.run_id,
    }
