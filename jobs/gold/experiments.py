"""A/B experiment results (`gold/experiment_results`) for day D, cumulative from each
experiment's start.

Per unit (a live session or a user, as the experiment says) the counts every metric needs are
summed from its exposure to the end of D (or the experiment's end): visits and their dwell,
short visits, paid orders, after-sales cases of those orders. One Spark aggregation then
reduces them to each variant's sums, squares and cross products (the `Moments` of
`livelake.experiments.stats`), a few rows collected to the driver, where each variant is
compared with the control on the primary metric and the guardrails (delta method, 95%
intervals), the units per variant are tested against the declared shares (sample-ratio
mismatch) and the decision rule gives its verdict.

Late data: days that late lines changed (`audit/dirty_days`) are recomputed with D, as the
other gold stages do. A day with no experiment running publishes nothing.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any

from livelake.experiments.decision import MetricResult, decide
from livelake.experiments.metrics import (
    COVARIATE_ENTITIES,
    METRICS,
    SHORT_VISIT_SECONDS,
    SILVER_INPUTS,
)
from livelake.experiments.stats import Comparison, Moments, SampleRatio, compare, sample_ratio
from livelake.features.feature import ENTITY_KEYS
from livelake.jobs.gold import inputs
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake.read import read_arrow
from livelake.lake.tables.gold import EXPERIMENT_RESULTS, SNAPSHOTS
from livelake.lake.tables.silver import SILVER

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext

JOB = "gold.experiments"
STAGE = "experiments"
#: What is counted per unit; a metric is the mean of one of these, or a ratio of two.
UNIT_COUNTS = ("visits", "dwell_seconds", "short_visits", "paid_orders", "after_sales_cases")


def activity(views: DataFrame, orders: DataFrame, after_sales: DataFrame) -> DataFrame:
    """Every countable event once, with both units it belongs to (session and user) and the
    instant it counts at. An after-sales case counts at its order's payment, so it belongs to
    the units exposed before that order."""
    from pyspark.sql import functions as F

    def row(source: DataFrame, at: str, **counts: Any) -> DataFrame:
        values = {c: F.lit(0).cast("long") for c in UNIT_COUNTS} | counts
        return source.select(
            "session_id",
            "user_id",
            F.col(at).alias("event_time"),
            *(values[c].cast("long").alias(c) for c in UNIT_COUNTS),
        )

    leaves = views.where(F.col("event_type") == "leave")
    paid = orders.where(F.col("event_type") == "paid")
    cases = after_sales.select("order_id").join(
        paid.select("order_id", "session_id", "user_id", "event_time"), "order_id"
    )
    dwell = F.coalesce(F.col("dwell_seconds"), F.lit(0))
    return (
        row(
            leaves,
            "event_time",
            visits=F.lit(1),
            dwell_seconds=dwell,
            short_visits=(dwell < SHORT_VISIT_SECONDS).cast("long"),
        )
        .unionByName(row(paid, "event_time", paid_orders=F.lit(1)))
        .unionByName(row(cases, "event_time", after_sales_cases=F.lit(1)))
    )


def covariates(
    assignments: DataFrame,
    experiments: DataFrame,
    sessions: DataFrame,
    snapshots: dict[str, DataFrame],
) -> DataFrame:
    """Per experiment × unit, each CUPED metric's covariate (`c_<metric>`): its entity's
    feature in the snapshot as of the day before the exposure, 0 when the snapshot has no
    row for it (a unit with no history; the same rule in every variant, so no bias)."""
    from pyspark.sql import functions as F

    units = assignments.join(experiments.select("experiment_id", "unit_type"), "experiment_id")
    units = units.select(
        "experiment_id",
        "unit_id",
        "unit_type",
        F.date_sub(F.to_date("exposed_at"), 1).alias("as_of_date"),
    ).join(sessions.select(F.col("session_id").alias("unit_id"), "anchor_id"), "unit_id", "left")
    out = units
    for m in METRICS.values():
        value = F.lit(None).cast("double")
        for unit_type, (entity, feature) in m.covariate.items():
            if entity not in snapshots:
                continue
            key = "unit_id" if unit_type == "user" else "anchor_id"
            name = f"_{m.name}_{unit_type}"
            snapshot = snapshots[entity].select(
                F.col(ENTITY_KEYS[entity][0]).alias(f"{name}_key"),
                F.col("as_of_date").alias(f"{name}_day"),
                F.col(feature).cast("double").alias(name),
            )
            out = out.join(
                snapshot,
                (F.col(key) == F.col(f"{name}_key"))
                & (F.col("as_of_date") == F.col(f"{name}_day")),
                "left",
            )
            value = F.when(F.col("unit_type") == unit_type, F.col(name)).otherwise(value)
        out = out.withColumn(f"c_{m.name}", F.coalesce(value, F.lit(0.0)))
    return out.select("experiment_id", "unit_id", *(f"c_{m}" for m in METRICS))


def variant_sums(
    assignments: DataFrame,
    experiments: DataFrame,
    events: DataFrame,
    as_of: date,
    unit_covariates: DataFrame | None = None,
) -> DataFrame:
    """Per experiment × variant: units, and per count its sum and sum of squares, per ratio
    metric the sum of numerator × denominator, per CUPED metric the covariate's sums (what
    `Moments` holds)."""
    from pyspark.sql import functions as F

    end = F.lit(inputs.end_of_day(as_of)).cast("timestamp")
    by_unit = events.select(
        F.lit("live_session").alias("unit_type"), F.col("session_id").alias("unit_id"), "*"
    ).unionByName(
        events.select(F.lit("user").alias("unit_type"), F.col("user_id").alias("unit_id"), "*")
    )
    exposed = (
        assignments.where(F.col("exposed_at") < end)
        .select("experiment_id", "unit_id", "variant", "exposed_at")
        .join(experiments.select("experiment_id", "unit_type", "end_at"), "experiment_id")
    )
    e, a = exposed.alias("e"), by_unit.alias("a")
    window = (
        (F.col("a.unit_type") == F.col("e.unit_type"))
        & (F.col("a.unit_id") == F.col("e.unit_id"))
        & (F.col("a.event_time") >= F.col("e.exposed_at"))
        & (F.col("a.event_time") < F.least(F.col("e.end_at"), end))
    )
    per_unit = (
        e.join(a, window, "left")
        .groupBy("e.experiment_id", "e.variant", "e.unit_id")
        .agg(*(F.coalesce(F.sum(f"a.{c}"), F.lit(0)).cast("double").alias(c) for c in UNIT_COUNTS))
    )
    if unit_covariates is not None:
        per_unit = per_unit.join(unit_covariates, ["experiment_id", "unit_id"], "left")
    sums = [F.count(F.lit(1)).alias("units")]
    for c in UNIT_COUNTS:
        sums += [F.sum(c).alias(f"sum_{c}"), F.sum(F.col(c) * F.col(c)).alias(f"sum2_{c}")]
    for m in METRICS.values():
        if m.is_ratio:
            product = F.col(m.numerator) * F.col(m.denominator)
            sums.append(F.sum(product).alias(f"cross_{m.name}"))
        elif m.covariate and unit_covariates is not None:
            c = F.coalesce(F.col(f"c_{m.name}"), F.lit(0.0))
            sums += [
                F.sum(c).alias(f"sumc_{m.name}"),
                F.sum(c * c).alias(f"sumc2_{m.name}"),
                F.sum(c * F.col(m.numerator)).alias(f"sumxc_{m.name}"),
            ]
    return per_unit.groupBy("experiment_id", "variant").agg(*sums)


def moments(sums: dict[str, Any], metric: str) -> Moments:
    """A variant's `Moments` of `metric` from its collected sums (with the CUPED covariate's
    when they were collected)."""
    m = METRICS[metric]
    n, x = int(sums["units"]), m.numerator
    base = {"n": n, "sum_x": float(sums[f"sum_{x}"]), "sum_x2": float(sums[f"sum2_{x}"])}
    if m.is_ratio:
        y = m.denominator
        return Moments(
            **base,
            sum_y=float(sums[f"sum_{y}"]),
            sum_y2=float(sums[f"sum2_{y}"]),
            sum_xy=float(sums[f"cross_{metric}"]),
        )
    if sums.get(f"sumc_{metric}") is None:
        return Moments(**base)
    return Moments(
        **base,
        sum_c=float(sums[f"sumc_{metric}"]),
        sum_c2=float(sums[f"sumc2_{metric}"]),
        sum_xc=float(sums[f"sumxc_{metric}"]),
    )


def parse_variants(variants: str) -> list[tuple[str, float]]:
    """`control:0.5|treatment:0.5` -> [(control, 0.5), (treatment, 0.5)]."""
    pairs = [p.split(":") for p in variants.split("|")]
    return [(name.strip(), float(share)) for name, share in pairs]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _cuped(control: Moments, treatment: Moments, adjusted: Comparison) -> dict[str, Any]:
    """The CUPED slope and the share of the delta's variance it removed (null: not adjusted)."""
    if adjusted.cuped_theta is None:
        return {"cuped_theta": None, "cuped_variance_reduction": None}
    plain = compare(control, treatment, cuped=False)
    width, plain_width = adjusted.ci_high - adjusted.ci_low, plain.ci_high - plain.ci_low
    reduction = _finite(1 - (width / plain_width) ** 2) if plain_width > 0 else None
    return {"cuped_theta": _finite(adjusted.cuped_theta), "cuped_variance_reduction": reduction}


