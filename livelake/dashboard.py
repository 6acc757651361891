"""`livelake dashboard`: one static HTML page over the KPI mart, openable without a server.

Marketing, operations and customer service open a file, not a service: the page embeds
plotly.js (from the installed plotly package, so it works offline) and reads only published
tables, without a JVM: `gold/kpi_daily`, `gold/kpi_targets` and, when the quality gates have
run, `audit/quality_results` (one status cell per day and stage). Each cell links to the
evidence page of that stage's latest run, which the dashboard (re)writes with the audit index
so the links resolve; links into a local lake are relative to the page. The conversion model
section links the published model's card and the newest one's (a rejected model shows its
reasons), and holds the model's predictions against what happened per anchor tier (the
mart's calibration monitor). The experiments section lists each A/B experiment's verdicts
and links its report page (`livelake.experiments.report`), written beside the dashboard.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from livelake.jobs.report import Verdict, gate_verdict, verdict_counts
from livelake.lake.base import LakeError
from livelake.lake.read import read_table

if TYPE_CHECKING:
    import plotly.graph_objects as go
    import polars as pl

# Most live-room purchases skip the cart (the plan: 1.5% of visits cart, 2.8% pay), so the
# cart is not a step between a visit and a payment: the title gives it beside the funnel.
FUNNEL = (
    ("room_visits", "Room visits"),
    ("paying_visits", "Paid"),
)
TREND_METRICS = (
    ("live_room_conversion_pct", "Live-room conversion (%)"),
    ("add_to_cart_rate_pct", "Add-to-cart rate (%)"),
    ("avg_dwell_minutes", "Average dwell (minutes)"),
    ("repurchase_rate_30d_pct", "30-day repurchase (%)"),
    ("gmv_cny", "GMV (CNY)"),
    ("short_visit_share_pct", "Visits under 3 minutes (%)"),
)
HEADLINE = (
    "live_room_conversion_pct",
    "add_to_cart_rate_pct",
    "cart_to_pay_pct",
    "avg_dwell_minutes",
    "repurchase_rate_30d_pct",
    "gmv_cny",
    "aov_cny",
)
# The calibration monitor's metrics (livelake.kpi_catalog): predicted vs observed per tier.
MONITOR = ("scored_exposures", "predicted_conversion_pct", "observed_scored_conversion_pct")
TIERS = ("head", "mid", "long_tail", "unknown")
TIER_COLOURS = {"head": "#1565c0", "mid": "#8e24aa", "long_tail": "#00897b", "unknown": "#9e9e9e"}
DAY_MS = 86_400_000
# One colour and mark per gate verdict (`livelake.jobs.report.gate_verdict`).
VERDICT_COLOURS = {"passed": "#2e7d32", "passed with warnings": "#f9a825", "refused": "#c62828"}
VERDICT_MARKS = {"passed": "✓", "passed with warnings": "!", "refused": "✗"}


class DashboardError(LakeError):
    """The dashboard cannot be built; the message says which table is missing and why."""


@dataclass(frozen=True)
class GateCell:
    day: date
    stage: str
    failed: int
    warned: int
    evaluated: int
    run_id: str = ""
    href: str | None = None  # the run's evidence page, else the Data Docs index

    @property
    def verdict(self) -> Verdict:
        return gate_verdict(self.failed, self.warned)


def _read(name: str, lake_root: str) -> pl.DataFrame | None:
    try:
        return read_table(name, lake_root=lake_root)
    except LakeError:
        return None


def gate_status(results: pl.DataFrame) -> list[GateCell]:
    """One cell per (day, stage): the latest gate run's counts, hence its verdict."""
    import polars as pl

    latest = results.join(
        results.group_by("day", "stage").agg(pl.col("validated_at").max().alias("latest_at")),
        on=["day", "stage"],
    )
    latest_runs = latest.filter(pl.col("validated_at") == pl.col("latest_at")).select(
        "day", "stage", "run_id"
    )
    runs = results.join(latest_runs.unique(), on=["day", "stage", "run_id"])
    summary = runs.group_by("day", "stage", "run_id").agg(
        (~pl.col("success") & (pl.col("severity") == "error")).sum().alias("failed"),
        (~pl.col("success") & (pl.col("severity") != "error")).sum().alias("warned"),
        pl.len().alias("evaluated"),
    )
    cells = []
    for row in summary.sort("day", "stage").iter_rows(named=True):
        cells.append(
            GateCell(
                row["day"],
                row["stage"],
                row["failed"],
                row["warned"],
                row["evaluated"],
                row["run_id"],
            )
        )
    return cells


