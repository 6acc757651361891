"""Train the baseline conversion model on gated data, judge it, and publish it or refuse.

Steps: refuse unless the latest training gate passed (`data.check_trainable`); read the
latest published version of gold/training_examples; split by `example_date` into train,
validation, calibration and test days (`split`); fit a regularised booster on every `__`
feature column, stopped on the validation days and calibrated on the calibration days
(`fit`); evaluate on the test days (AUC, log-loss, ECE, calibration table, permutation
importances, driver ranking); then the metric gate (`gate`): publish only when every check
passes, else keep the model unpublished with its reasons.

Layout under `Settings.resolved_models_root` (default `<lake_root>/../models`, see `store`):
`conversion_baseline/<model_id>/{model.joblib, metrics.json, model_card.json,
model_card.md, model_card.html, reliability.svg}` for every trained model (rejected ones
too, for inspection) and `conversion_baseline/current.json` naming the published one.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from livelake.config import Settings, settings
from livelake.model.config import TrainingConfig
from livelake.model.data import (
    TRAINING_TABLE,
    TrainingRefusedError,
    check_trainable,
    published_with,
    read_training_examples,
)
from livelake.model.gate import CurrentModel
from livelake.model.store import MODEL_FILE, MODEL_NAME, ModelStore

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

LABEL = "label"
DATE_COLUMN = "example_date"

__all__ = ["ModelRejectedError", "TrainingConfig", "TrainingRefusedError", "train_and_publish"]


class ModelRejectedError(RuntimeError):
    """The trained model failed the metric gate; it was written but not published."""

    def __init__(self, message: str, card: dict[str, Any]) -> None:
        super().__init__(message)
        self.card = card


@dataclass
class TrainingResult:
    card: dict[str, Any]

    @property
    def published(self) -> bool:
        return self.card["status"] == "published"

    def summary(self) -> dict[str, Any]:
        return {
            "model_id": self.card["model_id"],
            "status": self.card["status"],
            "auc": self.card["metrics"]["auc"],
            "log_loss": self.card["metrics"]["log_loss"],
            "ece": self.card["metrics"]["ece"],
            "ranks_as_generated": self.card["drivers"]["ranks_as_generated"],
            "card": self.card["paths"]["markdown"],
            "card_json": self.card["paths"]["json"],
        }


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """Every column named `<entity>__<feature>`, in table order."""
    return [c for c in frame.columns if "__" in c]


def prepare_features(frame: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """Numeric as float, booleans as 0/1, text as pandas categories (native in HGB)."""
    import pandas as pd

    x = frame[features].copy()
    for name in features:
        column = x[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            x[name] = column.astype("float64")
        else:
            x[name] = column.map(lambda v: None if pd.isna(v) else str(v)).astype("category")
    return x


def constant_log_loss(y_test: np.ndarray, base_rate: float) -> float:
    """The log-loss of the trivial model: predict the base rate of the days before the test
    days for every test example."""
    from sklearn.metrics import log_loss

    return float(log_loss(y_test, [base_rate] * len(y_test), labels=[0, 1]))


def current_model(
    store: ModelStore, test_rows: pd.DataFrame, y_test: np.ndarray
) -> CurrentModel | None:
    """The published model scored on this training's test days, or why it cannot be."""
    from sklearn.metrics import log_loss, roc_auc_score

    pointer = store.read_json("current.json")
    if pointer is None:
        return None
    model_id = pointer["model_id"]
    try:
        saved = store.load_model(model_id)
    except Exception as exc:  # e.g. pickled by another scikit-learn: must not block every model
        return CurrentModel(model_id, reason=f"current model {model_id} does not load: {exc!r}")
    if saved is None:
        return CurrentModel(model_id, reason=f"current model {model_id} has no {MODEL_FILE}")
    missing = [f for f in saved["features"] if f not in test_rows.columns]
    if missing:
        return CurrentModel(
            model_id,
            reason=f"current model {model_id} uses features this training set lacks: "
            + ", ".join(missing[:5]),
        )
    p = saved["model"].predict_proba(prepare_features(test_rows, saved["features"]))[:, 1]
    return CurrentModel(
        model_id,
        auc=float(roc_auc_score(y_test, p)),
        log_loss=float(log_loss(y_test, p, labels=[0, 1])),
    )


def _labels(frame: pd.DataFrame, window: str, version: int) -> np.ndarray:
    """The window's labels; refuse when one label value is missing (nothing to learn/judge)."""
    import numpy as np

    y = frame[LABEL].to_numpy(dtype="int64")
    if len(np.unique(y)) < 2:
        raise TrainingRefusedError(
            f"the {window} days of {TRAINING_TABLE} v{version} hold only one label value; "
            "the model cannot be fitted, calibrated or judged there — train on more days"
        )
    return y


def _window_facts(windows: dict[str, list], y: dict[str, np.ndarray]) -> dict[str, Any]:
    """First and last day, rows and positives of each window, for the card."""
    facts: dict[str, Any] = {}
    for name, days in windows.items():
        facts[f"{name}_start"] = str(days[0])
        facts[f"{name}_end"] = str(days[-1])
        facts[f"{name}_rows"] = len(y[name])
        facts[f"{name}_positives"] = int(y[name].sum())
    return facts


