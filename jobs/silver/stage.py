"""The silver stage for delivery day D: bronze lines of D -> fourteen silver tables, all or none.

Dimensions first (users, anchors, products, live sessions, prices, explanation segments), so
the events of D can be checked against every key known after this run (published rows plus
this run's); then the events, after-sales cases and social edges.

Idempotency: the run of D *owns* the silver rows that came from D's delivery. It re-derives
them from bronze and replaces the partitions they live in (or would live in), keeping rows
of other deliveries and letting last-write-wins decide between them by (…, delivery_date,
source_file, line_number). Rerunning D, or running days in any order, gives the same rows.

Every landed line of D ends published, quarantined (with reason) or counted as a duplicate;
per table `landed = published + quarantined + duplicates_dropped` is written to
`audit/reconciliation`, and a run that does not balance publishes nothing and says why.

Twelve jobs and one gate: `stage_table` conforms and stages one table (it needs only the
dimensions its foreign keys name, see `DEPENDENCIES`, so independent tables run in parallel
as separate Airflow tasks) and leaves a manifest of its staged writes; `publish_day` loads
all fourteen, reconciles, runs the silver gate and publishes all or none. `run` does both in
this process, in dependency order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING

import pyarrow as pa

from livelake.jobs.cost import spark_jobs
from livelake.jobs.publish import GateFailedError, publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.jobs.silver import (
    after_sales,
    anchors,
    assignments,
    cart_events,
    experiments,
    interactions,
    live_sessions,
    orders,
    prices,
    products,
    session_products,
    social,
    users,
    views,
)
from livelake.jobs.silver.history import merge_latest
from livelake.jobs.silver.parsing import SilverEnv
from livelake.jobs.silver.pii import MissingPiiKeyError, PiiKey
from livelake.lake.manifests import Manifests
from livelake.lake.tables.audit import DIRTY_DAYS, RECONCILIATION
from livelake.lake.tables.bronze import BRONZE
from livelake.lake.tables.silver import QUARANTINE, SilverTable
from livelake.spark import persisted_frames, planned_for

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext
    from livelake.lake import StagedWrite

JOB = "silver.stage"
# Dependency order: a table's foreign keys point only at tables earlier in this list.
TABLES: tuple[ModuleType, ...] = (
    users,
    anchors,
    products,
    live_sessions,
    prices,
    session_products,
    views,
    interactions,
    cart_events,
    orders,
    after_sales,
    social,
    experiments,
    assignments,
)
MODULES: dict[str, ModuleType] = {m.TABLE.name: m for m in TABLES}
# Each table's job needs the staged keys of the dimensions its foreign keys name.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    name: tuple(sorted({fk.dimension for fk in m.TABLE.foreign_keys}))
    for name, m in MODULES.items()
}
GATE = "gate"  # the part that gates and publishes what the fourteen jobs staged
AUDIT = "_audit"  # the reconciliation rows the gate stages once, so a retry reuses them


@dataclass
class TableOutcome:
    """One table's staged writes and its reconciliation figures for this run."""

    name: str
    landed: int = 0
    published: int = 0
    quarantined: int = 0
    duplicates: int = 0
    writes: list[StagedWrite] = field(default_factory=list)
    dirty_days: dict[date, int] = field(default_factory=dict)

    def figures(self) -> dict:
        """What a manifest keeps besides the writes (JSON-able)."""
        return {
            "landed": self.landed,
            "published": self.published,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "dirty_days": {d.isoformat(): n for d, n in self.dirty_days.items()},
        }

    @classmethod
    def from_manifest(cls, name: str, writes: list[StagedWrite], figures: dict) -> TableOutcome:
        dirty = {date.fromisoformat(d): n for d, n in figures["dirty_days"].items()}
        return cls(
            name,
            figures["landed"],
            figures["published"],
            figures["quarantined"],
            figures["duplicates"],
            writes,
            dirty,
        )

    def counts(self, version: int | None = None) -> TableCounts:
        return TableCounts(
            f"silver/{self.name}",
            self.landed,
            self.published,
            self.quarantined,
            self.duplicates,
            version,
        )

    @property
    def balanced(self) -> bool:
        return self.landed == self.published + self.quarantined + self.duplicates

    def imbalance(self, day: date) -> str:
        total = self.published + self.quarantined + self.duplicates
        return (
            f"silver/{self.name} for delivery {day} does not reconcile: landed {self.landed} "
            f"!= published {self.published} + quarantined {self.quarantined} + duplicates "
            f"{self.duplicates} (= {total})"
        )