def _series(daily: pl.DataFrame, metric: str, breakdown: str = "all") -> pl.DataFrame:
    import polars as pl

    return daily.filter((pl.col("metric") == metric) & (pl.col("breakdown") == breakdown)).sort(
        "day"
    )


def _latest(daily: pl.DataFrame, metric: str) -> dict | None:
    rows = _series(daily, metric).tail(1).to_dicts()
    return rows[0] if rows else None


def funnel_figure(daily: pl.DataFrame, day: date) -> go.Figure:
    """Room visits -> paid on `day`, stacked by anchor tier; the carted visits in the title."""
    import plotly.graph_objects as go
    import polars as pl

    of_day = daily.filter(pl.col("day") == day)
    figure = go.Figure()
    for tier in TIERS:
        counts = []
        for metric, _ in FUNNEL:
            row = of_day.filter(
                (pl.col("metric") == metric)
                & (pl.col("breakdown") == "anchor_tier")
                & (pl.col("breakdown_value") == tier)
            )
            counts.append(row["value"][0] if row.height else 0)
        if not any(counts):
            continue
        figure.add_trace(
            go.Funnel(
                name=tier,
                y=[name for _, name in FUNNEL],
                x=counts,
                textinfo="value+percent initial",
                marker={"color": TIER_COLOURS[tier]},
            )
        )
    visits, paid = (_value(of_day, metric) for metric, _ in FUNNEL)
    carted = _value(of_day, "carted_visits")
    figure.update_layout(
        title=(
            f"Funnel on {day}: {visits:,.0f} room visits → {paid:,.0f} paid (stacked by anchor"
            f" tier); {carted:,.0f} visits added to cart"
        ),
        height=420,
        margin={"t": 60},
    )
    return figure


def _value(rows: pl.DataFrame, metric: str) -> float:
    import polars as pl

    found = rows.filter((pl.col("metric") == metric) & (pl.col("breakdown") == "all"))
    return (found["value"][0] or 0.0) if found.height else 0.0


def trends_figure(daily: pl.DataFrame, targets: pl.DataFrame | None) -> go.Figure:
    """Daily trend of the headline metrics, with every plan milestone as a dashed line."""
    import plotly.graph_objects as go
    import polars as pl
    from plotly.subplots import make_subplots

    columns = 2
    rows = (len(TREND_METRICS) + columns - 1) // columns
    figure = make_subplots(
        rows=rows, cols=columns, subplot_titles=[title for _, title in TREND_METRICS]
    )
    for i, (metric, title) in enumerate(TREND_METRICS):
        row, col = i // columns + 1, i % columns + 1
        series = _series(daily, metric)
        figure.add_trace(
            go.Scatter(
                x=series["day"].to_list(),
                y=series["value"].to_list(),
                mode="lines+markers",
                name=title,
                showlegend=False,
            ),
            row=row,
            col=col,
        )
        if targets is None or not series.height:
            continue
        for target in targets.filter(pl.col("metric") == metric).iter_rows(named=True):
            figure.add_trace(
                go.Scatter(
                    x=[series["day"].min(), series["day"].max()],
                    y=[target["target_value"]] * 2,
                    mode="lines",
                    line={"dash": "dash"},
                    name=f"{metric} target {target['milestone']}",
                    hovertext=target["source"],
                    showlegend=False,
                ),
                row=row,
                col=col,
            )
    figure.update_layout(
        title="Trends against plan targets (dashed)", height=320 * rows, margin={"t": 80}
    )
    figure.update_xaxes(tickformat="%b %d", dtick=DAY_MS)
    return figure


