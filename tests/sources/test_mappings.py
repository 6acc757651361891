"""Source mappings: a log's files become landing rows with every input row accounted for.

Counts below were taken by reading the input files by eye or with the csv module, not with
the mapping engine's polars code.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from livelake.cli import app
from livelake.sources import (
    SourceInputError,
    SourceMappingError,
    ingest_mapped,
    load_mapping,
    resolve,
    shipped,
)
from livelake.sources.apply import apply
from tests.adapters.samples import DATA, RETAILROCKET, TAOBAO

LAYOUTS = DATA / "layouts"


def _data_digest(root: Path) -> str:
    """sha256 over every landed data file (manifests left out: their notes are prose)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "_manifest.json":
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _mapped_rows(adapted) -> int:
    return sum(f.height for f in adapted.streams.values())


# Digests of what the hand-written Python adapters (livelake/adapters/taobao.py and
# retailrocket.py, removed when these mappings replaced them) landed from the samples.
PYTHON_ADAPTER_DIGESTS = {
    "taobao": (TAOBAO, "f8a8f1cf9ef0368a0d30d4e71561ede82f87d3617499b939e28040baf429801c"),
    "retailrocket": (
        RETAILROCKET,
        "c732c3c350865bfd3b562312dd739bbd2889ddf7b6605c0645a1efd5dc1be7d1",
    ),
}


@pytest.mark.parametrize("name", sorted(PYTHON_ADAPTER_DIGESTS))
def test_shipped_mapping_lands_the_same_files_as_the_python_adapter_did(name, tmp_path):
    sample, digest = PYTHON_ADAPTER_DIGESTS[name]
    ingest_mapped(name, [sample], tmp_path)
    assert _data_digest(tmp_path) == digest


# (stream and export rows, unmapped per reason) of each hand-written layout file
LAYOUT_RESULTS = {
    "multicategory_store": (
        {"views": 3, "cart_events": 2, "orders": 1, "products": 3, "users": 3},
        {"unknown_event_type": 1, "missing_field": 1, "bad_timestamp": 1},
    ),
    "tianchi_mobile": (
        {"views": 3, "cart_events": 1, "orders": 1, "products": 4, "users": 2},
        {"no_landing_stream_collect": 1, "unknown_behavior_type": 1, "bad_timestamp": 1},
    ),
    "online_retail": (
        {"orders": 4, "products": 4, "users": 3},
        {"guest_customer": 1, "bad_quantity": 1},
    ),
}


@pytest.mark.parametrize("name", sorted(LAYOUT_RESULTS))
def test_a_public_layout_needs_one_short_mapping_file_and_no_python(name, tmp_path):
    path = shipped()[name]
    lines = [x for x in path.read_text().splitlines() if x.strip()]
    assert len(lines) <= 25
    rows, unmapped = LAYOUT_RESULTS[name]
    report = ingest_mapped(name, [LAYOUTS / f"{name}.csv"], tmp_path)
    assert dict(report.rows) == rows
    assert dict(report.unmapped) == unmapped
    data_lines = len((LAYOUTS / f"{name}.csv").read_text().splitlines()) - 1
    landed = sum(n for k, n in rows.items() if k not in ("products", "users"))
    assert report.input_rows == data_lines == landed + sum(unmapped.values())


def test_values_are_typed_rounded_and_timed_as_declared(tmp_path):
    adapted = apply(load_mapping(resolve("online_retail")), [LAYOUTS / "online_retail.csv"])
    orders = adapted.streams["orders"].sort("event_id")
    first = orders.filter(pl.col("event_id") == "or-536365-2").row(0, named=True)
    # 12/1/2010 8:26 London (GMT in December) -> 08:26Z; 2.55 GBP x 10.36 = 26.418 -> 26.42
    assert first["event_time"] == 1291191960000
    assert first["unit_price_cny"] == 26.42 and first["quantity"] == 6
    assert first["amount_cny"] == 158.51  # 6 x 2.55 GBP x 10.36 = 158.508
    assert first["user_id"] == "17850"  # "17850.0" normalised by the mapping's replace
    cancel = orders.filter(pl.col("event_type") == "cancelled").row(0, named=True)
    assert cancel["quantity"] == 1 and cancel["order_id"] == "C536379"
    tianchi = apply(load_mapping(resolve("tianchi_mobile")), [LAYOUTS / "tianchi_mobile.csv"])
    views = tianchi.streams["views"].sort("event_id")
    # Beijing time: "2014-12-08 18" -> 10:00Z, "2014-12-12 12" -> 04:00Z, "2014-12-6 9" -> 01:00Z
    assert views["event_time"].to_list() == [1418032800000, 1418356800000, 1417827600000]