def bronze_of_day(ctx: JobContext, name: str, day: date) -> DataFrame:
    """The lines of `bronze/<name>` delivered on `day` (empty if none)."""
    from pyspark.sql import functions as F

    table = BRONZE[name]
    if not ctx.lake.exists(table):
        return ctx.spark.createDataFrame([], table.spark_schema())
    return ctx.lake.read(table).where(F.col("delivery_date") == F.lit(day))


def _merged_history(
    ctx: JobContext, module: ModuleType, incoming: DataFrame, day: date
) -> tuple[StagedWrite, DataFrame]:
    """SCD2 table: all versions of other deliveries + this delivery's, history recomputed."""
    from pyspark.sql import functions as F

    table = module.TABLE
    existing = incoming.limit(0)
    if ctx.lake.exists(table):
        existing = ctx.lake.read(table).where(F.col("delivery_date") != F.lit(day))
    merged, lost = merge_latest(existing, incoming, table.keys, module.ORDER)
    return ctx.lake.stage(table, module.history(merged), "overwrite"), lost


def _merged_partitions(
    ctx: JobContext, module: ModuleType, incoming: DataFrame, env: SilverEnv
) -> tuple[StagedWrite, DataFrame]:
    """Partitioned table: rewrite the partitions this delivery's rows are (or were) in."""
    from pyspark.sql import functions as F

    table, day = module.TABLE, env.day
    part = table.partition_by[0]
    touched = {r[0] for r in incoming.select(part).distinct().collect()}
    existing = incoming.limit(0)
    if ctx.lake.exists(table):
        existing = ctx.lake.read(table)
        owned = _partitions_holding(ctx, table, day)
        if module.TABLE.event_time is not None:
            # Events of one delivery lie between the watermark and the day after (skew).
            oldest, newest = day - timedelta(days=env.watermark_days), day + timedelta(days=1)
            existing = existing.where(F.col(part).between(oldest, newest))
            owned = {p for p in owned if oldest <= p <= newest}
        touched |= owned
    if not touched:  # nothing clean: an empty append still creates the table for readers
        return ctx.lake.stage(table, incoming, "append"), incoming.limit(0)
    others = existing.where(
        F.col(part).isin(sorted(touched)) & (F.col("delivery_date") != F.lit(day))
    )
    merged, lost = merge_latest(others, incoming, table.keys, module.ORDER)
    return ctx.lake.stage(table, merged, "replace_partitions", sorted(touched)), lost


def _partitions_holding(ctx: JobContext, table: SilverTable, day: date) -> set[date]:
    """Partitions that may hold rows of delivery `day`: those with a file whose logged
    delivery_date range covers it (a file without that range counts too). Read from the
    Delta log, no Spark job; a partition counted needlessly is only rewritten as it was."""
    files = ctx.lake.file_statistics(table)
    column = f"partition.{table.partition_by[0]}"
    if "min.delivery_date" not in files.column_names:
        return set(files[column].to_pylist())
    rows = files.select([column, "min.delivery_date", "max.delivery_date"]).to_pylist()
    return {
        r[column]
        for r in rows
        if r["min.delivery_date"] is None
        or r["max.delivery_date"] is None
        or r["min.delivery_date"] <= day <= r["max.delivery_date"]
    }


def _landed_lines(ctx: JobContext, name: str, day: date) -> int:
    """Lines `bronze/<name>` holds for delivery `day`, from the row counts its Delta log
    keeps per file (no Spark job): what the table's outcomes must add up to."""
    lines = ctx.lake.partition_rows(BRONZE[name], day)
    if lines is None:  # a file the log keeps no row count for: count the lines
        return bronze_of_day(ctx, name, day).count()
    return lines


def conform_table(ctx: JobContext, module: ModuleType, env: SilverEnv) -> TableOutcome:
    """Transform, merge and stage one table; returns its outcome (staged writes, figures)."""

    table, day = module.TABLE, env.day
    outcome = TableOutcome(table.name)
    outcome.landed = _landed_lines(ctx, table.name, day)
    if outcome.landed == 0:
        # Nothing delivered: leave the table as it is, but make sure readers find it.
        for declared in (table, QUARANTINE[table.name]):
            if not ctx.lake.exists(declared):
                empty = ctx.spark.createDataFrame([], declared.spark_schema())
                outcome.writes.append(ctx.lake.stage(declared, empty, "append"))
        return outcome
    with planned_for(ctx.spark, outcome.landed, ctx.settings):
        return _conform_landed(ctx, module, env, outcome)