def tiers_figure(daily: pl.DataFrame) -> go.Figure:
    """Conversion and GMV per anchor tier, day by day."""
    import plotly.graph_objects as go
    import polars as pl
    from plotly.subplots import make_subplots

    figure = make_subplots(
        rows=1, cols=2, subplot_titles=["Live-room conversion (%) by tier", "GMV (CNY) by tier"]
    )
    for col, metric in ((1, "live_room_conversion_pct"), (2, "gmv_cny")):
        by_tier = _series(daily, metric, "anchor_tier")
        for tier in TIERS:
            one = by_tier.filter(pl.col("breakdown_value") == tier)
            if not one.height:
                continue
            kind = go.Scatter if col == 1 else go.Bar
            extra = {"mode": "lines+markers"} if col == 1 else {}
            figure.add_trace(
                kind(
                    x=one["day"].to_list(),
                    y=one["value"].to_list(),
                    name=tier,
                    legendgroup=tier,
                    marker={"color": TIER_COLOURS[tier]},
                    showlegend=col == 1,
                    **extra,
                ),
                row=1,
                col=col,
            )
    figure.update_layout(title="Anchor tiers", height=420, barmode="stack", margin={"t": 80})
    figure.update_xaxes(tickformat="%b %d", dtick=DAY_MS)
    return figure


def _figure_div(figure: go.Figure, div_id: str) -> str:
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"responsive": True, "displaylogo": False},  # the logo links to plotly.com
    )


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("share_pct", "rate_pct"):
        return f"{value:.2f}%"
    if unit == "cny":
        return f"¥{value:,.2f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _headline(daily: pl.DataFrame) -> str:
    tiles = []
    for metric in HEADLINE:
        row = _latest(daily, metric)
        if row is None:
            continue
        gap = ""
        if row["gap_to_target"] is not None:
            sign = "+" if row["gap_to_target"] >= 0 else ""
            gap = (
                f"<div class='gap'>target {_format(row['target_value'], row['unit'])} · "
                f"gap {sign}{row['gap_to_target']:.2f}</div>"
            )
        tiles.append(
            f"<div class='tile'><div class='name'>{html.escape(metric)}</div>"
            f"<div class='value'>{_format(row['value'], row['unit'])}</div>{gap}</div>"
        )
    return f"<div class='tiles'>{''.join(tiles)}</div>"


def _gate_strip(cells: list[GateCell] | None, details: str) -> str:
    if cells is None:
        return (
            "<p class='muted'>No quality results yet (<code>audit/quality_results</code> "
            "does not exist): the gates have not run on this lake.</p>"
        )
    days = sorted({c.day for c in cells})
    stages = sorted({c.stage for c in cells})
    by_key = {(c.day, c.stage): c for c in cells}
    head = "".join(f"<th>{d:%m-%d}</th>" for d in days)
    body = []
    for stage in stages:
        row = []
        for day in days:
            cell = by_key.get((day, stage))
            if cell is None:
                row.append("<td class='none'></td>")
                continue
            title = (
                f"{stage} {day}: {cell.verdict} — {cell.evaluated} expectations, "
                f"{verdict_counts(cell.failed, cell.warned)}"
            )
            mark = VERDICT_MARKS[cell.verdict]
            inner = f"<a href='{html.escape(cell.href)}'>{mark}</a>" if cell.href else mark
            row.append(
                f"<td class='gate' style='background:{VERDICT_COLOURS[cell.verdict]}' "
                f"title='{html.escape(title)}'>{inner}</td>"
            )
        body.append(f"<tr><th>{html.escape(stage)}</th>{''.join(row)}</tr>")
    return (
        f"<table class='strip' id='gate-strip'><tr><th>stage</th>{head}</tr>{''.join(body)}"
        f"</table>{details}"
    )


def _change(percent: float | None) -> str:
    return "—" if percent is None else f"{percent:+.1f}%"


def _metric_table(daily: pl.DataFrame, day: date) -> str:
    import polars as pl

    rows = daily.filter((pl.col("day") == day) & (pl.col("breakdown") == "all")).sort("metric")
    body = "".join(
        f"<tr><td>{html.escape(r['metric'])}</td><td>{_format(r['value'], r['unit'])}</td>"
        f"<td>{_format(r['target_value'], r['unit'])}</td>"
        f"<td>{_change(r['day_over_day_change_pct'])}</td></tr>"
        for r in rows.iter_rows(named=True)
    )
    return (
        "<table class='metrics'><tr><th>metric (overall)</th><th>value</th><th>target</th>"
        f"<th>vs day before</th></tr>{body}</table>"
    )


def _card_href(card: dict, here: Path) -> str:
    """The card page, relative to the dashboard's folder when it is a local file."""
    page = card["paths"].get("html") or card["paths"]["markdown"]  # older cards: no html
    return os.path.relpath(page, here) if Path(page).is_file() else page


