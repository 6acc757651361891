"""Every landed file bronze cannot take as delivered is rejected by name and stops the run.

Each kind of bad file is ledgered as rejected with its reason and its lines counted, the
run commits nothing of the day and says in one message which file, what is wrong and what
to do, and `livelake audit` lists it and exits non-zero. Files that are odd but sound (an
empty hourly gzip, a header-only export, CRLF line ends, a UTF-8 BOM) are ingested.
"""

from __future__ import annotations

import gzip

import pytest

from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.jobs.quality.audit import audit_day
from livelake.lake.read import read_table
from tests.jobs.bronze.small_delivery import DAY, VIEW, deliver
from tests.jobs.silver.landed import HEADERS

DELIVERY = "platform/dt=2026-01-01"
USERS = "u1,Ann,1380,east,,silver,ios,dev,2026-01-01T01:00:00.000Z"


@pytest.fixture
def ctx(spark, lake_root):
    from livelake.config import settings

    return JobContext.create(settings(), spark=spark, job="test")


def test_zero_byte_files_and_exports_without_a_sound_header_are_rejected_before_reading(
    ctx, lake_root, tmp_path
):
    folder = deliver(tmp_path / "landing")
    (folder / "events/views/views-2026-01-01T12.jsonl.gz").write_bytes(b"")
    (folder / "exports/social.csv").write_bytes(b"")
    (folder / "exports/users.csv").write_text(f"{USERS}\n{USERS.replace('u1', 'u2')}\n")
    (folder / "exports/anchors.csv").write_text("\na1,Star\n")
    twice = HEADERS["users"].replace("region", "mobile_phone")
    (folder / "exports/prices.csv").write_text(HEADERS["prices"] + "\n")  # header only: sound
    other = tmp_path / "landing/olist/dt=2026-01-01/exports"
    other.mkdir(parents=True)
    (other / "users.csv").write_text(f"{twice}\n{USERS}\n")
    (other / "products.csv").write_bytes(HEADERS["products"].encode("utf-16") + b"\n\x00")

    report = ingest.run(ctx, DAY)

    assert report.status == "failed"
    assert report.message == (
        f"{DELIVERY}/exports/anchors.csv and 5 more file(s): CSV export without a header: its "
        "first line is empty (2 line(s) read). Nothing of bronze for 2026-01-01 was "
        "committed; the file(s) are in audit/ingest_ledger as rejected with their reasons. "
        "Ask the source to export the file again as UTF-8 CSV with its header row (or move "
        "it out of the delivery folder) and rerun the day."
    )
    assert not ctx.lake.exists(ingest.BRONZE["views"])
    ledger = read_table("audit/ingest_ledger").sort("source_file")
    assert ledger.select("source_file", "rows", "outcome", "reason").rows() == [
        (
            "olist/dt=2026-01-01/exports/products.csv",
            2,
            "rejected",
            "not UTF-8: UTF-16 or UTF-32 text (NUL bytes or a byte order mark, line 1)",
        ),
        (
            "olist/dt=2026-01-01/exports/users.csv",
            2,
            "rejected",
            "CSV header names phone more than once (phone, mobile_phone): which column holds "
            "it is ambiguous",
        ),
        (
            f"{DELIVERY}/events/views/views-2026-01-01T12.jsonl.gz",
            0,
            "rejected",
            "empty file (0 bytes): most likely a failed upload",
        ),
        (
            f"{DELIVERY}/exports/anchors.csv",
            2,
            "rejected",
            "CSV export without a header: its first line is empty",
        ),
        (
            f"{DELIVERY}/exports/social.csv",
            0,
            "rejected",
            "empty file (0 bytes): most likely a failed upload",
        ),
        (
            f"{DELIVERY}/exports/users.csv",
            2,
            "rejected",
            f"CSV export without a header: its first line '{USERS[:60]}' names no column of "
            "users, so its first row would be lost",
        ),
    ]
    audit = audit_day(str(lake_root), DAY)
    assert len(audit.rejected_files) == 6
    assert audit.blocking_failure  # `livelake audit --day` exits 1