def _conform_landed(
    ctx: JobContext, module: ModuleType, env: SilverEnv, outcome: TableOutcome
) -> TableOutcome:
    """`conform_table` for a table with landed lines (all its Spark work)."""
    table, day = module.TABLE, env.day
    conformed = module.transform(bronze_of_day(ctx, table.name, day), env)
    # Not persisted again: every transform's rows are a filter of its persisted ranking
    # (history.latest_per_key), so a second cache would only copy them.
    incoming = conformed.silver
    quarantine = ctx.lake.stage(
        QUARANTINE[table.name], conformed.quarantine, "replace_partitions", [day]
    )
    outcome.writes.append(quarantine)
    outcome.quarantined = quarantine.rows
    if table.partition_by:
        write, lost = _merged_partitions(ctx, module, incoming, env)
    else:
        write, lost = _merged_history(ctx, module, incoming, day)
    outcome.duplicates = (
        conformed.duplicates.select("line_number").unionByName(lost.select("line_number")).count()
    )
    outcome.writes.append(write)
    outcome.published, outcome.dirty_days = _published_of_day(write, day)
    return outcome


def _published_of_day(write: StagedWrite, day: date) -> tuple[int, dict[date, int]]:
    """Rows of delivery `day` in the staged write, and how many of them sit in earlier date
    partitions (late data). Read from two columns of the staged files: no Spark job."""
    import pyarrow as pa
    import pyarrow.compute as pc

    part = write.table.partition_by[0] if write.table.partition_by else None
    rows = write.arrow(["delivery_date", *([part] if part else [])])
    mine = rows.filter(pc.equal(rows["delivery_date"], pa.scalar(day, pa.date32())))
    if part is None:
        return mine.num_rows, {}
    counts = mine.group_by(part).aggregate([([], "count_all")]).to_pylist()
    return mine.num_rows, {r[part]: r["count_all"] for r in counts if r[part] < day}


def _audit_rows(ctx: JobContext, day: date, outcomes: list[TableOutcome]) -> list[StagedWrite]:
    """Stage the reconciliation and dirty-day rows so they publish with the tables."""
    now = datetime.now(UTC)
    run_id = ctx.run.run_id
    reconciliation = [
        {
            "run_id": run_id,
            "delivery_date": day,
            "table_name": f"silver/{o.name}",
            "landed": o.landed,
            "published": o.published,
            "quarantined": o.quarantined,
            "duplicates_dropped": o.duplicates,
            "balanced": o.balanced,
            "recorded_at": now,
        }
        for o in outcomes
    ]
    dirty = [
        {
            "run_id": run_id,
            "delivery_date": day,
            "table_name": f"silver/{o.name}",
            "event_date": event_date,
            "rows": rows,
            "recorded_at": now,
        }
        for o in outcomes
        for event_date, rows in sorted(o.dirty_days.items())
    ]
    writes = [
        ctx.lake.stage(
            RECONCILIATION,
            ctx.spark.createDataFrame(reconciliation, RECONCILIATION.spark_schema()),
            "append",
        )
    ]
    if dirty:
        frame = ctx.spark.createDataFrame(dirty, DIRTY_DAYS.spark_schema())
        writes.append(ctx.lake.stage(DIRTY_DAYS, frame, "append"))
    return writes


def _env(ctx: JobContext, day: date, known: dict[str, DataFrame]) -> SilverEnv:
    return SilverEnv(
        day=day,
        run_id=ctx.run.run_id,
        pii=PiiKey.from_secret(ctx.settings.pii_key),
        watermark_days=ctx.settings.watermark_days,
        clock_skew_minutes=ctx.settings.clock_skew_minutes,
        now=datetime.now(UTC),
        known=known,
    )


class NotStagedError(RuntimeError):
    """A table's job ran before the job of a dimension it references."""