def _model_line(card: dict, here: Path, role: str) -> str:
    m = card["metrics"]
    status = "accepted by the metric gate" if card["status"] == "published" else "REJECTED"
    reasons = "; ".join(card["metric_gate"]["reasons"])
    return (
        f"<li>{role}: <a href='{html.escape(_card_href(card, here))}'>"
        f"<code>{html.escape(card['model_id'])}</code> model card</a> — {status} · "
        f"AUC {m['auc']:.3f} · log-loss {m['log_loss']:.4f} · ECE {m['ece']:.4f}"
        + (f" · <span class='bad'>{html.escape(reasons)}</span>" if reasons else "")
        + "</li>"
    )


def _monitor_table(daily: pl.DataFrame) -> str:
    """Predicted vs observed conversion of the scored exposures per tier, on the latest day
    the model scored."""
    import polars as pl

    scored = daily.filter(
        (pl.col("metric") == MONITOR[0]) & (pl.col("breakdown") == "all") & (pl.col("value") > 0)
    )
    if not scored.height:
        return "<p class='muted'>No day has been scored by a published model yet.</p>"
    day = scored["day"].max()
    rows = daily.filter(
        (pl.col("day") == day)
        & pl.col("metric").is_in(MONITOR)
        & pl.col("breakdown").is_in(["all", "anchor_tier"])
    )
    cells = {(r["breakdown_value"], r["metric"]): r for r in rows.iter_rows(named=True)}
    body = "".join(
        f"<tr><td>{html.escape(tier)}</td>"
        + "".join(
            f"<td>{_format(cells[(tier, m)]['value'], cells[(tier, m)]['unit'])}</td>"
            if (tier, m) in cells
            else "<td>—</td>"
            for m in MONITOR
        )
        + "</tr>"
        for tier in ("all", *TIERS)
        if (tier, MONITOR[0]) in cells
    )
    return (
        f"<table class='metrics' id='calibration-monitor'><tr><th>anchor tier ({day})</th>"
        "<th>scored exposures</th><th>predicted conversion</th><th>observed conversion</th>"
        f"</tr>{body}</table>"
    )


def model_section(models_root: str, daily: pl.DataFrame, here: Path) -> str:
    """The published model's card and the newest model's (when another, e.g. rejected), and
    the calibration monitor."""
    from livelake.model.store import ModelStore

    store = ModelStore(models_root)
    published, newest = store.published_card(), store.newest_card()
    lines = []
    if published is not None:
        lines.append(_model_line(published, here, "Scoring with"))
    if newest is not None and (published is None or newest["model_id"] != published["model_id"]):
        lines.append(_model_line(newest, here, "Newest trained"))
    models = (
        f"<ul>{''.join(lines)}</ul>"
        if lines
        else f"<p class='muted'>No model trained under {html.escape(models_root)} yet.</p>"
    )
    if newest is not None and published is None:
        models += "<p>No model has been accepted: the daily runs score nothing.</p>"
    return models + _monitor_table(daily)


def experiments_section(lake_root: str, here: Path) -> str:
    """Each experiment's latest verdicts, linked to its report page (written beside the
    dashboard, in `experiments/`)."""
    import polars as pl

    from livelake.experiments.report import ReportError, experiments, latest, render

    try:
        found = experiments(lake_root)
    except ReportError:
        return "<p class='muted'>No experiment results in this lake.</p>"
    rows = []
    for data in found:
        d, now = data.definition, latest(data)
        page = here / "experiments" / f"{d['experiment_id']}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render(data), encoding="utf-8")
        primary = now.filter(pl.col("is_primary") & ~pl.col("is_control"))
        verdicts = ", ".join(f"{v}: {x}" for v, x in primary.select("variant", "decision").rows())
        srm = (
            " · <span class='bad'>sample ratio mismatch</span>"
            if now["sample_ratio_mismatch"][0]
            else ""
        )
        rows.append(
            f"<tr><td><a href='{html.escape(os.path.relpath(page, here))}'>"
            f"{html.escape(d['experiment_id'])}</a></td><td>{html.escape(d['unit_type'])}</td>"
            f"<td>{now['as_of_date'][0]}</td><td>{html.escape(verdicts)}{srm}</td></tr>"
        )
    return (
        "<table class='metrics' id='experiments'><tr><th>experiment</th><th>unit</th>"
        f"<th>as of</th><th>verdicts</th></tr>{''.join(rows)}</table>"
    )


