"""The metric gate: a model is published only when every check passes, and each check names
what it measured, the bound, and why it failed — so a rejection reads as a reason.

The checks, all on the test days: the model ranks (AUC floor); its probabilities beat the
constant base-rate model by a margin (log-loss ratio); they mean what they say (ECE); no
single feature ranks the test days almost perfectly on its own (a leaked label); and it is
no worse than the current published model scored on the same test days (AUC, log-loss).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from livelake.model.config import TrainingConfig


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "pass", "fail", or "skipped" (nothing to compare with)
    value: float | None
    bound: str  # the rule, e.g. "≥ 0.60"
    detail: str


@dataclass(frozen=True)
class CurrentModel:
    """The published model being replaced, and its scores on this model's test days; or why
    it could not be scored there (`reason`)."""

    model_id: str
    auc: float | None = None
    log_loss: float | None = None
    reason: str | None = None


def _check(name: str, ok: bool, value: float, bound: str, detail: str) -> Check:
    return Check(name, "pass" if ok else "fail", value, bound, detail)


def checks(
    scores: dict[str, Any],
    constant_log_loss: float,
    feature_aucs: dict[str, float],
    current: CurrentModel | None,
    config: TrainingConfig,
) -> list[Check]:
    auc, log_loss, ece = scores["auc"], scores["log_loss"], scores["ece"]
    ratio = log_loss / constant_log_loss
    found = [
        _check(
            "auc_floor",
            auc >= config.min_auc,
            auc,
            f"≥ {config.min_auc:g}",
            f"test AUC {auc:.4f}",
        ),
        _check(
            "log_loss_vs_base_rate",
            ratio <= config.max_log_loss_ratio,
            ratio,
            f"≤ {config.max_log_loss_ratio:g}",
            f"log-loss {log_loss:.5f} is {ratio:.3f}× the constant base-rate model's "
            f"{constant_log_loss:.5f}",
        ),
        _check(
            "ece_bound",
            ece <= config.max_ece,
            ece,
            f"≤ {config.max_ece:g}",
            f"expected calibration error {ece:.5f} over {config.calibration_bins} equal-count bins",
        ),
    ]
    if feature_aucs:
        feature, best = max(feature_aucs.items(), key=lambda item: item[1])
        found.append(
            _check(
                "no_leaked_feature",
                best <= config.max_feature_auc,
                best,
                f"≤ {config.max_feature_auc:g}",
                f"`{feature}` alone ranks the test days with AUC {best:.4f}"
                + ("" if best <= config.max_feature_auc else ": it knows the label (a leak)"),
            )
        )
    found.extend(_regression_checks(auc, log_loss, current, config))
    return found


def _regression_checks(
    auc: float, log_loss: float, current: CurrentModel | None, config: TrainingConfig
) -> list[Check]:
    names = ("no_auc_regression", "no_log_loss_regression")
    if current is None or current.reason:
        why = current.reason if current else "no published model yet"
        return [Check(name, "skipped", None, "", why) for name in names]
    rise = log_loss / current.log_loss - 1
    return [
        _check(
            names[0],
            auc >= current.auc - config.max_auc_drop,
            auc - current.auc,
            f"≥ -{config.max_auc_drop:g}",
            f"AUC {auc:.4f} vs current model {current.model_id} {current.auc:.4f} on the "
            "same test days",
        ),
        _check(
            names[1],
            rise <= config.max_log_loss_rise,
            rise,
            f"≤ +{config.max_log_loss_rise:g}",
            f"log-loss {log_loss:.5f} vs current model {current.model_id} "
            f"{current.log_loss:.5f} on the same test days ({rise:+.1%}, a relative rise)",
        ),
    ]


def verdict(found: list[Check]) -> dict[str, Any]:
    """The card's gate section: every check, and the failed ones as reasons."""
    failed = [c for c in found if c.status == "fail"]
    return {
        "passed": not failed,
        "checks": [asdict(c) for c in found],
        "reasons": [f"{c.name}: {c.detail} (must be {c.bound})" for c in failed],
    }