def test_unmapped_rows_carry_file_and_line(tmp_path):
    adapted = apply(load_mapping(resolve("tianchi_mobile")), [LAYOUTS / "tianchi_mobile.csv"])
    rows = adapted.unmapped.sort("line").select("source_file", "line", "reason").rows()
    assert rows == [
        ("tianchi_mobile.csv", 5, "no_landing_stream_collect"),
        ("tianchi_mobile.csv", 7, "unknown_behavior_type"),
        ("tianchi_mobile.csv", 9, "bad_timestamp"),
    ]


# Per shipped mapping: its header line (None: headerless) and the words its lines are made of.
FUZZ = {
    "taobao": (None, ["1", "2268318", "pv", "buy", "fav", "1511544070", "x", "", ".0", '"', "é"]),
    "retailrocket": (
        b"timestamp,visitorid,event,itemid,transactionid",
        ["1433221332117", "257597", "view", "transaction", "14418.0", "1.5", "", '"', "é"],
    ),
}


@pytest.mark.parametrize("name", sorted(FUZZ))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), bad_bytes=st.booleans(), crlf=st.booleans(), bom=st.booleans())
def test_every_row_is_mapped_or_unmapped_whatever_the_input(
    tmp_path, name, data, bad_bytes, crlf, bom
):
    header, words = FUZZ[name]
    line = st.lists(st.sampled_from(words), max_size=7).map(",".join)
    lines = data.draw(st.lists(line, max_size=25))
    end = b"\r\n" if crlf else b"\n"
    body = [x.encode() for x in lines]
    if bad_bytes and body:
        body[0] = body[0] + b"\xff\xfe"
    head = [header] if header else []
    raw = (b"\xef\xbb\xbf" if bom else b"") + b"".join(x + end for x in [*head, *body])
    source = tmp_path / "fuzz.csv"
    source.write_bytes(raw)
    mapping = load_mapping(resolve(name))
    try:
        adapted = apply(mapping, [source])
    except SourceInputError as exc:  # e.g. every line holds one field and another delimiter
        assert "\n" not in str(exc) and "fuzz.csv" in str(exc)
        return
    assert adapted.input_rows == len(lines)
    assert adapted.input_rows == _mapped_rows(adapted) + adapted.unmapped.height
    assert set(adapted.unmapped["reason"]) <= set(mapping.reasons())
    assert adapted.unmapped.select("source_file", "line").is_unique().all()


def test_bom_and_crlf_read_like_the_clean_file(tmp_path):
    text = TAOBAO.read_bytes()
    clean, dirty = tmp_path / "clean", tmp_path / "dirty"
    (tmp_path / "in").mkdir()
    odd = tmp_path / "in" / TAOBAO.name
    odd.write_bytes(b"\xef\xbb\xbf" + text.replace(b"\n", b"\r\n"))
    ingest_mapped("taobao", [TAOBAO], clean)
    ingest_mapped("taobao", [odd], dirty)
    assert _data_digest(clean) == _data_digest(dirty)


def test_bytes_not_in_the_encoding_are_unmapped_on_their_line(tmp_path):
    source = tmp_path / "events.csv"
    lines = RETAILROCKET.read_bytes().splitlines()[:4]
    lines[2] = lines[2].replace(b"view", b"vi\xe9w")
    source.write_bytes(b"\n".join(lines) + b"\n")
    adapted = apply(load_mapping(resolve("retailrocket")), [source])
    assert adapted.unmapped.select("line", "reason").rows() == [(3, "bad_encoding")]
    assert _mapped_rows(adapted) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "timestamp;visitorid;event;itemid;transactionid\n1433221332117;257597;view;355908;\n",
            "events.csv line 1: no column 'timestamp' in the header: it has one column; "
            "is the delimiter ';', not ','?",
        ),
        (
            "timestamp,visitor_id,event,itemid,transactionid\n1433221332117,257597,view,355908,\n",
            "events.csv line 1: no column 'visitorid' in the header (did you mean 'visitor_id'?",
        ),
        (
            "timestamp,visitorid,event,itemid,transactionid,visitorid\n1433221332117,257597,view,355908,,1\n",
            "events.csv line 1: column 'visitorid' appears twice",
        ),
    ],
    ids=["wrong-delimiter", "renamed-column", "repeated-column"],
)
def test_an_unreadable_file_is_one_line_naming_file_line_and_column(tmp_path, content, message):
    source = tmp_path / "events.csv"
    source.write_text(content)
    with pytest.raises(SourceInputError) as raised:
        apply(load_mapping(resolve("retailrocket")), [source])
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_headerless_file_with_another_delimiter_names_it(tmp_path):
    source = tmp_path / "ub.tsv"
    source.write_text("1\t2268318\t2520377\tpv\t1511544070\n2\t1\t1\tpv\t1511544070\n")
    with pytest.raises(SourceInputError, match=r"ub.tsv line 1: no ',' .* set \[input\] delimiter"):
        apply(load_mapping(resolve("taobao")), [source])


