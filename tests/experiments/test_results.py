"""From each variant's sums to `gold/experiment_results` rows (no Spark): the figures equal the
statistics core's on the same per-unit values, and each verdict of the rule shows up."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from jobs.gold.experiments import UNIT_COUNTS, experiment_rows, moments, parse_variants
from livelake.experiments.metrics import METRICS
from livelake.experiments.stats import Moments, compare

DAY = date(2026, 1, 7)
EXPERIMENT = {
    "experiment_id": "hook",
    "unit_type": "live_session",
    "variants": "control:0.5|hook:0.5",
    "primary_metric": "conversion_per_visit",
    "guardrail_metrics": "refund_rate|short_visit_share",
}


def units(n: int, conversion: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per unit: visits, and the other counts drawn from them."""
    visits = rng.poisson(120, n).astype(float)
    paid = rng.binomial(visits.astype(int), conversion).astype(float)
    return {
        "visits": visits,
        "dwell_seconds": visits * rng.uniform(80, 200, n),
        "short_visits": rng.binomial(visits.astype(int), 0.15).astype(float),
        "paid_orders": paid,
        "after_sales_cases": rng.binomial(paid.astype(int), 0.06).astype(float),
    }


def sums(values: dict[str, np.ndarray]) -> dict[str, float]:
    """What `variant_sums` collects for a variant, computed here with numpy."""
    out: dict[str, float] = {"units": len(values["visits"])}
    for c in UNIT_COUNTS:
        out[f"sum_{c}"] = values[c].sum()
        out[f"sum2_{c}"] = (values[c] ** 2).sum()
    for m in METRICS.values():
        if m.is_ratio:
            out[f"cross_{m.name}"] = (values[m.numerator] * values[m.denominator]).sum()
    return out


def rows_for(control, treatment, experiment=EXPERIMENT) -> dict[tuple[str, str], dict]:
    by_variant = {"control": sums(control), "hook": sums(treatment)}
    rows = experiment_rows(experiment, by_variant, DAY, "run-1")
    return {(r["variant"], r["metric"]): r for r in rows}


def test_every_figure_equals_the_statistics_core_on_the_per_unit_values():
    # seed 1: neither guardrail differs by chance (each does at p < 0.05 in 1 seed of 20)
    rng = np.random.default_rng(1)
    control, treatment = units(400, 0.028, rng), units(400, 0.038, rng)
    rows = rows_for(control, treatment)
    assert len(rows) == 2 * len(METRICS)  # two variants × every metric
    assert rows[("hook", "refund_rate")]["is_guardrail"]
    assert not rows[("hook", "paid_orders_per_unit")]["is_guardrail"]
    for metric in ("conversion_per_visit", "refund_rate", "short_visit_share"):
        m = METRICS[metric]
        expected = compare(
            Moments.of(control[m.numerator], y=control[m.denominator]),
            Moments.of(treatment[m.numerator], y=treatment[m.denominator]),
        )
        row = rows[("hook", metric)]
        assert row["delta"] == pytest.approx(expected.delta, rel=1e-9)
        assert row["ci_low"] == pytest.approx(expected.ci_low, rel=1e-9)
        assert row["p_value"] == pytest.approx(expected.p_value, rel=1e-9, abs=1e-15)
        assert row["value"] == pytest.approx(
            treatment[m.numerator].sum() / treatment[m.denominator].sum()
        )
        control_row = rows[("control", metric)]
        assert control_row["is_control"] and control_row["delta"] is None
        assert control_row["decision"] is None
    hook = rows[("hook", "conversion_per_visit")]
    assert hook["is_primary"] and hook["units"] == 400
    assert hook["decision"] == "ship", hook["decision_reason"]


def test_a_sample_ratio_mismatch_makes_the_result_invalid_however_good_it_looks():
    rng = np.random.default_rng(4)
    control, treatment = units(400, 0.028, rng), units(300, 0.040, rng)
    hook = rows_for(control, treatment)[("hook", "conversion_per_visit")]
    assert hook["sample_ratio_mismatch"] and hook["srm_p_value"] < 0.001
    assert hook["decision"] == "invalid"
    assert "sample ratio mismatch" in hook["decision_reason"]


def test_a_worse_guardrail_blocks_shipping():
    rng = np.random.default_rng(5)
    control, treatment = units(400, 0.028, rng), units(400, 0.038, rng)
    treatment["short_visits"] = treatment["visits"] * 0.5  # half the visits now bounce
    hook = rows_for(control, treatment)[("hook", "conversion_per_visit")]
    assert hook["decision"] == "no ship"
    assert "short_visit_share" in hook["decision_reason"]


def test_a_variant_without_units_yet_is_inconclusive_not_a_crash():
    rng = np.random.default_rng(6)
    rows = experiment_rows(EXPERIMENT, {"control": sums(units(1, 0.03, rng))}, DAY, "run-1")
    hook = next(r for r in rows if r["variant"] == "hook" and r["is_primary"])
    assert hook["units"] == 0 and hook["value"] is None and hook["delta"] is None
    assert hook["decision"] == "inconclusive"
    assert "cannot be compared yet" in hook["decision_reason"]


def test_moments_are_read_from_the_collected_sums():
    rng = np.random.default_rng(7)
    values = units(50, 0.03, rng)
    m = moments(sums(values), "conversion_per_visit")
    assert m == Moments.of(values["paid_orders"], y=values["visits"])


def test_variants_are_read_in_declared_order_with_their_shares():
    assert parse_variants("control:0.5|hook:0.25|long_hook:0.25") == [
        ("control", 0.5),
        ("hook", 0.25),
        ("long_hook", 0.25),
    ]


def test_a_predictive_covariate_is_used_by_cuped_and_its_reduction_reported():
    rng = np.random.default_rng(8)
    before = {v: rng.poisson(3.0, 500).astype(float) for v in ("control", "hook")}
    after = {v: rng.poisson(0.5 + before[v]).astype(float) for v in before}  # persistent units
    by_variant = {}
    for variant in before:
        values = units(500, 0.03, rng) | {"paid_orders": after[variant]}
        collected = sums(values)
        c, x = before[variant], after[variant]
        collected |= {
            "sumc_paid_orders_per_unit": c.sum(),
            "sumc2_paid_orders_per_unit": (c * c).sum(),
            "sumxc_paid_orders_per_unit": (x * c).sum(),
        }
        by_variant[variant] = collected
    rows = experiment_rows(
        EXPERIMENT | {"primary_metric": "paid_orders_per_unit"}, by_variant, DAY, "run-1"
    )
    hook = next(r for r in rows if r["variant"] == "hook" and r["is_primary"])
    adjusted = compare(
        Moments.of(after["control"], c=before["control"]),
        Moments.of(after["hook"], c=before["hook"]),
    )
    plain = compare(Moments.of(after["control"]), Moments.of(after["hook"]))
    assert hook["delta"] == pytest.approx(adjusted.delta, rel=1e-9)
    assert hook["cuped_theta"] == pytest.approx(adjusted.cuped_theta, rel=1e-9)
    se = (adjusted.ci_high - adjusted.delta) / (plain.ci_high - plain.delta)
    assert hook["cuped_variance_reduction"] == pytest.approx(1 - se**2, rel=1e-6)
    assert hook["cuped_variance_reduction"] > 0.2
    assert hook["value"] == pytest.approx(after["hook"].mean())  # unadjusted
    conversion = next(
        r for r in rows if r["variant"] == "hook" and r["metric"] == "conversion_per_visit"
    )
    assert conversion["cuped_theta"] is None and conversion["cuped_variance_reduction"] is None
