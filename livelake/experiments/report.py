"""The experiment report: one static HTML page per experiment, read without a JVM.

From `gold/experiment_results` (and the definition in `silver/experiments`): the verdict of
each variant with its reason, the relative lift of the primary metric with its 95% interval
day by day, the guardrails, the sample-ratio test, a funnel per variant, and which versions
of the tables the page was built from. plotly.js is inlined, so the page opens offline.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from livelake.experiments.metrics import COVARIATE_ENTITIES, METRICS, SILVER_INPUTS
from livelake.lake.base import LakeError
from livelake.lake.published import published_versions
from livelake.lake.read import read_table
from livelake.lake.tables.gold import SNAPSHOTS
from livelake.lake.tables.silver import SILVER

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

DAY_MS = 86_400_000
RESULTS = "gold/experiment_results"
DEFINITIONS = SILVER["experiments"].qualified_name
VERDICT_COLOURS = {
    "ship": "#2e7d32",
    "no ship": "#c62828",
    "inconclusive": "#757575",
    "invalid": "#6a1b9a",
}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
.muted { color: #777; } .verdict { color: white; padding: 2px 8px; border-radius: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section { margin: 24px 0; } .bad { color: #c62828; font-weight: 600; } .sig { font-weight: 700; }
"""


class ReportError(RuntimeError):
    """The lake holds nothing to report on (the message says what to run first)."""


@dataclass(frozen=True)
class ExperimentData:
    """What a page is built from: the definition, every result row, the tables' versions."""

    definition: dict
    results: pl.DataFrame
    versions: dict[str, int | None]


def load(lake_root: str) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int | None]]:
    """(definitions, results, the versions read: their last gated publications)."""
    try:
        results = read_table(RESULTS, lake_root=lake_root)
        definitions = read_table(DEFINITIONS, lake_root=lake_root)
    except LakeError as exc:
        raise ReportError(
            f"no experiment results to report under {lake_root}: {exc}. Run the daily "
            "pipeline on deliveries with experiments first (`livelake demo`)"
        ) from None
    published = published_versions(lake_root)
    read = [SILVER[n].qualified_name for n in SILVER_INPUTS]
    read += [SNAPSHOTS[e].qualified_name for e in COVARIATE_ENTITIES]
    versions = {name: published.get(name) for name in (RESULTS, *read)}
    return definitions, results, versions


def experiments(lake_root: str) -> list[ExperimentData]:
    """Every experiment with results, sorted by id."""
    import polars as pl

    definitions, results, versions = load(lake_root)
    out = []
    for definition in definitions.sort("experiment_id").iter_rows(named=True):
        mine = results.filter(pl.col("experiment_id") == definition["experiment_id"])
        if mine.height:
            out.append(ExperimentData(definition, mine.sort("as_of_date"), versions))
    return out


def latest(data: ExperimentData) -> pl.DataFrame:
    import polars as pl

    return data.results.filter(pl.col("as_of_date") == data.results["as_of_date"].max())


def _pct(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x * 100:+.{digits}f}%"


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) >= 1 else f"{x:.4g}"


def _share(x: float | None) -> str:
    return "—" if x is None else f"{x:.0%}"


def _interval(low: float | None, high: float | None) -> str:
    return "—" if low is None or high is None else f"[{_num(low)}, {_num(high)}]"


def _verdict(decision: str | None) -> str:
    if decision is None:
        return "—"
    colour = VERDICT_COLOURS[decision]
    return f"<span class='verdict' style='background:{colour}'>{html.escape(decision)}</span>"


def _gap(low: float | None, high: float | None) -> float | None:
    return None if low is None or high is None else high - low


def lift_figure(data: ExperimentData) -> go.Figure:
    """The primary metric's relative lift of each variant against the control, with its 95%
    interval, by the day the results are cumulative to."""
    import plotly.graph_objects as go
    import polars as pl

    primary = data.results.filter(pl.col("is_primary") & ~pl.col("is_control"))
    figure = go.Figure()
    for (variant,), rows in primary.partition_by("variant", as_dict=True).items():
        rows = rows.sort("as_of_date")
        lift = rows["relative_lift"].to_list()
        low, high = rows["relative_ci_low"].to_list(), rows["relative_ci_high"].to_list()
        figure.add_trace(
            go.Scatter(
                x=rows["as_of_date"].to_list(),
                y=lift,
                name=f"{variant} vs control",
                mode="lines+markers",
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_gap(v, h) for v, h in zip(lift, high, strict=True)],
                    "arrayminus": [_gap(lo, v) for v, lo in zip(lift, low, strict=True)],
                },
            )
        )
    figure.add_hline(y=0, line_dash="dot", line_color="#999")
    metric = data.definition["primary_metric"]
    figure.update_layout(
        title=f"Relative lift in {metric} with its 95% interval (cumulative)",
        yaxis_tickformat="+.0%",
        xaxis={"tickformat": "%b %d", "dtick": DAY_MS},
        height=380,
        margin={"t": 60},
    )
    return figure


def funnel_figure(data: ExperimentData) -> go.Figure:
    """Visits and paid orders per variant, as of the latest day."""
    import plotly.graph_objects as go
    import polars as pl

    rows = latest(data).filter(pl.col("metric") == "conversion_per_visit")
    figure = go.Figure()
    for row in rows.iter_rows(named=True):
        figure.add_trace(
            go.Funnel(
                name=row["variant"],
                y=["visits", "paid orders"],
                x=[row["denominator"], row["numerator"]],
                textinfo="value+percent initial",
            )
        )
    figure.update_layout(
        title="Funnel per variant", height=320, margin={"t": 60}, funnelmode="group"
    )
    return figure