def test_empty_files_and_other_time_formats_are_accounted_for(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    assert apply(load_mapping(resolve("taobao")), [tmp_path / "empty.csv"]).input_rows == 0
    source = tmp_path / "ub.csv"
    source.write_text("1,2268318,2520377,pv,2017-11-25 10:00:00\n1,2268318,2520377,pv,1511544070\n")
    adapted = apply(load_mapping(resolve("taobao")), [source])
    assert adapted.unmapped.select("line", "reason").rows() == [(1, "bad_timestamp")]
    assert _mapped_rows(adapted) == 1


def _mapping_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return path


BASE = """
name = "mine"
input = { columns = ["t", "u", "e"] }
time = { column = "t", format = "epoch_ms" }
"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            'streams = [{ stream = "view", event_type = "enter" }]',
            "streams.0.stream: Input should be",
        ),
        ('streams = [{ stream = "views", event_type = "open" }]', "views has no event_type 'open'"),
        (
            'streams = [{ stream = "views", event_type = "enter", fields = { dwel = "u" } }]',
            "dwel: not a landing field of views",
        ),
        (
            'streams = [{ stream = "views", event_type = "enter", when = { column = "e" } }]',
            "give exactly one of equals, in, matches",
        ),
        (
            'stream = [{ stream = "views", event_type = "enter" }]',
            "stream: Extra inputs are not permitted",
        ),
        (
            'checks = [{ columns = ["u"], matches = "(", reason = "x" }]\n'
            'streams = [{ stream = "views", event_type = "enter" }]',
            "bad regular expression '('",
        ),
        (
            'fields = { user_id = { column = "u", mapp = { a = "b" } } }\n'
            'streams = [{ stream = "views", event_type = "enter" }]',
            "fields.user_id.mapp: Extra inputs are not permitted",
        ),
        (
            'fields = { user_id = ["u"] }\nstreams = [{ stream = "views", event_type = "enter" }]',
            "fields.user_id: give a column name, a template, a constant or a table",
        ),
        (
            'checks = [{ columns = ["u"], matches = "(?<=a)b", reason = "x" }]\n'
            'streams = [{ stream = "views", event_type = "enter" }]',
            "look-around, including look-ahead and look-behind, is not supported",
        ),
    ],
    ids=[
        "unknown-stream",
        "unknown-event-type",
        "unknown-field",
        "empty-when",
        "typo",
        "regex",
        "field-typo",
        "field-list",
        "look-around",
    ],
)
def test_a_bad_mapping_is_refused_naming_file_and_place(tmp_path, extra, problem):
    path = _mapping_file(tmp_path, BASE + extra)
    with pytest.raises(SourceMappingError) as raised:
        load_mapping(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert problem in str(raised.value)


def test_a_headerless_mapping_reads_only_its_declared_columns(tmp_path):
    text = BASE.replace('["t", "u", "e"] }', '["t", "u", "e"], header = false }')
    when = '{ column = "kind", equals = "v" }'
    path = _mapping_file(
        tmp_path, text + f'streams = [{{ stream = "views", event_type = "enter", when = {when} }}]'
    )
    with pytest.raises(SourceMappingError, match=r"kind: not among \[input\] columns"):
        load_mapping(path)


def test_every_shipped_mapping_is_valid_and_listed():
    assert set(shipped()) == {
        "multicategory_store",
        "online_retail",
        "retailrocket",
        "taobao",
        "tianchi_mobile",
    }
    result = CliRunner().invoke(app, ["sources", "list"], terminal_width=200)
    assert result.exit_code == 0
    for name in shipped():
        assert name in result.output


def test_sources_check_previews_mapped_rows_and_unmapped_reasons():
    result = CliRunner().invoke(
        app,
        ["sources", "check", "tianchi_mobile", str(LAYOUTS / "tianchi_mobile.csv")],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "mapping 'tianchi_mobile' is valid" in result.output
    assert "views: 3 rows" in result.output and "2014-12-08T10:00:00.000Z" in result.output
    assert "8 input rows: 5 mapped, 3 unmapped" in result.output
    assert "no_landing_stream_collect: 1 (first: tianchi_mobile.csv line 5)" in result.output


def test_ingest_with_a_mapping_file_lands_deliveries(tmp_path):
    mine = tmp_path / "my_store.toml"
    text = shipped()["multicategory_store"].read_text()
    mine.write_text(text.replace('name = "multicategory_store"', 'name = "my_store"'))
    landing = tmp_path / "landing"
    result = CliRunner().invoke(
        app,
        [
            "ingest",
            "--mapping",
            str(mine),
            str(LAYOUTS / "multicategory_store.csv"),
            "--landing",
            str(landing),
        ],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "unmapped: unknown_event_type (first: multicategory_store.csv line 7)" in result.output
    manifests = sorted((landing / "my_store").glob("dt=*/_manifest.json"))
    assert [m.parent.name for m in manifests] == ["dt=2019-10-01", "dt=2019-10-02"]
    first = json.loads(manifests[0].read_text())
    # rows without a usable time are reported in the first delivery
    assert first["unmapped"]["by_reason"] == {
        "bad_timestamp": 1,
        "missing_field": 1,
        "unknown_event_type": 1,
    }
    views = landing / "my_store" / "dt=2019-10-01" / "events" / "views"
    lines = [
        json.loads(x)
        for f in sorted(views.glob("*.gz"))
        for x in gzip.decompress(f.read_bytes()).splitlines()
    ]
    assert [v["user_id"] for v in lines] == ["541312140", "550050854"]


def test_a_message_naming_a_mapping_section_is_printed_as_written(tmp_path):
    source = tmp_path / "ub.tsv"
    source.write_text("1\t2268318\t2520377\tpv\t1511544070\n")
    result = CliRunner().invoke(app, ["sources", "check", "taobao", str(source)])
    assert result.exit_code == 2
    assert 'set [input] delimiter = "\\t"' in result.output


def test_ingest_refuses_a_bad_mapping_in_one_line(tmp_path):
    path = _mapping_file(tmp_path, BASE + 'streams = [{ stream = "views", event_type = "open" }]')
    result = CliRunner().invoke(
        app, ["ingest", "--mapping", str(path), str(TAOBAO), "--landing", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "views has no event_type 'open'" in result.output and "Traceback" not in result.output
    both = CliRunner().invoke(
        app, ["ingest", "--mapping", "taobao", "--format", "taobao", str(TAOBAO)]
    )
    assert both.exit_code == 2 and "give --format or --mapping" in both.output
    shutil.rmtree(tmp_path / "taobao", ignore_errors=True)


def test_a_dimension_file_beside_the_log_fills_its_export(tmp_path):
    # RetailRocket's item_properties layout: one property of an item per row, times in ms.
    properties = tmp_path / "item_properties_part1.csv"
    properties.write_text(
        "timestamp,itemid,property,value\n"
        "1435460400000,450209,categoryid,1338\n"  # an item the events view (2015-07-26)
        "1435460400000,450209,available,1\n"  # not a category
        "1436000000000,99999999,categoryid,12\n"  # an item no event names
        "1435460400000,,categoryid,5\n"  # no item
        "soon,450209,categoryid,7\n"  # no usable time
    )
    adapted = apply(load_mapping(resolve("retailrocket")), [RETAILROCKET, properties])
    products = adapted.exports["products"]
    by_item = {r["product_id"]: r for r in products.iter_rows(named=True)}
    assert len(by_item) == 399 + 1  # the events' items, and the one only the file names
    assert (by_item["450209"]["category"], by_item["450209"]["updated_at"]) == (
        "1338",
        1435460400000,
    )
    assert by_item["99999999"]["_delivery_ms"] == 1436000000000
    assert by_item["84172"]["category"] is None  # derived from the events, no category row
    assert adapted.unmapped.filter(pl.col("source_file") == properties.name).select(
        "line", "reason"
    ).sort("line").rows() == [(3, "not_a_category"), (5, "missing_key"), (6, "bad_timestamp")]
    assert adapted.input_rows == 479 + 5
    assert adapted.input_rows == _mapped_rows(adapted) + 2 + adapted.unmapped.height