def _staged_keys(ctx: JobContext, name: str, day: date) -> dict[str, DataFrame]:
    """Keys of the dimensions table `name` references: published plus staged for `day`;
    and, for a table whose rules compare a line with earlier deliveries, its earlier rows."""
    manifests = Manifests(ctx.lake, "silver", day)
    loaded = {dim: manifests.load(dim) for dim in DEPENDENCIES[name]}
    missing = [dim for dim, manifest in loaded.items() if manifest is None]
    if missing:
        raise NotStagedError(
            f"{', '.join(f'silver/{d}' for d in missing)} not staged for {day}: the job of "
            f"silver/{name} needs their keys, so run {', '.join(f'silver.{d}' for d in missing)} "
            "first"
        )
    known = {}
    earlier = getattr(MODULES[name], "EARLIER_COLUMNS", None)
    if earlier:
        known[name] = _earlier_rows(ctx, MODULES[name].TABLE, earlier, day)
    wanted = getattr(MODULES[name], "KNOWN_COLUMNS", {})
    for dim, manifest in loaded.items():
        dimension = MODULES[dim].TABLE
        if dim in wanted:
            known[dim] = _rows_after(ctx, dimension, wanted[dim], manifest.writes)
            continue
        keys = ctx.lake.keys_after(dimension, dimension.keys[0], manifest.writes)
        column = keys if keys is not None else pa.array([], pa.string())
        # The schema given: a Connect client cannot infer one from no rows.
        key_type = dimension.spark_schema()[dimension.keys[0]].dataType.simpleString()
        known[dim] = ctx.spark.createDataFrame(pa.table({"key": column}), f"key {key_type}")
    return known


def _earlier_rows(
    ctx: JobContext, table: SilverTable, columns: tuple[str, ...], day: date
) -> DataFrame:
    """`columns` of the table's published rows that deliveries before `day` brought: a rule
    that compares a line with what earlier deliveries said (a unit's first assignment) reads
    them here. A rerun of `day` does not see its own earlier run's rows."""
    from pyspark.sql import functions as F

    if not ctx.lake.exists(table):
        schema = table.spark_schema()
        ddl = ", ".join(f"{c} {schema[c].dataType.simpleString()}" for c in columns)
        return ctx.spark.createDataFrame([], ddl)
    return ctx.lake.read(table).where(F.col("delivery_date") < F.lit(day)).select(*columns)


def _rows_after(
    ctx: JobContext, dimension: SilverTable, columns: tuple[str, ...], staged: list[StagedWrite]
) -> DataFrame:
    """A small dimension's rows once `staged` is published, as `key` and `columns`: a rule
    that needs more than its keys (an assignment's variant and window) reads them here.
    Staged rows replace published rows of the same key."""
    import polars as pl

    from livelake.lake.read import read_arrow

    key = dimension.keys[0]
    wanted = [key, *columns]
    parts = [pl.from_arrow(w.arrow(wanted)) for w in staged if w.table == dimension]
    if ctx.lake.exists(dimension):
        parts.append(
            pl.from_arrow(read_arrow(dimension, columns=wanted, lake_root=ctx.lake.lake_root))
        )
    schema = dimension.spark_schema()
    ddl = ", ".join(f"{c} {schema[c].dataType.simpleString()}" for c in wanted)
    ddl = ddl.replace(f"{key} ", "key ", 1)
    if not parts:
        return ctx.spark.createDataFrame([], ddl)
    rows = pl.concat(parts, how="vertical_relaxed").unique(key, keep="first", maintain_order=True)
    return ctx.spark.createDataFrame(rows.rename({key: "key"}).to_arrow(), ddl)


def stage_table(ctx: JobContext, day: date, name: str) -> StageReport:
    """One silver job: conform and stage table `name` for delivery `day`; publish nothing.

    Its foreign keys are checked against the dimensions' published rows plus the rows their
    jobs staged for `day` (so those jobs must have run). The staged writes and the table's
    reconciliation figures go into a manifest that `publish_day` picks up.
    """
    started = time.monotonic()
    part = f"silver.{name}"
    ctx = ctx.job(f"{JOB}.{name}", day)
    try:
        with persisted_frames():
            outcome = conform_table(
                ctx, MODULES[name], _env(ctx, day, _staged_keys(ctx, name, day))
            )
    except (MissingPiiKeyError, NotStagedError) as exc:
        return StageReport(part, day, "failed", message=str(exc))
    manifests = Manifests(ctx.lake, "silver", day)
    manifests.save(name, outcome.writes, outcome.figures())
    manifests.discard(AUDIT)  # audit rows a crashed gate staged no longer match
    status = "ok" if outcome.landed else "nothing_to_do"
    message = (
        f"staged {outcome.published:,} of {outcome.landed:,} lines "
        f"({outcome.quarantined:,} quarantined, {outcome.duplicates:,} duplicates); "
        "silver.gate publishes it"
    )
    return StageReport(
        part, day, status, [outcome.counts()], message=message, seconds=time.monotonic() - started
    )