def _metrics_table(rows: pl.DataFrame) -> str:

    body = []
    ordered = rows.sort(
        "is_primary", "is_guardrail", "metric", "is_control", descending=[True, True, False, True]
    )
    for row in ordered.iter_rows(named=True):
        metric = METRICS[row["metric"]]
        role = (
            "primary" if row["is_primary"] else "guardrail" if row["is_guardrail"] else "secondary"
        )
        direction = "higher is better" if metric.higher_is_better else "lower is better"
        significant = row["p_value"] is not None and row["p_value"] < 0.05
        p = "—" if row["p_value"] is None else f"{row['p_value']:.3g}"
        body.append(
            f"<tr><td>{html.escape(row['metric'])} <span class='muted'>({role}; "
            f"{direction})</span></td><td>{html.escape(row['variant'])}</td>"
            f"<td class='num'>{row['units']:,}</td><td class='num'>{_num(row['numerator'])} / "
            f"{_num(row['denominator'])}</td><td class='num'>{_num(row['value'])}</td>"
            f"<td class='num'>{_num(row['delta'])}</td>"
            f"<td class='num'>{_interval(row['ci_low'], row['ci_high'])}</td>"
            f"<td class='num'>{_pct(row['relative_lift'], 1)}</td>"
            f"<td class='num{' sig' if significant else ''}'>{p}</td>"
            f"<td class='num'>{_share(row['cuped_variance_reduction'])}</td></tr>"
        )
    return (
        "<table id='metrics'><tr><th>metric</th><th>variant</th><th>units</th>"
        "<th>numerator / denominator</th><th>value</th><th>delta vs control</th>"
        "<th>95% interval</th><th>relative lift</th><th>p</th>"
        f"<th>variance CUPED removed</th></tr>{''.join(body)}</table>"
    )


def _sample_ratio(rows: pl.DataFrame, variants: str) -> str:
    import polars as pl

    units = rows.filter(pl.col("is_primary")).select("variant", "units")
    counts = ", ".join(f"{v}: {n:,}" for v, n in units.iter_rows())
    first = rows.row(0, named=True)
    verdict = (
        "<span class='bad'>sample ratio mismatch: the assignment is broken, no metric of this "
        "experiment can be trusted</span>"
        if first["sample_ratio_mismatch"]
        else "units match the declared shares"
    )
    return (
        f"<p id='srm'>Units per variant {counts} against declared shares "
        f"<code>{html.escape(variants)}</code>: chi-square p = {first['srm_p_value']:.3g} "
        f"(mismatch below 0.001) — {verdict}.</p>"
    )


def _figure_div(figure: go.Figure, div_id: str) -> str:
    return figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
    )


def render(data: ExperimentData) -> str:
    """One experiment's page as an HTML string."""
    import polars as pl
    from plotly.offline import get_plotlyjs

    d = data.definition
    now = latest(data)
    as_of = now["as_of_date"][0]
    verdicts = "".join(
        f"<li><b>{html.escape(r['variant'])}</b> vs control: {_verdict(r['decision'])} — "
        f"{html.escape(r['decision_reason'] or '')}</li>"
        for r in now.filter(pl.col("is_primary") & ~pl.col("is_control")).iter_rows(named=True)
    )
    versions = ", ".join(
        f"<code>{name}</code> {'none published' if v is None else f'version {v}'}"
        for name, v in sorted(data.versions.items())
    )
    run_ids = ", ".join(sorted(set(now["run_id"])))
    name = html.escape(d["experiment_id"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{name} · livelake experiment</title>
<style>{STYLE}</style><script type="text/javascript">{get_plotlyjs()}</script></head>
<body>
<h1>{name}</h1>
<p>{html.escape(d["hypothesis"] or "")}</p>
<p class="muted">unit: {html.escape(d["unit_type"])} · variants
<code>{html.escape(d["variants"])}</code> · window {d["start_at"]:%Y-%m-%d %H:%M} –
{d["end_at"]:%Y-%m-%d %H:%M} UTC · primary metric
<code>{html.escape(d["primary_metric"])}</code> · guardrails
<code>{html.escape(d["guardrail_metrics"] or "none")}</code></p>
<section id="decision"><h2>Decision as of {as_of}</h2><ul>{verdicts}</ul>
<p class="muted">The rule (docs/experiments.md): a sample-ratio mismatch makes the result
invalid; a guardrail or the primary metric significantly worse means no ship; the primary
metric significantly better means ship; otherwise inconclusive.</p>
{_sample_ratio(now, d["variants"])}</section>
<section><h2>Lift over time</h2>{_figure_div(lift_figure(data), "lift")}</section>
<section><h2>Metrics as of {as_of}</h2>{_metrics_table(now)}</section>
<section><h2>Funnel</h2>{_figure_div(funnel_figure(data), "funnel")}</section>
<section id="data"><h2>Data read</h2>
<p class="muted">{versions}; results of run {html.escape(run_ids)}.</p></section>
</body></html>
"""


def write_reports(lake_root: str, out_dir: Path) -> list[Path]:
    """One page per experiment with results, `<id>.html` under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for data in experiments(lake_root):
        page = out_dir / f"{data.definition['experiment_id']}.html"
        page.write_text(render(data), encoding="utf-8")
        pages.append(page)
    return pages