def _save(store: ModelStore, card: dict[str, Any], model: Any, features: list[str]) -> None:
    """Write the model and its card (JSON, Markdown, HTML, reliability plot) to its folder."""
    import joblib

    from livelake.model.card import render_html, render_markdown
    from livelake.model.reliability import reliability_svg

    model_id, scores = card["model_id"], card["metrics"]
    buffer = io.BytesIO()
    joblib.dump({"model": model, "features": features}, buffer)
    card["paths"] = {
        "model": store.path(model_id, MODEL_FILE),
        "markdown": store.path(model_id, "model_card.md"),
        "html": store.path(model_id, "model_card.html"),
        "json": store.path(model_id, "model_card.json"),
        "reliability_plot": store.path(model_id, "reliability.svg"),
    }
    store.write(buffer.getvalue(), model_id, MODEL_FILE)
    store.write(json.dumps(scores, indent=2).encode(), model_id, "metrics.json")
    store.write(reliability_svg(scores["calibration"]).encode(), model_id, "reliability.svg")
    store.write(json.dumps(card, indent=2, default=str).encode(), model_id, "model_card.json")
    store.write(render_markdown(card).encode(), model_id, "model_card.md")
    store.write(render_html(card).encode(), model_id, "model_card.html")


def train_and_publish(
    config: TrainingConfig | None = None, cfg: Settings | None = None
) -> TrainingResult:
    """Train on the latest gated training set; publish if the metric gate passes.

    Raises TrainingRefusedError (nothing trained) or ModelRejectedError (trained, written,
    not published); neither is worth retrying.
    """
    import numpy as np

    from livelake.model.evaluate import feature_aucs, metrics
    from livelake.model.fit import fit_calibrated
    from livelake.model.gate import checks, verdict
    from livelake.model.importance import (
        driver_groups,
        driver_ranking,
        feature_table,
        grouped_importances,
    )
    from livelake.model.provenance import provenance
    from livelake.model.split import split_days

    config = config or TrainingConfig()
    cfg = cfg or settings()
    training_gate, published = check_trainable(cfg.lake_root)
    frame = read_training_examples(cfg.lake_root, published.version)
    features = feature_columns(frame)
    if not features or LABEL not in frame.columns:
        raise TrainingRefusedError(
            f"{TRAINING_TABLE} v{published.version} needs a `{LABEL}` column and feature "
            f"columns named <entity>__<name>; it has {list(frame.columns)}"
        )
    # Examples of the first day(s) have no earlier snapshot: no feature value to learn from.
    frame = frame[frame[features].notna().any(axis=1)]
    split = split_days(list(frame[DATE_COLUMN].unique()), config)
    windows = {name: frame[frame[DATE_COLUMN].isin(days)] for name, days in split.windows().items()}
    y = {name: _labels(rows, name, published.version) for name, rows in windows.items()}
    x = {name: prepare_features(rows, features) for name, rows in windows.items()}
    try:
        fitted = fit_calibrated(
            x["train"], y["train"], x["validation"], y["validation"],
            x["calibration"], y["calibration"], config,
        )  # fmt: skip
    except ValueError as exc:  # degenerate data (e.g. a handful of rows): say so, no traceback
        raise TrainingRefusedError(
            f"cannot fit on {len(x['train']):,} examples of {TRAINING_TABLE} "
            f"v{published.version} ({len(split.train)} day(s)): {exc} — train on more days"
        ) from exc
    x_test, y_test = x["test"], y["test"]
    p_test = fitted.model.predict_proba(x_test)[:, 1]
    scores = metrics(y_test, p_test, config.calibration_bins)

    sample = x_test.sample(n=min(len(x_test), config.max_importance_rows), random_state=config.seed)
    drivers = driver_groups(features)
    groups = {**{f: [f] for f in features}, **drivers}
    importances = grouped_importances(
        fitted.model,
        sample,
        y_test[x_test.index.get_indexer(sample.index)],
        groups,
        config.seed,
        config.importance_repeats,
        config.importance_bootstraps,
    )
    store = ModelStore(cfg.resolved_models_root)
    before_test = np.concatenate([y["train"], y["validation"], y["calibration"]])
    constant = constant_log_loss(y_test, float(before_test.mean()))
    current = current_model(store, windows["test"], y_test)
    gate = verdict(checks(scores, constant, feature_aucs(x_test, y_test), current, config))

    created = datetime.now(UTC)
    model_id = f"{created:%Y%m%dT%H%M%SZ}-v{published.version}"
    card: dict[str, Any] = {
        "model_name": MODEL_NAME,
        "model_id": model_id,
        "status": "published" if gate["passed"] else "rejected",
        "created_at": created.isoformat(),
        "provenance": provenance(config),
        "estimator": "sklearn HistGradientBoostingClassifier, calibrated (CalibratedClassifierCV)",
        "fit": {
            "boosting_iterations": fitted.iterations,
            "calibration_method": fitted.calibration_method,
            "calibration_positives": fitted.calibration_positives,
            "isotonic_min_positives": config.isotonic_min_positives,
        },
        "data": {
            "table": TRAINING_TABLE,
            "table_version": published.version,
            "published_run_id": published.run_id,
            "published_day": str(published.day),
            "gate_run_id": training_gate.run_id,
            "gate_day": str(training_gate.day),
            **_window_facts(split.windows(), y),
        },
        # The training set read, then every table its publishing run published that day.
        "table_versions": {
            TRAINING_TABLE: published.version,
            **published_with(cfg.lake_root, published),
        },
        "features": features,
        "metrics": scores,
        "metric_gate": {"constant_log_loss": constant, **gate},
        "feature_importances": feature_table({f: importances[f] for f in features}),
        "drivers": driver_ranking({d: importances[d] for d in drivers}, drivers),
    }
    _save(store, card, fitted.model, features)
    if not gate["passed"]:
        raise ModelRejectedError(
            f"model {model_id} not published: {'; '.join(gate['reasons'])} "
            f"(card: {card['paths']['markdown']})",
            card,
        )
    store.publish(card)
    return TrainingResult(card)