def _abort_all(manifests: Manifests, writes: list[StagedWrite]) -> None:
    for write in writes:
        write.abort()
    manifests.clear()


def publish_day(ctx: JobContext, day: date) -> StageReport:
    """The silver gate: reconcile and gate what the fourteen jobs staged; publish all or none.

    A crash after the gate passed keeps the manifests, so a retry re-gates the same staged
    rows and commits only what is not committed yet (commits are idempotent per staged write).
    """
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    manifests = Manifests(ctx.lake, "silver", day)
    loaded = {name: manifests.load(name) for name in MODULES}
    missing = [name for name, manifest in loaded.items() if manifest is None]
    if missing:
        return StageReport(
            "silver",
            day,
            "failed",
            message=f"not staged for {day}: {', '.join(f'silver/{n}' for n in missing)}; run "
            "their jobs (tasks silver.<table>) before the gate. Nothing was published.",
        )
    outcomes = [
        TableOutcome.from_manifest(name, m.writes, m.figures)
        for name, m in loaded.items()
        if m is not None
    ]
    staged = [w for o in outcomes for w in o.writes]
    if not any(o.landed for o in outcomes):
        _abort_all(manifests, staged)
        return StageReport(
            "silver", day, "nothing_to_do", message=f"bronze holds no lines delivered {day}"
        )
    unbalanced = [o.imbalance(day) for o in outcomes if not o.balanced]
    if unbalanced:
        _abort_all(manifests, staged)
        return StageReport("silver", day, "failed", message="; ".join(unbalanced))
    audit = manifests.load(AUDIT)
    if audit is None:
        audit_writes = _audit_rows(ctx, day, outcomes)
        manifests.save(AUDIT, audit_writes, {})
    else:  # a retry after a crash: the rows staged by the first attempt
        audit_writes = audit.writes
    try:
        publication = publish(ctx, "silver", day, [*staged, *audit_writes], keep_on_error=True)
    except GateFailedError:
        manifests.clear()  # publish() aborted every staged write
        raise
    manifests.clear()
    versions = {c.table: c.version for c in publication.commits}
    counts = [o.counts(versions.get(f"silver/{o.name}")) for o in outcomes]
    late = sum(len(o.dirty_days) for o in outcomes)
    message = (
        f"{sum(o.landed for o in outcomes):,} lines: {sum(o.published for o in outcomes):,} "
        f"published, {sum(o.quarantined for o in outcomes):,} quarantined, "
        f"{sum(o.duplicates for o in outcomes):,} duplicates; {late} earlier partition(s) "
        "updated by late data"
    )
    return StageReport(
        "silver",
        day,
        "ok",
        counts,
        gate=publication.gate,
        message=message,
        seconds=time.monotonic() - started,
    )


def run_part(ctx: JobContext, day: date, part: str) -> StageReport:
    """One task of the split stage: a table's job (`users`, …) or the `gate`."""
    if part == GATE:
        return publish_day(ctx, day)
    if part not in MODULES:
        parts = ", ".join([*MODULES, GATE])
        raise ValueError(f"silver has no part {part!r}; its parts are: {parts}")
    return stage_table(ctx, day, part)


def run(ctx: JobContext, day: date) -> StageReport:
    """Conform every table for delivery day `day` (in dependency order), then gate and
    publish them all, or none."""
    started = time.monotonic()
    part_jobs: dict[str, int | None] = {}
    for name in MODULES:
        with spark_jobs(ctx.spark, f"silver.{name}") as counted:
            report = stage_table(ctx, day, name)
        part_jobs[name] = counted.jobs
        if report.status == "failed":
            manifests = Manifests(ctx.lake, "silver", day)
            for staged in MODULES:
                manifests.discard(staged)
            return replace(report, stage="silver", part_jobs=part_jobs)
    with spark_jobs(ctx.spark, "silver.gate") as counted:
        report = publish_day(ctx, day)
    part_jobs[GATE] = counted.jobs
    report.part_jobs = part_jobs
    report.seconds = time.monotonic() - started
    return report
