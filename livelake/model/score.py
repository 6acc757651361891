"""Batch scoring: the published conversion model scores the exposures of day D from the
feature snapshot of D-1 into `gold/conversion_scores` (a daily stage; `livelake score`).

Point in time: the rows scored are the training examples' candidates
(`jobs.gold.training.candidates`: who entered which session of D and saw which product, with
features as of D-1, never D), so a score is what the model could have said before the
sessions began, and the KPI mart holds it against what happened (predicted vs observed
conversion per anchor tier, `livelake.kpi_catalog`). The snapshot of D scores D+1's sessions
when the run of D+1 has them: the lake learns of a session on its own day (even an announced
one's `scheduled_start` arrives with it).

Only a model the metric gate accepted scores (the one `current.json` names). Without one the
stage publishes nothing and says why (`nothing_to_do`, naming the newest model's rejection):
scores nobody vouched for would read as a forecast, and an empty partition as a day scored.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from livelake.jobs.gold import inputs
from livelake.jobs.gold.training import read_candidates
from livelake.jobs.publish import publish
from livelake.jobs.report import StageReport, TableCounts
from livelake.lake.tables.gold import CONVERSION_SCORES, EXPOSURE
from livelake.model.store import ModelStore

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from livelake.jobs.context import JobContext

JOB = "model.score"
STAGE = "score"
IDS = tuple(c.name for c in EXPOSURE)  # carried from candidate to score


class MissingFeaturesError(RuntimeError):
    """The published model needs feature columns the day's candidates do not have."""


def scores(
    candidates: DataFrame,
    model: Any,
    features: list[str],
    day: date,
    model_id: str,
    model_card: str,
    run_id: str,
) -> DataFrame:
    """`gold/conversion_scores` rows: each candidate's calibrated probability under `model`.

    Executors predict (`mapInPandas`, one thread each: Spark already runs a task per core),
    so the rows never pass through the driver. Money features arrive as exact decimals and
    are cast to doubles first, as the trainer reads them.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType

    missing = [f for f in features if f not in candidates.columns]
    if missing:
        raise MissingFeaturesError(
            f"model {model_id} uses {len(missing)} feature(s) the snapshots of "
            f"{day - timedelta(days=1)} lack: {', '.join(missing[:5])} — retrain it "
            "(livelake_weekly_train) on the current features"
        )
    decimals = {f.name for f in candidates.schema.fields if isinstance(f.dataType, DecimalType)}
    rows = candidates.select(
        *IDS, *(F.col(f).cast("double") if f in decimals else F.col(f) for f in features)
    )

    def predict(batches):
        from threadpoolctl import threadpool_limits

        from livelake.model.train import prepare_features

        with threadpool_limits(1):
            for frame in batches:
                p = model.predict_proba(prepare_features(frame, features))[:, 1]
                yield frame[list(IDS)].assign(score=p)

    schema = ", ".join(f"{k} string" for k in IDS) + ", score double"
    return rows.mapInPandas(predict, schema).select(
        *IDS,
        F.lit(day).alias("session_date"),
        F.lit(day - timedelta(days=1)).alias("as_of_date"),
        "score",
        F.lit(model_id).alias("model_id"),
        F.lit(model_card).alias("model_card"),
        F.lit(run_id).alias("run_id"),
    )


def no_model_reason(store: ModelStore) -> str:
    """Why nothing scores: no model trained yet, or the newest one was rejected (and why)."""
    newest = store.newest_card()
    if newest is None:
        return f"no model has been trained under {store.root} (livelake_weekly_train)"
    reasons = "; ".join(newest["metric_gate"]["reasons"]) or "see its card"
    return (
        f"the metric gate accepted no model yet; the newest, {newest['model_id']}, was "
        f"{newest['status']}: {reasons}"
    )


@inputs.planned_by_day_size
def run(ctx: JobContext, day: date) -> StageReport:
    """Score D's exposures with the published model; publish nothing without one."""
    started = time.monotonic()
    ctx = ctx.job(JOB, day)
    store = ModelStore(ctx.settings.resolved_models_root)
    card = store.published_card()
    if card is None:
        return StageReport(
            STAGE, day, "nothing_to_do", message=f"not scored: {no_model_reason(store)}"
        )
    if not ctx.lake.exists(inputs.SILVER["views"]):
        return StageReport(STAGE, day, "nothing_to_do", message="silver/views does not exist yet")
    if (reason := inputs.nothing_delivered(ctx, day)) is not None:
        return inputs.empty_day_report(STAGE, day, reason, "conversion scores")
    saved = store.load_model(card["model_id"])
    if saved is None:
        return StageReport(
            STAGE, day, "failed", message=f"published model {card['model_id']} has no model file"
        )
    model_card = card["paths"].get("html") or card["paths"]["markdown"]  # older: no html
    try:
        frame = scores(
            read_candidates(ctx, day), saved["model"], saved["features"], day,
            card["model_id"], model_card, ctx.run.run_id,
        )  # fmt: skip
    except MissingFeaturesError as exc:
        return StageReport(STAGE, day, "failed", message=str(exc))
    staged = ctx.lake.stage(CONVERSION_SCORES, frame, "replace_partitions", [day])
    publication = publish(ctx, STAGE, day, [staged])
    counts = [
        TableCounts(
            CONVERSION_SCORES.qualified_name,
            None,
            staged.rows,
            version=publication.commits[0].version,
        )
    ]
    message = (
        f"{staged.rows:,} exposures of {day} scored by model {card['model_id']} from features "
        f"as of {day - timedelta(days=1)}"
    )
    return StageReport(
        STAGE, day, "ok", counts, publication.gate, message, time.monotonic() - started
    )