def _gate_links(lake_root: str, cells: list[GateCell], here: Path) -> tuple[list[GateCell], str]:
    """Cells linked to their run's evidence page and the strip's footer of links, relative to
    the folder `here` of the page; a remote lake has no evidence pages, only Data Docs."""
    from livelake.jobs.quality.audit_index import write_reports
    from livelake.jobs.quality.evidence import evidence_page
    from livelake.jobs.quality.gx_context import is_local

    if not is_local(lake_root):
        docs = f"{lake_root.rstrip('/')}/reports/data_docs/index.html"
        footer = f"<p>Details per expectation: <a href='{html.escape(docs)}'>Data Docs</a></p>"
        return [replace(c, href=docs) for c in cells], footer
    _, index = write_reports(lake_root)
    docs = index.parent / "data_docs" / "index.html"
    docs_href = os.path.relpath(docs, here) if docs.is_file() else None
    linked = []
    for cell in cells:
        page = evidence_page(lake_root, cell.day, cell.run_id)
        linked.append(
            replace(cell, href=os.path.relpath(page, here) if page.is_file() else docs_href)
        )
    footer = f"<a href='{html.escape(os.path.relpath(index, here))}'>audit index</a>"
    if docs_href:
        footer += f" · <a href='{html.escape(docs_href)}'>Data Docs</a>"
    return linked, f"<p>Each cell links to its run's evidence page · {footer}</p>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { margin-bottom: 0; } .muted { color: #777; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.tile { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.tile .name { font-size: 12px; color: #666; } .tile .value { font-size: 24px; font-weight: 600; }
.tile .gap { font-size: 12px; color: #555; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.gate { color: white; text-align: center; } td.gate a { color: white; text-decoration: none; }
td.none { background: #eee; } .bad { color: #c62828; }
section { margin: 28px 0; }
"""


def render(
    daily: pl.DataFrame,
    targets: pl.DataFrame | None,
    gates: list[GateCell] | None,
    details: str = "",
    model: str = "",
    experiments: str = "",
) -> str:
    """The whole page as one HTML string (plotly.js inlined)."""
    from plotly.offline import get_plotlyjs

    latest = daily["day"].max()
    metrics = daily["metric"].n_unique()
    series = daily.select("metric", "breakdown", "breakdown_value").unique().height
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>livelake KPI dashboard</title>
<style>{STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head>
<body>
<h1>livelake · live-room KPIs</h1>
<p class="muted">{daily["day"].min()} – {latest} · {metrics} metrics · {series:,} series
(metric × breakdown value) from <code>gold/kpi_daily</code></p>
{_headline(daily)}
<section><h2>Quality gates per day</h2>{_gate_strip(gates, details)}</section>
<section><h2>Funnel</h2>{_figure_div(funnel_figure(daily, latest), "kpi-funnel")}</section>
<section><h2>Trends</h2>{_figure_div(trends_figure(daily, targets), "kpi-trends")}</section>
<section><h2>Anchor tiers</h2>{_figure_div(tiers_figure(daily), "kpi-tiers")}</section>
<section id="conversion-model"><h2>Conversion model</h2>{model}</section>
<section id="ab-experiments"><h2>A/B experiments</h2>{experiments}</section>
<section><h2>Every metric on {latest}</h2>{_metric_table(daily, latest)}</section>
</body></html>
"""


def build_dashboard(lake_root: str, out: Path, models_root: str | None = None) -> Path:
    """Read the KPI mart (and gate results) from `lake_root`, the model cards from
    `models_root` (default: the settings'), and write the page to `out`."""
    from livelake.config import settings

    daily = _read("gold/kpi_daily", lake_root)
    if daily is None or daily.is_empty():
        raise DashboardError(
            f"gold/kpi_daily has no rows under {lake_root}: run the pipeline first "
            "(`livelake run --day YYYY-MM-DD` or `make demo`)"
        )
    results = _read("audit/quality_results", lake_root)
    gates = gate_status(results) if results is not None and results.height else None
    details = ""
    if gates:
        gates, details = _gate_links(lake_root, gates, out.parent.absolute())
    model = model_section(
        models_root or settings().resolved_models_root, daily, out.parent.absolute()
    )
    tests = experiments_section(lake_root, out.parent.absolute())
    page = render(daily, _read("gold/kpi_targets", lake_root), gates, details, model, tests)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