def test_files_that_are_not_utf8_are_rejected_naming_the_first_bad_line(ctx, lake_root, tmp_path):
    folder = deliver(tmp_path / "landing")
    users = f"{HEADERS['users']}\n{USERS}\n{USERS.replace('Ann', '李安')}\n"
    (folder / "exports/users.csv").write_bytes(users.encode("gbk"))
    latin = "".join(VIEW % (i, i) + "\n" for i in (3, 4)).replace("v4", "café")
    bad_views = folder / "events/views/views-2026-01-01T12.jsonl.gz"
    bad_views.write_bytes(gzip.compress(latin.encode("latin-1"), mtime=0))
    (folder / "events/views/views-2026-01-01T13.jsonl").write_bytes(
        (VIEW % (5, 5) + "\n").encode("utf-16-le")
    )

    report = ingest.run(ctx, DAY)

    assert report.status == "failed"
    assert report.message.startswith(
        f"{DELIVERY}/exports/users.csv and 2 more file(s): not UTF-8: line 3 has byte 0xC0 at "
        "position 4 (exported as GBK, Latin-1 or another encoding?) (3 line(s) read). Nothing "
        "of bronze for 2026-01-01 was committed"
    )
    assert report.message.endswith(
        "Ask the source to export the file again as UTF-8 (or move it out of the delivery "
        "folder) and rerun the day."
    )
    assert read_table("bronze/users").height == read_table("bronze/views").height == 0
    ledger = read_table("audit/ingest_ledger").sort("source_file")
    assert ledger.select("source_file", "rows", "outcome", "reason").rows() == [
        (
            f"{DELIVERY}/events/views/views-2026-01-01T12.jsonl.gz",
            2,
            "rejected",
            "not UTF-8: line 2 has byte 0xE9 at position 127 (exported as GBK, Latin-1 or "
            "another encoding?)",
        ),
        (
            f"{DELIVERY}/events/views/views-2026-01-01T13.jsonl",
            2,
            "rejected",
            "not UTF-8: UTF-16 or UTF-32 text (NUL bytes or a byte order mark, line 1)",
        ),
        (
            f"{DELIVERY}/exports/users.csv",
            3,
            "rejected",
            "not UTF-8: line 3 has byte 0xC0 at position 4 (exported as GBK, Latin-1 or "
            "another encoding?)",
        ),
    ]
    assert len(audit_day(str(lake_root), DAY).rejected_files) == 3

    (folder / "exports/users.csv").write_text(users)  # delivered again, in UTF-8
    bad_views.unlink()
    (folder / "events/views/views-2026-01-01T13.jsonl").unlink()
    assert ingest.run(ctx, DAY).status == "ok"
    assert read_table("bronze/users").sort("line_number")["raw"][1] == USERS.replace("Ann", "李安")
    assert audit_day(str(lake_root), DAY).rejected_files == []


def test_crlf_line_ends_a_bom_a_header_only_export_and_an_empty_hour_are_ingested(
    ctx, lake_root, tmp_path
):
    folder = deliver(tmp_path / "landing")
    (folder / "exports/users.csv").write_bytes(
        f"\ufeff{HEADERS['users']}\r\n{USERS}\r\n\r\n".encode()
    )
    (folder / "exports/prices.csv").write_text(HEADERS["prices"] + "\n")
    lines = f"\ufeff{VIEW % (3, 3)}\r\n{VIEW % (4, 4)}\r\n"
    (folder / "events/views/views-2026-01-01T12.jsonl.gz").write_bytes(
        gzip.compress(lines.encode(), mtime=0)
    )

    assert ingest.run(ctx, DAY).status == "ok"

    users = read_table("bronze/users").sort("line_number")
    assert users.select("line_number", "raw").rows() == [(2, USERS), (3, "")]
    assert set(users["header"]) == {"\ufeff" + HEADERS["users"]}
    views = read_table("bronze/views")
    views = views.filter(views["source_file"].str.ends_with("T12.jsonl.gz"))
    assert views.sort("line_number")["raw"].to_list() == ["\ufeff" + VIEW % (3, 3), VIEW % (4, 4)]
    ledger = read_table("audit/ingest_ledger")
    assert set(ledger["outcome"]) == {"ingested"}
    rows = dict(ledger.select("source_file", "rows").rows())
    assert rows[f"{DELIVERY}/exports/prices.csv"] == 0
    assert rows[f"{DELIVERY}/events/views/views-2026-01-01T11.jsonl.gz"] == 0
