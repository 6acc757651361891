"""What a mapping reads besides plain CSV: JSON lines, Parquet, gzip, folders, other
encodings; and the values it rewrites. Expected values are written out by hand."""

from __future__ import annotations

import gzip
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livelake.sources import SourceInputError, load_mapping
from livelake.sources.apply import apply
from livelake.sources.mapping import Input
from livelake.sources.read import _csv, _csv_fast, _lines, _polars_lines

APP_LOG = """
name = "app_log"
event_id = "app-{id}"
input = { format = "%s" }
time = { column = "ts", format = ["epoch_s", "iso"] }
fields = { user_id = { column = "user.id", prefix = "u-" }, product_id = "sku" }
exports.users = { key = "user_id" }

[[streams]]
when = { column = "kind", in = ["open", "visit"] }
stream = "views"
event_type = "enter"
fields = { channel = { column = "via", map = { "push" = "follow", "ad" = "feed" } } }

[[streams]]
when = { column = "kind", equals = "buy" }
stream = "orders"
event_type = "paid"
fields = { order_id = "{id}", quantity = "n" }
"""
RECORDS = [
    {"id": "a1", "ts": 1570000000.25, "kind": "open", "via": "push", "user": {"id": 7}},
    {
        "id": "a2",
        "ts": "2019-10-02T08:00:00+08:00",
        "kind": "buy",
        "sku": "p9",
        "n": 2,
        "user": {"id": 7},
    },
    {"id": "a3", "ts": 1570000001, "kind": "visit", "via": "tv", "user": {"id": 8}},
    {"id": "a4", "ts": "yesterday", "kind": "open", "user": {"id": 9}},
]


def _mapping(tmp_path: Path, fmt: str):
    path = tmp_path / f"app_{fmt}.toml"
    path.write_text(APP_LOG % fmt)
    return load_mapping(path)


def _check(adapted) -> None:
    views = adapted.streams["views"].sort("event_id")
    assert views["event_id"].to_list() == ["app-a1", "app-a3"]
    assert views["event_time"].to_list() == [
        1570000000250,
        1570000001000,
    ]  # fractional seconds kept
    assert views["user_id"].to_list() == ["u-7", "u-8"]  # nested key, prefixed
    assert views["channel"].to_list() == ["follow", None]  # mapped; a value not in the map is empty
    (order,) = adapted.streams["orders"].rows(named=True)
    assert order["event_time"] == int(datetime(2019, 10, 2, tzinfo=UTC).timestamp() * 1000)
    assert (order["order_id"], order["quantity"], order["product_id"]) == ("a2", 2, "p9")
    assert adapted.unmapped.select("line", "reason").rows() == [(4, "bad_timestamp")]
    assert adapted.exports["users"]["user_id"].to_list() == ["u-7", "u-8"]


def test_json_lines_gzipped_with_nested_keys(tmp_path):
    source = tmp_path / "app.jsonl.gz"
    source.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in RECORDS).encode()))
    _check(apply(_mapping(tmp_path, "jsonl"), [source]))


def test_a_line_that_is_not_a_json_object_is_unmapped(tmp_path):
    source = tmp_path / "app.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n[1, 2]\n{broken\n")
    adapted = apply(_mapping(tmp_path, "jsonl"), [source])
    assert adapted.unmapped.select("line", "reason").rows() == [
        (2, "malformed_line"),
        (3, "malformed_line"),
    ]
    assert adapted.input_rows == 3


def test_parquet_with_typed_columns(tmp_path):
    frame = pl.DataFrame(
        {
            "id": ["a1", "a2", "a3", "a4"],
            "ts": [
                "1570000000.25",
                "2019-10-02T08:00:00+08:00",
                "1570000001",
                "yesterday",
            ],
            "kind": ["open", "buy", "visit", "open"],
            "via": ["push", None, "tv", None],
            "user.id": [7, 7, 8, 9],
            "sku": [None, "p9", None, None],
            "n": [None, 2, None, None],
        }
    )
    source = tmp_path / "app.parquet"
    frame.write_parquet(source)
    _check(apply(_mapping(tmp_path, "parquet"), [source]))


def test_parquet_times_are_read_as_iso(tmp_path):
    source = tmp_path / "times.parquet"
    moment = datetime(2019, 10, 1, 12, 30, tzinfo=UTC)
    pl.DataFrame({"id": ["x"], "ts": [moment], "kind": ["open"], "user.id": [1]}).write_parquet(
        source
    )
    mapping = _mapping(tmp_path, "parquet")
    with pytest.raises(SourceInputError, match=r"times.parquet: no column 'n'"):
        apply(mapping, [source])
    pl.DataFrame(
        {"id": ["x"], "ts": [moment], "kind": ["open"], "via": [None], "user.id": [1]}
    ).with_columns(sku=pl.lit(None, pl.String), n=pl.lit(None, pl.Int64)).write_parquet(source)
    (row,) = apply(mapping, [source]).streams["views"].rows(named=True)
    assert row["event_time"] == int(moment.timestamp() * 1000)