def experiment_rows(
    experiment: dict[str, Any], sums: dict[str, dict[str, Any]], as_of: date, run_id: str
) -> list[dict[str, Any]]:
    """One experiment's result rows for `as_of` from its variants' sums (pure: no Spark):
    every metric for every variant; the primary metric and the guardrails decide."""
    variants = parse_variants(experiment["variants"])
    of = {name: sums.get(name, {"units": 0}) for name, _ in variants}
    ratio = sample_ratio([int(of[name]["units"]) for name, _ in variants], [s for _, s in variants])
    guardrails = [g for g in (experiment["guardrail_metrics"] or "").split("|") if g]
    primary = experiment["primary_metric"]
    control = variants[0][0]
    rows = []
    for name, _ in variants:
        compared: dict[str, Comparison | str] = {}
        for metric in METRICS if name != control else []:
            try:
                compared[metric] = compare(moments(of[control], metric), moments(of[name], metric))
            except (ValueError, KeyError) as exc:  # too few units, or no denominator yet
                compared[metric] = f"{exc}" if isinstance(exc, ValueError) else "no units yet"
        decision = None
        if name != control:
            decision = _decision(primary, guardrails, compared, ratio)
        for metric, m in METRICS.items():
            numerator = float(of[name].get(f"sum_{m.numerator}", 0.0))
            denominator = float(
                of[name].get(f"sum_{m.denominator}", 0.0) if m.is_ratio else of[name]["units"]
            )
            c = compared.get(metric)
            stats = c if isinstance(c, Comparison) else None
            cuped = (
                _cuped(moments(of[control], metric), moments(of[name], metric), stats)
                if stats
                else {"cuped_theta": None, "cuped_variance_reduction": None}
            )
            rows.append(
                {
                    "experiment_id": experiment["experiment_id"],
                    "as_of_date": as_of,
                    "variant": name,
                    "metric": metric,
                    "unit_type": experiment["unit_type"],
                    "is_control": name == control,
                    "is_primary": metric == primary,
                    "is_guardrail": metric in guardrails,
                    "units": int(of[name]["units"]),
                    "numerator": numerator,
                    "denominator": denominator,
                    "value": numerator / denominator if denominator else None,
                    **{
                        field: _finite(getattr(stats, field)) if stats else None
                        for field in (
                            "delta",
                            "ci_low",
                            "ci_high",
                            "relative_lift",
                            "relative_ci_low",
                            "relative_ci_high",
                            "p_value",
                        )
                    },
                    **cuped,
                    "srm_p_value": ratio.p_value,
                    "sample_ratio_mismatch": ratio.mismatch,
                    "decision": decision[0] if decision else None,
                    "decision_reason": decision[1] if decision else None,
                    "run_id": run_id,
                }
            )
    return rows


