"""Batch scoring: the published model's scores of day D, from features as of D-1, gated; and
nothing published, with the reason, while no model has been accepted."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow.compute as pc
import pytest

from livelake.jobs.quality.audit_index import write_reports
from livelake.jobs.quality.evidence import evidence_page
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import PUBLISHED_RUNS
from livelake.lake.tables.gold import CONVERSION_SCORES, TRAINING_EXAMPLES
from livelake.model import score
from livelake.model.card import render_html
from livelake.model.data import read_training_examples
from livelake.model.store import ModelStore
from livelake.model.train import prepare_features
from tests.browser import crawl, needs_chromium
from tests.jobs.gold.world import D2, D3
from tests.model.training_lake import accepted_model


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    return accepted_model(tmp_path_factory.mktemp("scoring"))


def _with_models(ctx, root: Path):
    return replace(ctx, settings=ctx.settings.model_copy(update={"models_root": str(root)}))


def test_scores_of_d_are_the_published_models_predictions_from_features_of_d_minus_1(
    copy_ctx, models
):
    ctx = _with_models(copy_ctx, models)
    store = ModelStore(str(models))
    card = store.published_card()

    report = score.run(ctx, D3)

    assert report.status == "ok", report.message
    assert report.gate is not None and report.gate.passed
    rows = read_arrow(CONVERSION_SCORES).to_pylist()
    assert {(r["user_id"], r["session_id"], r["product_id"]) for r in rows} == {
        ("u1", "s3", "p1"),
        ("u2", "s3", "p1"),
    }
    assert {(r["session_date"], r["as_of_date"], r["anchor_id"]) for r in rows} == {(D3, D2, "a1")}
    assert {r["model_id"] for r in rows} == {card["model_id"]}
    assert {r["model_card"] for r in rows} == {card["paths"]["html"]}
    assert Path(card["paths"]["html"]).is_file()
    # D3's training examples carry the features as of D2: the model on them gives the scores.
    version = max(r["version"] for r in _published(ctx, TRAINING_EXAMPLES.qualified_name))
    examples = read_training_examples(str(ctx.settings.lake_root), version)
    examples = examples[examples["example_date"] == D3].set_index(["user_id", "product_id"])
    saved = store.load_model(card["model_id"])
    expected = saved["model"].predict_proba(prepare_features(examples, saved["features"]))[:, 1]
    got = {(r["user_id"], r["product_id"]): r["score"] for r in rows}
    assert [got[key] for key in examples.index] == pytest.approx(list(expected), abs=1e-12)
    published = _published(ctx, CONVERSION_SCORES.qualified_name)
    assert [(r["stage"], r["version"]) for r in published] == [("score", report.tables[0].version)]
    assert "2 exposures of 2026-03-03 scored by model" in report.message


def _published(ctx, table_name: str) -> list[dict]:
    rows = read_arrow(
        PUBLISHED_RUNS, filter=pc.field("table_name") == table_name, lake_root=ctx.lake.lake_root
    ).to_pylist()
    return [{**r, "version": r["table_version"]} for r in rows]


def test_without_an_accepted_model_nothing_is_scored_and_the_stage_says_why(copy_ctx, tmp_path):
    store = ModelStore(str(tmp_path / "models"))
    gate = {"passed": False, "reasons": ["auc_floor: test AUC 0.5100 (must be ≥ 0.6)"]}
    card = {"model_id": "20260310T040000Z-v3", "status": "rejected", "metric_gate": gate}
    store.write(json.dumps(card).encode(), card["model_id"], "model_card.json")

    report = score.run(_with_models(copy_ctx, tmp_path / "models"), D3)

    assert report.status == "nothing_to_do"
    assert report.message == (
        "not scored: the metric gate accepted no model yet; the newest, 20260310T040000Z-v3, "
        "was rejected: auc_floor: test AUC 0.5100 (must be ≥ 0.6)"
    )
    assert not copy_ctx.lake.exists(CONVERSION_SCORES)


@needs_chromium
def test_the_evidence_page_of_the_scoring_run_links_the_model_card_and_both_open_offline(
    copy_ctx, models
):
    ctx = _with_models(copy_ctx, models)
    card = ModelStore(str(models)).published_card()
    assert score.run(ctx, D3).status == "ok"

    write_reports(str(ctx.settings.lake_root))

    page = evidence_page(str(ctx.settings.lake_root), D3, ctx.run.run_id)
    text = page.read_text()
    assert "Conversion model that scored the day" in text
    assert f"<code>{card['model_id']}</code>" in text
    card_page = Path(card["paths"]["html"])
    evidence, card_check = crawl(
        [page, card_page], count=("a[href$='model_card.html']", "img", ".verdict.accepted")
    )
    assert (evidence.failed, evidence.errors, evidence.broken_links()) == ([], [], [])
    assert evidence.counts["a[href$='model_card.html']"] == 1
    assert card_page.resolve().as_uri() in evidence.links
    assert (card_check.failed, card_check.errors, card_check.broken_links()) == ([], [], [])
    assert card_check.counts["img"] == 1  # the reliability plot, beside the card
    assert card_check.counts[".verdict.accepted"] == 1


def test_a_rejected_models_page_says_so_first_with_its_reasons(models):
    card = ModelStore(str(models)).published_card()
    reason = (
        "ece_bound: expected calibration error 0.03100 over 10 equal-count bins (must be ≤ 0.02)"
    )
    card["status"] = "rejected"
    card["metric_gate"] = {**card["metric_gate"], "passed": False, "reasons": [reason]}

    page = render_html(card)

    banner = page[page.index("<body>") :].split("</p>", 1)[0]
    assert banner == (
        '<body>\n<p class="verdict rejected">Rejected by the metric gate, not published: '
        "ece_bound: expected calibration error 0.03100 over 10 equal-count bins (must be ≤ 0.02)"
    )
    assert "<strong>Verdict: REJECTED</strong>" in page  # and in the gate section, per check


def test_a_model_needing_features_the_snapshots_lack_is_refused_naming_them(spark):
    candidates = spark.createDataFrame(
        [("u1", "s1", "p1", "a1", 1.0)],
        "user_id string, session_id string, product_id string, anchor_id string, "
        "user__visits_7d double",
    )

    with pytest.raises(score.MissingFeaturesError) as refused:
        score.scores(candidates, None, ["user__visits_7d", "user__gone_7d"], D3, "m1", "card", "r")

    assert str(refused.value) == (
        "model m1 uses 1 feature(s) the snapshots of 2026-03-02 lack: user__gone_7d — retrain "
        "it (livelake_weekly_train) on the current features"
    )
