"""Foreign keys into dimensions, checked by the gate: an unknown key blocks the stage."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from livelake.jobs.publish import GateFailedError, publish
from livelake.jobs.quality.frame import with_markers
from livelake.jobs.quality.references import Reference
from livelake.lake.registry import table as lookup
from livelake.lake.tables.silver import USERS, VIEWS
from tests.jobs.quality.view_rows import DAY, view_row


def _users(spark, *user_ids: str):
    """`silver/users` rows (current versions) for the given ids."""
    updated = datetime(2026, 1, 1, tzinfo=UTC)
    base = view_row("x")
    rows = [
        {
            **{c: None for c in USERS.column_names},
            "user_id": user_id,
            "updated_at": updated,
            "valid_from": updated,
            "is_current": True,
            **{k: base[k] for k in ("source", "delivery_date", "source_file", "run_id")},
            "line_number": i,
        }
        for i, user_id in enumerate(user_ids, start=1)
    ]
    return spark.createDataFrame(
        [[r[c] for c in USERS.column_names] for r in rows], USERS.spark_schema()
    )


def test_a_view_of_an_unknown_user_blocks_the_stage_and_names_the_dimension(job_ctx, views_frame):
    job_ctx.lake.stage(USERS, _users(job_ctx.spark, "u1"), "overwrite").commit(job_ctx.run)
    rows = [view_row("e1"), view_row("e2", user_id="u404", line_number=2), view_row("e3")]
    staged = job_ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [DAY])
    before = job_ctx.lake.version(VIEWS)

    with pytest.raises(GateFailedError) as refused:
        publish(job_ctx, "silver", DAY, [staged])

    assert job_ctx.lake.version(VIEWS) == before, "a refused stage must not publish"
    [failure] = refused.value.verdict.failures
    assert failure.startswith(
        "silver/views: expect_column_values_to_be_null(unknown_fk__users__user_id) [error] — "
        "user_id is a known silver/users.user_id"
    )
    assert "1 rows of 3" in failure and "'u404'" in failure
    assert "views-2026-01-02T10.jsonl.gz:2" in failure


def test_a_user_staged_with_the_same_publication_is_known_and_a_null_key_references_nothing(
    job_ctx, views_frame
):
    job_ctx.lake.stage(USERS, _users(job_ctx.spark, "u1"), "overwrite").commit(job_ctx.run)
    users = job_ctx.lake.stage(USERS, _users(job_ctx.spark, "u1", "u2"), "overwrite")
    rows = [view_row("e1"), view_row("e2", user_id="u2", session_id=None)]
    views = job_ctx.lake.stage(VIEWS, views_frame(rows), "replace_partitions", [DAY])

    publication = publish(job_ctx, "silver", DAY, [users, views])

    assert [c.table for c in publication.commits] == ["silver/users", "silver/views"]
    assert publication.gate.failed_blocking == 0


def test_a_conditional_reference_marks_only_the_rows_it_applies_to():
    social = pa.table(
        {
            "edge_type": ["follow", "follow", "share", "share", "follow"],
            "dst_id": ["a1", "a404", "u1", "u404", None],
        }
    )
    anchors, users = pa.array(["a1"]), pa.array(["u1"])
    to_anchor = "edge_type IN ('follow', 'unfollow')"
    references = [
        (Reference("dst_id", lookup("silver/anchors"), "anchor_id", to_anchor), anchors),
        (Reference("dst_id", lookup("silver/users"), "user_id", f"NOT ({to_anchor})"), users),
    ]

    marked = with_markers(social, references)

    assert [tuple(r.values()) for r in marked.to_pylist()] == [
        ("follow", "a1", None, None),
        ("follow", "a404", "a404", None),
        ("share", "u1", None, None),
        ("share", "u404", None, "u404"),
        ("follow", None, None, None),
    ]
    assert marked.column_names[-2:] == ["unknown_fk__anchors__dst_id", "unknown_fk__users__dst_id"]


def test_markers_stay_on_their_rows_across_many_chunks():
    """The markers are appended beside the rows, not joined: each must sit on its own row
    however the staged rows are chunked (a large day's files are many chunks)."""
    n = 300_000
    types = ["follow" if i % 3 else "share" for i in range(n)]
    ids = [f"a{i % 1000}" if t == "follow" else f"u{i % 997}" for i, t in enumerate(types)]
    chunks = [slice(0, 70_000), slice(70_000, 210_000), slice(210_000, n)]
    social = pa.Table.from_batches(
        [pa.record_batch({"edge_type": types[c], "dst_id": ids[c]}) for c in chunks]
    )
    known = pa.array([f"a{i}" for i in range(0, 1000, 2)])  # the even anchors
    to_anchor = "edge_type = 'follow'"
    reference = Reference("dst_id", lookup("silver/anchors"), "anchor_id", to_anchor)

    marked = with_markers(social, [(reference, known)])

    expected = [
        i if t == "follow" and int(i[1:]) % 2 else None for t, i in zip(types, ids, strict=True)
    ]
    assert marked.column("unknown_fk__anchors__dst_id").to_pylist() == expected
    assert sum(v is not None for v in expected) > 50_000