def _decision(
    primary: str, guardrails: list[str], compared: dict[str, Comparison | str], ratio: SampleRatio
) -> tuple[str, str]:
    """The verdict of the written rule; a primary metric not yet comparable is inconclusive
    (unless the assignment is already broken)."""
    from livelake.experiments.decision import Verdict

    first = compared[primary]
    if isinstance(first, str):
        if ratio.mismatch:
            return Verdict.INVALID.value, f"sample ratio mismatch (p = {ratio.p_value:.2g})"
        return Verdict.INCONCLUSIVE.value, f"{primary} cannot be compared yet: {first}"
    results = [
        MetricResult(g, c, METRICS[g].higher_is_better)
        for g in guardrails
        if isinstance(c := compared[g], Comparison)
    ]
    verdict = decide(
        MetricResult(primary, first, METRICS[primary].higher_is_better), results, ratio
    )
    return verdict.verdict.value, verdict.reason


def results(ctx: JobContext, as_of: date) -> list[dict[str, Any]]:
    """Every running experiment's result rows as of the end of `as_of`."""
    import pyarrow.compute as pc

    end = inputs.end_of_day(as_of)
    # The definitions are a handful of rows: read once through Arrow, no Spark job (a lake
    # that runs no experiment pays nothing more for this stage), and handed to Spark as they
    # are for the joins.
    declared = SILVER["experiments"]
    started = pc.field("start_at") < pc.scalar(end.replace(tzinfo=UTC))
    running = read_arrow(declared, filter=started, lake_root=ctx.lake.lake_root)
    defined = running.to_pylist()
    if not defined:
        return []
    experiments = ctx.spark.createDataFrame(running, declared.spark_schema())
    first = min(r["start_at"] for r in defined).date()
    events = activity(
        inputs.read_partitions(ctx, SILVER["views"], first, as_of),
        inputs.read_partitions(ctx, SILVER["orders"], first, as_of),
        inputs.read_partitions(ctx, SILVER["after_sales"], first, as_of),
    )
    assignments = inputs.read_partitions(ctx, SILVER["assignments"], first, as_of)
    snapshots = {
        entity: inputs.read_partitions(ctx, SNAPSHOTS[entity], first - timedelta(days=1), as_of)
        for entity in COVARIATE_ENTITIES
        if ctx.lake.exists(SNAPSHOTS[entity])
    }
    sessions = ctx.lake.read(SILVER["live_sessions"])
    unit_covariates = covariates(assignments, experiments, sessions, snapshots)
    collected = variant_sums(assignments, experiments, events, as_of, unit_covariates).collect()
    by_experiment: dict[str, dict[str, dict[str, Any]]] = {}
    for r in collected:
        by_experiment.setdefault(r["experiment_id"], {})[r["variant"]] = r.asDict()
    rows = []
    for experiment in sorted(defined, key=lambda r: r["experiment_id"]):
        sums = by_experiment.get(experiment["experiment_id"], {})
        rows += experiment_rows(experiment, sums, as_of, ctx.run.run_id)
    return rows


