"""The model card: one JSON document (for machines) rendered as Markdown and HTML (for people)."""

from __future__ import annotations

import html
from typing import Any

WINDOWS = ("train", "validation", "calibration", "test")
CALIBRATORS = {"sigmoid": "Platt scaling (sigmoid)", "isotonic": "isotonic regression"}

# One self-contained page: no script, no font or stylesheet from outside.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
  padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }}
th {{ background: #f3f3f3; }}
code {{ background: #f3f3f3; padding: 0 0.2rem; }}
.verdict {{ padding: 0.6rem 1rem; border-radius: 6px; font-weight: 600; }}
.accepted {{ background: #e6f4ea; color: #17702b; }}
.rejected {{ background: #fdecea; color: #b00020; }}
</style></head>
<body>
<p class="verdict {verdict_class}">{verdict}</p>
{body}</body></html>
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _sci(value: float | None) -> str:
    """Log-loss rises at a ~0.2% base rate are ~1e-4: fixed decimals would print zeros."""
    return "—" if value is None else f"{value:.3g}"


def _ranking_caveat(drivers: dict[str, Any]) -> str:
    if drivers["missing"]:
        return f" (no feature found for: {', '.join(drivers['missing'])})"
    if not drivers["order_as_planned"]:
        return " (the estimates are not in the planned order)"
    if drivers["overlapping"]:
        return (
            " (in the planned order, but the intervals overlap for: "
            + "; ".join(drivers["overlapping"])
            + ", so the data cannot tell them apart)"
        )
    return " (in the planned order, every interval above the next)"


def _pct(value: float) -> str:
    return f"{value:.3%}"


def render_markdown(card: dict[str, Any]) -> str:
    data, m, gate, fit = card["data"], card["metrics"], card["metric_gate"], card["fit"]
    prov = card["provenance"]
    drivers = card["drivers"]
    lines = [
        f"# Model card · {card['model_name']} · {card['model_id']}",
        "",
        f"**Status: {card['status']}** · trained {card['created_at']} with livelake "
        f"{prov['code_version']} · {card['estimator']}",
        "",
        "## Data",
        "",
        f"- Training set: `{data['table']}` Delta version **{data['table_version']}** "
        f"(published by run `{data['published_run_id']}` for day {data['published_day']})",
        f"- Training gate: run `{data['gate_run_id']}` for day {data['gate_day']}: passed",
        *(
            f"- {name.capitalize()} days: {data[name + '_start']} … {data[name + '_end']} "
            f"({data[name + '_rows']:,} rows, {data[name + '_positives']:,} positives)"
            for name in WINDOWS
        ),
        "- Delta versions (the training set, then what its run published that day): "
        + ", ".join(f"`{t}` v{v}" for t, v in card["table_versions"].items()),
        f"- Features ({len(card['features'])}): " + ", ".join(f"`{f}`" for f in card["features"]),
        "",
        "## Reproduce",
        "",
        f"Same Delta versions + this configuration + these libraries → the same metrics and "
        f"predictions. Code `{prov['code_version']}`, seed **{prov['seed']}**, Python "
        f"{prov['python']}; " + ", ".join(f"{name} {v}" for name, v in prov["libraries"].items()),
        "",
        "Configuration: " + ", ".join(f"`{k}={v}`" for k, v in prov["config"].items()),
        "",
        "## Fit",
        "",
        f"- Boosting stopped after **{fit['boosting_iterations']}** rounds (log-loss on the "
        "validation days stopped improving)",
        f"- Calibrated on the calibration days with **{CALIBRATORS[fit['calibration_method']]}**: "
        f"{fit['calibration_positives']:,} positives there (isotonic from "
        f"{fit['isotonic_min_positives']:,}; below that its staircase overfits and predicts 0)",
        "",
        "## Metrics (test days)",
        "",
        "| AUC | log-loss | Brier | ECE | base rate | mean predicted |",
        "|---|---|---|---|---|---|",
        f"| {_fmt(m['auc'])} | {_fmt(m['log_loss'])} | {_fmt(m['brier'])} | {_fmt(m['ece'])} | "
        f"{_fmt(m['base_rate'])} | {_fmt(m['mean_predicted'])} |",
        "",
        "### Calibration (equal-count bins of predicted probability)",
        "",
        "| bin | rows | positives | mean predicted | observed rate |",
        "|---|---|---|---|---|",
        *(
            f"| {b['bin']} | {b['rows']} | {b['positives']} | {_pct(b['mean_predicted'])} | "
            f"{_pct(b['observed_rate'])} |"
            for b in m["calibration"]
        ),
        "",
        "![Reliability plot: observed vs mean predicted conversion per bin](reliability.svg)",
        "",
        "## Metric gate",
        "",
        f"**Verdict: {'passed' if gate['passed'] else 'REJECTED'}**"
        + ("" if gate["passed"] else " — " + "; ".join(gate["reasons"])),
        "",
        "| check | result | value | must be | measured |",
        "|---|---|---|---|---|",
        *(
            f"| {c['name']} | {c['status']} | {_fmt(c['value'])} | {c['bound'] or '—'} | "
            f"{c['detail']} |"
            for c in gate["checks"]
        ),
        "",
        "## Feature importances (permutation on the test days, rise in log-loss)",
        "",
        "| rank | feature | importance | 95% interval |",
        "|---|---|---|---|",
        *(
            f"| {r['rank']} | `{r['feature']}` | {_sci(r['importance'])} | "
            f"{_sci(r['low'])} … {_sci(r['high'])} |"
            for r in card["feature_importances"]
        ),
        "",
        "## The plan's four drivers",
        "",
        "Each driver's features shuffled together; intervals from "
        f"{prov['config']['importance_bootstraps']} bootstrap resamples of the test rows.",
        "",
        f"Planned order (weights 35/28/22/15): {' > '.join(drivers['planned_order'])}  ",
        f"Observed order: {' > '.join(drivers['observed_order']) or '—'}  ",
        f"**Rank as generated: {'yes' if drivers['ranks_as_generated'] else 'no'}**"
        + _ranking_caveat(drivers),
        "",
        "| driver | planned weight | features | importance | 95% interval |",
        "|---|---|---|---|---|",
        *(
            f"| {d['driver']} | {d['planned_weight_pct']}% | {len(d['features'])} | "
            f"{_sci(d['importance'])} | {_sci(d['low'])} … {_sci(d['high'])} |"
            for d in drivers["drivers"]
        ),
        "",
    ]
    return "\n".join(lines)


def render_html(card: dict[str, Any]) -> str:
    """The Markdown card as a page an auditor opens in a browser (works offline), under a
    banner saying first whether the metric gate accepted the model, and if not, why."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(render_markdown(card))
    title = html.escape(f"Model card · {card['model_name']} · {card['model_id']}")
    gate = card["metric_gate"]
    verdict = (
        "Accepted by the metric gate: published (the newest accepted model scores the days)"
        if gate["passed"]
        else "Rejected by the metric gate, not published: " + "; ".join(gate["reasons"])
    )
    return PAGE.format(
        title=title,
        verdict_class="accepted" if gate["passed"] else "rejected",
        verdict=html.escape(verdict),
        body=body,
    )


def summary_lines(card: dict[str, Any]) -> list[str]:
    """A few lines for the CLI and the Airflow log."""
    m, drivers = card["metrics"], card["drivers"]
    return [
        f"model {card['model_id']}: {card['status']} · AUC {m['auc']:.3f} · "
        f"log-loss {m['log_loss']:.4f} · ECE {m['ece']:.4f} · base rate {m['base_rate']:.4f} · "
        f"mean predicted {m['mean_predicted']:.4f}",
        f"trained on {card['data']['table']} v{card['data']['table_version']} "
        f"({card['data']['train_start']}…{card['data']['test_end']})",
        "drivers (planned 35/28/22/15): "
        + (" > ".join(drivers["observed_order"]) or "none found")
        + f" · rank as generated: {'yes' if drivers['ranks_as_generated'] else 'no'}",
        f"card: {card['paths'].get('html') or card['paths']['markdown']}",  # older: no html
    ] + (
        [f"not published, the metric gate said: {'; '.join(card['metric_gate']['reasons'])}"]
        if card["status"] == "rejected"
        else []
    )
