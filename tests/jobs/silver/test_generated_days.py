"""Silver against the generator's ground truth: every injected defect lands where it must.

Two small generated days go through bronze and silver; each delivery's `_manifest.json`
says which defects it carries (`defect_counts`) and how many clean rows silver must reach
(`expected_clean_rows`). Quarantine reasons, duplicate drops and silver counts must equal it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from livelake.experiments.metrics import METRICS, SHORT_VISIT_SECONDS, SILVER_INPUTS
from livelake.experiments.report import write_reports
from livelake.generator import GeneratorConfig
from livelake.generator.experiments import DEMO_EXPERIMENTS
from livelake.jobs.bronze import ingest
from livelake.jobs.gold import experiments as experiments_stage
from livelake.jobs.silver import stage
from livelake.lake.published import published_versions
from livelake.lake.read import read_table
from livelake.lake.tables.silver import EXPORTS, SILVER, STREAMS
from tests.browser import crawl, needs_chromium
from tests.generated_lake import generated_lake

START, DAYS = date(2026, 1, 1), 2
REASON_OF_KIND = {
    "null_fk": "null_key",
    "unknown_fk": "unknown_fk",
    "malformed_json": "malformed",
    "truncated_csv": "malformed",
    "too_late": "too_late",
    "clock_skew": "clock_skew",
    "negative_amount": "negative_amount",
    "absurd_amount": "out_of_range",
    "assigned_twice": "conflicting_assignment",
    "exposed_before_start": "outside_window",
    "reassigned_later": "conflicting_assignment",
}
DUPLICATE_KINDS = ("duplicate_exact", "resent_event_id")


@pytest.fixture(scope="module")
def generated(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    config = GeneratorConfig(
        start=START,
        days=DAYS,
        users=150,
        events_per_day=1_500,
        seed=11,
        experiments=DEMO_EXPERIMENTS,
    )
    ctx = generated_lake(spark, root, config)
    manifests = {}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        assert ingest.run(ctx, day).status == "ok"
        report = stage.run(ctx, day)
        assert report.status == "ok", report.message
        path = root / "landing" / "platform" / f"dt={day.isoformat()}" / "_manifest.json"
        manifests[day] = json.loads(path.read_text())
    return ctx, manifests


def table(ctx, name: str) -> pl.DataFrame:
    return read_table(name, lake_root=ctx.settings.lake_root)


def test_quarantine_reasons_and_duplicates_equal_the_injected_defects(generated):
    ctx, manifests = generated
    recon = table(ctx, "audit/reconciliation")
    assert recon["balanced"].all()
    for day, manifest in manifests.items():
        for name in (*STREAMS, *EXPORTS):
            kinds = manifest["defect_counts"].get(name, {})
            expected = Counter()
            for kind, n in kinds.items():
                if kind in REASON_OF_KIND:
                    expected[REASON_OF_KIND[kind]] += n
            quarantine = table(ctx, f"quarantine/{name}").filter(pl.col("delivery_date") == day)
            assert Counter(quarantine["reason"].to_list()) == expected, (day, name)
            if name in STREAMS:
                row = recon.filter(
                    (pl.col("delivery_date") == day) & (pl.col("table_name") == f"silver/{name}")
                )
                duplicates = sum(kinds.get(k, 0) for k in DUPLICATE_KINDS)
                assert row["duplicates_dropped"].to_list() == [duplicates], (day, name)


def test_silver_counts_equal_the_generated_clean_rows(generated):
    ctx, manifests = generated
    recon = table(ctx, "audit/reconciliation")
    expected_events: dict[str, Counter] = defaultdict(Counter)
    for day, manifest in manifests.items():
        for name, per_day in manifest["expected_clean_rows"].items():
            if name in STREAMS:
                expected_events[name].update(per_day)
                continue
            row = recon.filter(
                (pl.col("delivery_date") == day) & (pl.col("table_name") == f"silver/{name}")
            )
            clean_lines = row.select(pl.col("published") + pl.col("duplicates_dropped"))
            assert clean_lines.to_series().to_list() == [per_day[day.isoformat()]], (day, name)
    for name in STREAMS:
        silver = table(ctx, f"silver/{name}").group_by("event_date").len()
        actual = {d.isoformat(): n for d, n in silver.rows()}
        assert actual == dict(expected_events[name]), name


def test_assignments_reach_silver_with_the_generators_variants(generated):
    ctx, _ = generated
    silver = table(ctx, "silver/assignments")
    assert silver.height > 0
    assert silver.select("experiment_id", "unit_id").is_duplicated().sum() == 0
    for experiment in DEMO_EXPERIMENTS:
        mine = silver.filter(pl.col("experiment_id") == experiment.experiment_id)
        names = [v.name for v in experiment.variants]
        drawn = [names[i] for i in experiment.variant_of(mine["unit_id"].to_list())]
        assert mine["variant"].to_list() == drawn, experiment.experiment_id


def _independent_counts(ctx, as_of: date) -> pl.DataFrame:
    """Per experiment × variant: units and the metric counts, from silver with Polars."""
    end = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    experiments = table(ctx, "silver/experiments").select("experiment_id", "unit_type", "end_at")
    assigned = (
        table(ctx, "silver/assignments")
        .filter(pl.col("exposed_at") < end)
        .join(experiments, on="experiment_id")
    )
    views = table(ctx, "silver/views").filter(pl.col("event_type") == "leave")
    paid = table(ctx, "silver/orders").filter(pl.col("event_type") == "paid")
    cases = table(ctx, "silver/after_sales").select("order_id").join(paid, on="order_id")
    counts = []
    for name, rows, value in (
        ("visits", views, pl.lit(1)),
        ("dwell_seconds", views, pl.col("dwell_seconds").fill_null(0)),
        (
            "short_visits",
            views,
            (pl.col("dwell_seconds").fill_null(0) < SHORT_VISIT_SECONDS).cast(pl.Int64),
        ),
        ("paid_orders", paid, pl.lit(1)),
        ("after_sales_cases", cases, pl.lit(1)),
    ):
        per_unit = []
        for unit_type, column in (("live_session", "session_id"), ("user", "user_id")):
            joined = assigned.filter(pl.col("unit_type") == unit_type).join(
                rows.select(pl.col(column).alias("unit_id"), "event_time", value.alias("v")),
                on="unit_id",
            )
            inside = (pl.col("event_time") >= pl.col("exposed_at")) & (
                pl.col("event_time") < pl.min_horizontal("end_at", pl.lit(end))
            )
            per_unit.append(joined.filter(inside).select("experiment_id", "variant", "v"))
        counts.append(
            pl.concat(per_unit).group_by("experiment_id", "variant").agg(pl.sum("v").alias(name))
        )
    result = assigned.group_by("experiment_id", "variant").len("units")
    for frame in counts:
        result = result.join(frame, on=["experiment_id", "variant"], how="left").fill_null(0)
    return result


@pytest.fixture(scope="module")
def analysed(generated):
    """The lake after the experiments stage ran for the last day."""
    ctx, _ = generated
    report = experiments_stage.run(ctx, START + timedelta(days=DAYS - 1))
    assert report.status == "ok", report.message
    return ctx


def test_experiment_results_count_what_silver_holds(analysed):
    ctx = analysed
    last = START + timedelta(days=DAYS - 1)
    results = table(ctx, "gold/experiment_results").filter(pl.col("as_of_date") == last)
    expected = _independent_counts(ctx, last)
    assert results["experiment_id"].n_unique() == len(DEMO_EXPERIMENTS)
    for row in results.iter_rows(named=True):
        mine = expected.filter(
            (pl.col("experiment_id") == row["experiment_id"])
            & (pl.col("variant") == row["variant"])
        ).row(0, named=True)
        metric = METRICS[row["metric"]]
        assert row["units"] == mine["units"], row
        assert row["numerator"] == mine[metric.numerator], row
        denominator = mine[metric.denominator] if metric.is_ratio else mine["units"]
        assert row["denominator"] == denominator, row
    decided = results.filter(~pl.col("is_control"))
    assert set(decided["decision"]) <= {"ship", "no ship", "inconclusive", "invalid"}
    assert decided["p_value"].drop_nulls().is_between(0, 1).all()


@needs_chromium
def test_the_experiment_reports_open_offline_with_their_charts(analysed, tmp_path):
    ctx = analysed
    pages = write_reports(ctx.settings.lake_root, tmp_path)
    assert sorted(p.stem for p in pages) == sorted(e.experiment_id for e in DEMO_EXPERIMENTS)
    for check in crawl(pages, count=(".js-plotly-plot", "#metrics tr", "#decision li")):
        assert not check.failed and not check.errors and not check.broken_links(), check
        assert check.counts[".js-plotly-plot"] == 2  # lift over time, funnel
        variants = next(e for e in DEMO_EXPERIMENTS if e.experiment_id == check.page.stem).variants
        assert check.counts["#metrics tr"] == 1 + len(variants) * len(METRICS)
        assert check.counts["#decision li"] == len(variants) - 1
    published = published_versions(ctx.settings.lake_root)
    for page in pages:  # the versions of what the results were computed from
        text = page.read_text()
        for name in (SILVER[n].qualified_name for n in SILVER_INPUTS):
            assert f"<code>{name}</code> version {published[name]}" in text, name


def test_the_cli_lists_and_shows_the_experiments(analysed, tmp_path, monkeypatch, request):
    from typer.testing import CliRunner

    from livelake.cli import app
    from livelake.config import settings

    ctx = analysed
    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", ctx.settings.lake_root)
    settings.cache_clear()  # the CLI reads the settings of this lake
    request.addfinalizer(settings.cache_clear)  # and later tests those of theirs
    runner = CliRunner()
    listed = runner.invoke(app, ["experiments", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    for experiment in DEMO_EXPERIMENTS:
        assert experiment.experiment_id in listed.output
    shown = runner.invoke(
        app,
        ["experiments", "show", "script_hook_v2", "--out", str(tmp_path)],
        env={"COLUMNS": "200"},
    )
    assert shown.exit_code == 0, shown.output
    assert "conversion_per_visit" in shown.output and "hook:" in shown.output
    assert (tmp_path / "script_hook_v2.html").is_file()
    unknown = runner.invoke(app, ["experiments", "show", "nope"])
    assert unknown.exit_code == 1
    assert "no results for experiment 'nope'" in unknown.output