def _write_reports(lake_root: str) -> None:
    """Each experiment's report page beside the evidence pages, which link it (a lake on an
    object store has no local reports folder: `livelake experiments show` writes them)."""
    from livelake.experiments.report import write_reports
    from livelake.jobs.quality.evidence import reports_dir
    from livelake.jobs.quality.gx_context import is_local

    if is_local(lake_root):
        write_reports(lake_root, reports_dir(lake_root) / "experiments")


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date) -> StageReport:
    """Results of every experiment as of D (and of the earlier days late data changed)."""
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    if not all(ctx.lake.exists(SILVER[name]) for name in SILVER_INPUTS):
        return StageReport(STAGE, day, "nothing_to_do", message="no experiment in silver yet")
    if (reason := inputs.nothing_delivered(ctx, day)) is not None:
        return inputs.empty_day_report(STAGE, day, reason, "experiment results")
    days = [*sorted(inputs.dirty_days(ctx, day)), day]
    rows = [row for d in days for row in results(ctx, d)]
    if not rows:
        return StageReport(
            STAGE, day, "nothing_to_do", message=f"no experiment had started by the end of {day}"
        )
    frame = ctx.spark.createDataFrame(rows, EXPERIMENT_RESULTS.spark_schema())
    staged = [ctx.lake.stage(EXPERIMENT_RESULTS, frame, "replace_partitions", days)]
    publication = publish(ctx, STAGE, day, staged)
    counts = [
        TableCounts(EXPERIMENT_RESULTS.qualified_name, None, staged[0].rows, version=c.version)
        for c in publication.commits
    ]
    _write_reports(ctx.lake.lake_root)
    verdicts = sorted(
        (r["experiment_id"], r["variant"], r["decision"])
        for r in rows
        if r["as_of_date"] == day and r["is_primary"] and r["decision"]
    )
    message = "; ".join(f"{e} {v}: {d}" for e, v, d in verdicts)
    return StageReport(
        STAGE, day, "ok", counts, publication.gate, message, time.monotonic() - started
    )