def test_a_folder_gives_its_files_of_the_format_and_nothing_else(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "part-1.jsonl").write_text(json.dumps(RECORDS[0]) + "\n")
    (folder / "part-2.jsonl").write_text(json.dumps(RECORDS[2]) + "\n")
    (folder / "README.md").write_text("# not a log\n")
    adapted = apply(_mapping(tmp_path, "jsonl"), [folder])
    assert adapted.input_rows == 2 and adapted.unmapped.height == 0
    with pytest.raises(SourceInputError, match=r"no parquet files in .*export"):
        apply(_mapping(tmp_path, "parquet"), [folder])


def test_a_zip_archive_is_refused_in_one_line(tmp_path):
    source = tmp_path / "app.jsonl"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("app.jsonl", json.dumps(RECORDS[0]))
    with pytest.raises(SourceInputError, match=r"^app.jsonl: a zip archive; unzip it"):
        apply(_mapping(tmp_path, "jsonl"), [source])


def test_utf16_is_named_unless_declared(tmp_path):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\r\n" for r in RECORDS)
    source = tmp_path / "app.jsonl"
    source.write_bytes(text.encode("utf-16"))
    with pytest.raises(SourceInputError, match=r"^app.jsonl: UTF-16 text; set \[input\] encoding"):
        apply(_mapping(tmp_path, "jsonl"), [source])
    path = tmp_path / "utf16.toml"
    path.write_text(
        (APP_LOG % "jsonl").replace('format = "jsonl"', 'format = "jsonl", encoding = "utf-16"')
    )
    _check(apply(load_mapping(path), [source]))


def test_a_declared_encoding_reads_its_bytes(tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_text(
        'name = "gbk_log"\n'
        'input = { columns = ["t", "u", "title"], header = false, encoding = "gbk" }\n'
        'time = { column = "t", format = "%Y-%m-%d" }\n'
        'streams = [{ stream = "views", event_type = "enter" }]\n'
        'fields = { user_id = "u" }\n'
        'exports.products = { key = "product_id" }\n'
    )
    source = tmp_path / "gbk.csv"
    source.write_bytes("2019-10-01,u1,直播\n".encode("gbk"))
    adapted = apply(load_mapping(path), [source])
    assert adapted.streams["views"]["user_id"].to_list() == ["u1"]
    assert adapted.streams["views"]["event_time"].to_list() == [1569888000000]


CATALOG = """
[[dimensions]]
files = "catalog*.csv"
export = "products"
input = { columns = ["sku", "title"] }
fields = { product_id = "sku", title = "title" }
"""


def test_a_dimension_file_without_times_is_delivered_with_the_log(tmp_path):
    path = tmp_path / "app.toml"
    path.write_text(APP_LOG % "jsonl" + CATALOG)
    mapping = load_mapping(path)
    log = tmp_path / "app.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("sku,title\np9,Lipstick\n")
    products = apply(mapping, [log, catalog]).exports["products"].rows(named=True)
    # no time of its own: delivered (and updated) with the log's first event, the order at
    # 2019-10-02 00:00Z
    assert products == [
        {
            "product_id": "p9",
            "title": "Lipstick",
            "updated_at": 1569974400000,
            "_delivery_ms": 1569974400000,
        }
    ]
    alone = apply(mapping, [catalog])  # no log: no day to deliver it on, and it says so
    assert alone.unmapped.select("line", "reason").rows() == [(2, "no_delivery_day")]
    assert "products" not in alone.exports or alone.exports["products"].height == 0


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.text(alphabet=list('ab,"\r é1;'), max_size=12), max_size=30),
    header=st.booleans(),
    crlf=st.booleans(),
)
def test_polars_reads_the_lines_as_the_line_by_line_reader_does(lines, header, crlf):
    # valid UTF-8 goes through Polars; the line-by-line reader is the reference
    spec = Input(columns=["a", "b", "c"], header=header)
    end = "\r\n" if crlf else "\n"
    data = "".join(x + end for x in (["a,b,c"] if header else []) + lines).encode()
    path = Path("t.csv")
    wanted = {"a", "c"}
    fast_lines = _polars_lines(data, "utf-8")
    if fast_lines is None:  # nothing to read (no data)
        assert data == b""
        return
    try:
        fast, fast_bad = _csv_fast(path, spec, fast_lines, wanted)
    except SourceInputError as exc:
        with pytest.raises(SourceInputError, match=re.escape(str(exc))):
            _csv(path, spec, _lines(data, "utf-8", path.name)[0], wanted, [])
        return
    slow, slow_bad = _csv(path, spec, _lines(data, "utf-8", path.name)[0], wanted, [])
    assert fast.select(sorted(fast.columns)).equals(slow.select(sorted(slow.columns)))
    assert fast_bad.sort("line").equals(slow_bad.sort("line"))
