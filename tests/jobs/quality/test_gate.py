"""The default gate on real Spark, GE and Delta: bad staged data publishes nothing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from livelake.jobs.publish import GateFailedError, publish
from livelake.lake import RunContext
from livelake.lake.read import read_arrow
from livelake.lake.tables.audit import PUBLISHED_RUNS, QUALITY_RESULTS
from livelake.lake.tables.silver import VIEWS
from tests.jobs.quality.view_rows import DAY, view_row


def _publish_views(ctx, rows, views_frame, day=DAY):
    staged = ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [day])
    return publish(ctx.job("silver", day), "silver", day, [staged])


def _refused(ctx, rows, views_frame, day=DAY) -> str:
    staged = ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [day])
    before = ctx.lake.version(VIEWS)  # staging creates the table (empty) on first use
    with pytest.raises(GateFailedError) as refused:
        publish(ctx.job("silver", day), "silver", day, [staged])
    assert ctx.lake.version(VIEWS) == before, "a refused stage must not publish"
    assert not refused.value.verdict.passed
    return "\n".join(refused.value.verdict.failures)


def test_a_clean_stage_publishes_one_version_and_records_every_result(job_ctx, views_frame):
    rows = [view_row(f"e{i}", line_number=i) for i in range(1, 5)]
    staged = job_ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [DAY])
    before = job_ctx.lake.version(VIEWS)
    publication = publish(job_ctx, "silver", DAY, [staged])

    assert publication.gate.passed and publication.gate.suites == 1
    assert job_ctx.lake.version(VIEWS) == before + 1
    assert [c.rows_added for c in publication.commits] == [4]
    runs = read_arrow(PUBLISHED_RUNS).to_pylist()
    assert [(r["table_name"], r["rows"]) for r in runs] == [("silver/views", 4)]
    results = read_arrow(QUALITY_RESULTS).to_pylist()
    # 15 + freshness; the references are not checked: no dimension is published or staged
    assert len(results) == publication.gate.expectations == 16
    assert {r["suite"] for r in results} == {"silver.views"}
    assert all(r["success"] for r in results)
    assert {r["run_id"] for r in results} == {job_ctx.run.run_id}


def test_duplicated_keys_block_the_stage_and_name_the_key(job_ctx, views_frame):
    rows = [view_row("e1"), view_row("e1", line_number=7), view_row("e2")]
    failures = _refused(job_ctx, rows, views_frame)
    assert "silver/views: expect_column_values_to_be_unique(event_id) [error]" in failures
    assert "2 rows of 3" in failures and "'e1'" in failures
    assert "views-2026-01-02T10.jsonl.gz:7" in failures


def test_a_null_key_blocks_the_stage(job_ctx, views_frame):
    failures = _refused(job_ctx, [view_row("e1"), view_row(None)], views_frame)
    assert "expect_column_values_to_not_be_null(event_id) [error]" in failures


def test_a_value_out_of_range_blocks_the_stage(job_ctx, views_frame):
    rows = [view_row("e1"), view_row("e2", dwell_seconds=-5), view_row("e3", event_type="teleport")]
    failures = _refused(job_ctx, rows, views_frame)
    assert "expect_column_values_to_be_between(dwell_seconds) [error]" in failures
    assert "-5" in failures
    assert "expect_column_values_to_be_in_set(event_type) [error]" in failures


def test_a_table_too_wide_for_the_gates_memory_is_judged_in_pieces_with_the_same_verdicts(
    job_ctx, views_frame
):
    rows = [view_row("e1"), view_row("e1", line_number=7), view_row("e2", dwell_seconds=-5)]
    whole = _refused(job_ctx, rows, views_frame)
    # 0.0001 MB is 104 bytes: four columns of these three rows, so the suite goes in pieces.
    narrow = replace(
        job_ctx,
        settings=job_ctx.settings.model_copy(update={"gate_frame_mb": 1e-4}),
        run=RunContext(job=job_ctx.run.job, day=DAY),
    )
    assert sorted(_refused(narrow, rows, views_frame).splitlines()) == sorted(whole.splitlines())

    by_run: dict[str, list] = {job_ctx.run.run_id: [], narrow.run.run_id: []}
    for r in read_arrow(QUALITY_RESULTS).to_pylist():
        # A piece that passes is decided without details (`validate.result_format`), so only
        # a failure's count of unexpected rows is compared.
        count = None if r["success"] else r["unexpected_count"]
        by_run[r["run_id"]].append((r["suite"], (r["expectation"], r["column_name"], count)))
    first, second = by_run[job_ctx.run.run_id], by_run[narrow.run.run_id]
    assert {suite for suite, _ in first} == {"silver.views"}
    pieces = {suite for suite, _ in second}
    assert len(pieces) > 2 and all(re.fullmatch(r"silver\.views\.part\d+", s) for s in pieces)
    assert sorted(v for _, v in second) == sorted(v for _, v in first)
    assert sorted(c for _, (_, _, c) in second if c is not None) == [1, 2]  # the range, the key


def test_a_collapsed_day_is_refused_against_the_previous_publication(job_ctx, views_frame):
    day1 = DAY - timedelta(days=1)
    full = [
        view_row(
            f"d1-{i}", event_date=day1, event_time=view_row("x")["event_time"] - timedelta(days=1)
        )
        for i in range(20)
    ]
    _publish_views(job_ctx, full, views_frame, day1)
    # late rows for the previous day do not hide the collapse of the day itself
    late = [
        view_row(f"late-{i}", event_date=day1, event_time=full[0]["event_time"]) for i in range(30)
    ]
    failures = _refused(job_ctx, [view_row("e1"), view_row("e2"), *late], views_frame)
    assert "expect_table_row_count_to_be_between [error]" in failures
    assert "observed 2" in failures and "20 rows for 2026-01-01" in failures


def test_a_warning_is_recorded_but_publishes(job_ctx, views_frame, monkeypatch, tmp_path):
    folder = tmp_path / "suites" / "silver"
    folder.mkdir(parents=True)
    (folder / "views.json").write_text(
        '{"name": "silver.views", "expectations": [{"type": "expect_column_values_to_be_in_set",'
        ' "kwargs": {"column": "channel", "value_set": ["feed"]}, "meta": {"severity": "warn"}}]}'
    )
    monkeypatch.setenv("LIVELAKE_EXPECTATIONS_DIR", str(tmp_path / "suites"))
    from livelake.config import settings
    from livelake.jobs.context import JobContext

    settings.cache_clear()
    ctx = JobContext.create(settings(), job="test.gates", spark=job_ctx.spark).job("silver", DAY)
    publication = _publish_views(
        ctx, [view_row("e1"), view_row("e2", channel="search")], views_frame
    )
    assert publication.gate.passed
    assert publication.gate.failed_warning == 1
    assert ctx.lake.version(VIEWS) is not None
    warned = [r for r in read_arrow(QUALITY_RESULTS).to_pylist() if not r["success"]]
    assert [(r["expectation"], r["severity"], r["unexpected_count"]) for r in warned] == [
        ("expect_column_values_to_be_in_set", "warn", 1)
    ]


def test_a_stage_of_several_tables_publishes_none_when_one_fails(job_ctx, views_frame):
    from livelake.lake.tables.silver import LIVE_SESSIONS

    start = view_row("x")["event_time"]
    session = {
        "session_id": "s1",
        "anchor_id": "a1",
        "category": "beauty",
        "title": "t",
        "scheduled_start": None,  # not announced
        "started_at": start,
        "ended_at": start + timedelta(hours=2),
        "session_date": DAY,
        "updated_at": start,
        **{
            k: view_row("x")[k]
            for k in (
                "source",
                "delivery_date",
                "source_file",
                "line_number",
                "extra_fields",
                "run_id",
            )
        },
    }
    sessions = job_ctx.spark.createDataFrame(
        [[session[c] for c in LIVE_SESSIONS.column_names]], LIVE_SESSIONS.spark_schema()
    )
    good = job_ctx.lake.stage(LIVE_SESSIONS, sessions, "replace_partitions", [DAY])
    bad = job_ctx.lake.stage(
        VIEWS, views_frame([view_row("e1"), view_row("e1")]), "replace_partitions", [DAY]
    )
    versions = (job_ctx.lake.version(LIVE_SESSIONS), job_ctx.lake.version(VIEWS))
    with pytest.raises(GateFailedError) as refused:
        publish(job_ctx, "silver", DAY, [good, bad])
    assert (job_ctx.lake.version(LIVE_SESSIONS), job_ctx.lake.version(VIEWS)) == versions
    assert refused.value.verdict.suites == 2
    assert all(f.startswith("silver/views:") for f in refused.value.verdict.failures)
    # The table that passed its suite says so on its Data Docs page, and that its stage was not.
    (page,) = {
        json.loads(r["details"])["data_docs_page"]
        for r in read_arrow(QUALITY_RESULTS).to_pylist()
        if r["suite"] == "silver.live_sessions"
    }
    text = " ".join(re.sub(r"<[^>]+>", " ", Path(page).read_text()).split())
    assert re.search(
        r"Verdict: passed (with warnings )?\(0 blocking failures, \d+ warnings?\) "
        r"Gate: stage silver refused \([1-9]\d* blocking failures?,",
        text,
    )
