"""The KPI dashboard: built from a published mart, it opens in headless Chromium with a
drawn funnel and trend charts, a gate strip, and no JavaScript errors."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from livelake.dashboard import DashboardError, build_dashboard
from livelake.jobs.gold.kpi import metric_rows, target_rows
from livelake.lake import RunContext
from livelake.lake.tables.audit import QUALITY_RESULTS
from livelake.lake.tables.kpi import KPI_DAILY, KPI_TARGETS
from livelake.model.store import ModelStore
from tests.browser import crawl, needs_chromium
from tests.publication import mark_published

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DAYS = [date(2026, 1, 1) + timedelta(days=i) for i in range(4)]
PLOTS = ("kpi-funnel", "kpi-trends", "kpi-tiers")


def _amounts(i: int) -> dict[tuple[str, str, str], float]:
    """A small funnel that grows day by day, overall and for two anchor tiers."""
    amounts = {}
    for breakdown, value, visitors in (
        ("all", "all", 1000 + 100 * i),
        ("anchor_tier", "head", 600 + 60 * i),
        ("anchor_tier", "long_tail", 400 + 40 * i),
    ):
        for measure, share in (
            ("room_visits", 1.0),
            ("carted_visits", 0.2),
            ("paying_visits", 0.03 + 0.005 * i),
            ("completed_visits", 1.5),
            ("watch_minutes", 8.0),
            ("gmv_cny", 5.0),
            ("orders_paid", 0.04),
            ("scored_exposures", 0.5),  # the calibration monitor
            ("predicted_conversions", 0.02),
            ("observed_conversions", 0.025),
        ):
            amounts[(measure, breakdown, value)] = round(visitors * share)
    return amounts


@pytest.fixture
def published(lake, lake_root) -> Path:
    run = RunContext(job="test")
    previous: dict = {}
    for i, day in enumerate(DAYS):
        rows = metric_rows(_amounts(i), day, "r", previous)
        lake.append_records(KPI_DAILY, rows, run)
        previous = {(r["metric"], r["breakdown"], r["breakdown_value"]): r["value"] for r in rows}
    lake.append_records(
        QUALITY_RESULTS,
        [
            {
                "run_id": f"run-{day}",
                "day": day,
                "stage": stage,
                "table_name": "gold/kpi_daily",
                "table_version": 1,
                "suite": "gold.kpi_daily",
                "expectation": "expect_column_values_to_be_between",
                "severity": severity,
                "success": success,
                "validated_at": datetime(2026, 1, 5, tzinfo=UTC),
            }
            for day in DAYS
            for stage, severity, success in (
                ("kpi", "error", day != DAYS[2]),
                ("silver", "warn", day != DAYS[1]),
            )
        ],
        run,
    )
    lake.append_records(KPI_TARGETS, target_rows("r"), run)
    for table in (KPI_DAILY, KPI_TARGETS):
        mark_published(lake, table, DAYS[-1])
    docs = lake_root / "reports" / "data_docs"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<html>Data Docs</html>")
    return lake_root


def test_the_page_shows_the_funnel_trends_tiers_and_gate_strip(published, tmp_path):
    page = build_dashboard(str(published), tmp_path / "dashboard.html").read_text()
    for div in ("kpi-funnel", "kpi-trends", "kpi-tiers", "gate-strip"):
        assert f'id="{div}"' in page or f"id='{div}'" in page
    assert "Plotly.newPlot" in page and "<script src" not in page  # plotly.js inline: offline
    strip = page[page.index("id='gate-strip'") :]
    assert strip.count("background:#c62828") == 1  # the kpi gate failed on one day
    assert strip.count("background:#f9a825") == 1  # silver warned on one day


def test_each_gate_cell_links_to_the_evidence_page_of_its_run(published, tmp_path):
    out = tmp_path / "site" / "dashboard.html"
    page = build_dashboard(str(published), out).read_text()
    strip = page[page.index("id='gate-strip'") :]
    cells = re.findall(r"<td class='gate'[^>]*><a href='([^']+)'>", strip)
    assert len(cells) == len(DAYS) * 2  # kpi and silver, every day
    for day in DAYS:
        href = f"../lake/reports/evidence/{day}/run-{day}.html"
        assert cells.count(href) == 2, cells  # both stages ran in run-<day>
        assert (out.parent / href).is_file()
    footer = re.findall(r"href='([^']+)'", strip[strip.index("</table>") :])
    assert footer == ["../lake/reports/index.html", "../lake/reports/data_docs/index.html"]
    assert all((out.parent / href).is_file() for href in footer)


def _card(store: ModelStore, model_id: str, status: str, reasons: list[str]) -> dict:
    """A card as the trainer writes it (the fields the dashboard shows), with its page."""
    card = {
        "model_id": model_id,
        "status": status,
        "created_at": f"{model_id[:8]}T04:00:00+00:00",
        "metrics": {"auc": 0.75, "log_loss": 0.0151, "ece": 0.0042},
        "metric_gate": {"passed": not reasons, "reasons": reasons},
        "paths": {"html": store.path(model_id, "model_card.html")},
    }
    store.write(json.dumps(card).encode(), model_id, "model_card.json")
    store.write(b"<!DOCTYPE html><title>card</title>", model_id, "model_card.html")
    return card


def test_the_model_section_links_both_cards_and_holds_predictions_against_outcomes_per_tier(
    published, tmp_path
):
    store = ModelStore(str(tmp_path / "models"))
    store.publish(_card(store, "20260105T040000Z-v3", "published", []))
    reason = "log_loss_vs_base_rate: log-loss 0.01551 is 0.935× ... (must be ≤ 0.9)"
    _card(store, "20260112T040000Z-v9", "rejected", [reason])
    out = tmp_path / "site" / "dashboard.html"

    page = build_dashboard(str(published), out, str(tmp_path / "models")).read_text()

    section = page[page.index('id="conversion-model"') :]
    links = re.findall(r"<li>([^:]+): <a href='([^']+)'>", section)
    assert links == [
        ("Scoring with", "../models/conversion_baseline/20260105T040000Z-v3/model_card.html"),
        ("Newest trained", "../models/conversion_baseline/20260112T040000Z-v9/model_card.html"),
    ]
    assert all((out.parent / href).is_file() for _, href in links)
    assert "accepted by the metric gate · AUC 0.750 · log-loss 0.0151 · ECE 0.0042" in section
    assert "REJECTED · AUC 0.750 · log-loss 0.0151 · ECE 0.0042 · <span class='bad'>" in section
    assert "log_loss_vs_base_rate: log-loss 0.01551 is 0.935×" in section
    # The last day: 1,300 visits overall, 780 head, 520 long tail; half of them scored.
    monitor = section[section.index("id='calibration-monitor'") : section.index("</table>")]
    rows = re.findall(
        r"<tr><td>(\w+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>", monitor
    )
    assert rows == [
        ("all", "650", "4.00%", "4.92%"),  # 26 and 32 (round half to even) of 650
        ("head", "390", "4.10%", "5.13%"),  # 16 and 20 of 390
        ("long_tail", "260", "3.85%", "5.00%"),  # 10 and 13 of 260
    ]


def test_without_a_mart_the_error_says_what_to_run(lake_root, tmp_path):
    with pytest.raises(DashboardError, match="livelake run"):
        build_dashboard(str(lake_root), tmp_path / "dashboard.html")


@needs_chromium
def test_the_dashboard_renders_offline_in_headless_chromium_without_js_errors(published, tmp_path):
    page = build_dashboard(str(published), tmp_path / "reports" / "dashboard.html")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    drawn = {plot: f"#{plot} path, #{plot} rect, #{plot} text" for plot in PLOTS}

    (check,) = crawl([page], {page: shot}, count=tuple(drawn.values()), viewport=(1280, 2600))

    assert (check.failed, check.errors) == ([], [])
    assert not check.broken_links(), check.broken_links()
    assert all(check.counts[drawn[plot]] > 20 for plot in PLOTS), check.counts
    assert shot.stat().st_size > 50_000
