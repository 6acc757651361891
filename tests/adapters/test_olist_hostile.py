"""The Olist adapter on partial, inconsistent or malformed exports: every row lands or is
counted with a reason, and a file it cannot read stops the run with one line naming it.

Exports are cut with polars from the fixture (tests/data/olist) under the upstream Kaggle names
(`olist_<table>_dataset.csv`); expected counts are worked out with the csv module.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from livelake.adapters import AdapterInputError, ingest
from livelake.adapters.olist import adapt
from livelake.cli import app
from tests.adapters.samples import OLIST

TABLES = ("orders", "customers", "order_items", "products")
UNUSED = ("order_payments", "order_reviews", "sellers", "geolocation")
ORDER_REASONS = ("unknown_customer", "order_without_items", "items_not_mapped")
ITEM_REASONS = ("item_without_order", "unknown_product", "order_not_mapped")


def _export(folder: Path, heads: tuple[int | None, ...] = (None,) * 4) -> Path:
    """The fixture as downloaded from Kaggle: the first `heads` rows of each table (all when
    None), the category translation, and the four files the adapter does not use."""
    folder.mkdir()
    for table, head in zip(TABLES, heads, strict=True):
        frame = pl.read_csv(OLIST / f"{table}.csv", infer_schema=False)
        frame.slice(0, head).write_csv(folder / f"olist_{table}_dataset.csv")
    shutil.copy(OLIST / "product_category_name_translation.csv", folder)
    for table in UNUSED:
        (folder / f"olist_{table}_dataset.csv").write_text("id,value\n1,x\n")
    return folder


def _rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"olist_{table}_dataset.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected(folder: Path) -> tuple[Counter[str], set[str]]:
    """Unmapped rows per reason and the orders that land, from the adapter's documented rules
    (the fixture has no bad times, prices or ids, so only the joins decide)."""
    orders, customers, items, products = (_rows(folder, t) for t in TABLES)
    customer_ids = {r["customer_id"] for r in customers}
    product_ids = {r["product_id"] for r in products}
    order_ids = {r["order_id"] for r in orders}
    items_of = Counter(r["order_id"] for r in items)
    known_items_of = Counter(r["order_id"] for r in items if r["product_id"] in product_ids)
    reasons: Counter[str] = Counter()
    landed = set()
    for r in orders:
        if r["customer_id"] not in customer_ids:
            reasons["unknown_customer"] += 1
        elif not items_of[r["order_id"]] and r["order_status"] not in ("canceled", "unavailable"):
            reasons["order_without_items"] += 1
        elif items_of[r["order_id"]] and not known_items_of[r["order_id"]]:
            reasons["items_not_mapped"] += 1
        else:
            landed.add(r["order_id"])
    for r in items:
        if r["order_id"] not in order_ids:
            reasons["item_without_order"] += 1
        elif r["product_id"] not in product_ids:
            reasons["unknown_product"] += 1
        elif r["order_id"] not in landed:
            reasons["order_not_mapped"] += 1
    if not landed:  # no delivery day: users and products cannot land either
        reasons["no_order_landed"] = len(customers) + len(products)
    return reasons, landed


def _landed(root: Path) -> tuple[list[dict], dict[str, list[dict]], list[dict]]:
    """Landed order events, export rows per table, and the manifests."""
    events: list[dict] = []
    exports: dict[str, list[dict]] = {}
    manifests = []
    for folder in sorted((root / "olist").glob("dt=*")):
        manifests.append(json.loads((folder / "_manifest.json").read_text()))
        for path in sorted(folder.glob("events/orders/*.jsonl.gz")):
            events += [json.loads(x) for x in gzip.decompress(path.read_bytes()).splitlines()]
        for path in sorted(folder.glob("exports/*.csv")):
            with path.open(newline="") as handle:
                exports.setdefault(path.stem, []).extend(csv.DictReader(handle))
    return events, exports, manifests


@pytest.mark.parametrize(
    ("heads", "reasons"),
    [
        # the case: the first 50 rows of each file; no order finds its customer
        (
            (50, 50, 50, 50),
            {
                "unknown_customer": 46,
                "order_without_items": 4,
                "item_without_order": 46,
                "unknown_product": 4,
                "no_order_landed": 100,
            },
        ),
        (
            (200, 400, 300, 300),
            {
                "unknown_customer": 77,
                "order_without_items": 54,
                "items_not_mapped": 19,
                "item_without_order": 185,
                "unknown_product": 40,
                "order_not_mapped": 23,
            },
        ),
    ],
    ids=["first-50-rows", "partial-joins"],
)
def test_partial_export_lands_every_row_or_counts_it(
    tmp_path: Path, heads: tuple[int, ...], reasons: dict[str, int]
) -> None:
    folder = _export(tmp_path / "export", heads)
    expected, landed = _expected(folder)
    assert expected == reasons

    report = ingest("olist", [folder], tmp_path / "landing")
    events, exports, manifests = _landed(tmp_path / "landing")
    assert report.unmapped == expected
    orders, customers, items, products = (_rows(folder, t) for t in TABLES)
    assert report.input_rows == len(orders) + len(customers) + len(items) + len(products)
    # per file: rows in = rows landed + rows unmapped
    landed_orders = {e["order_id"] for e in events} | {
        c["order_id"] for c in exports.get("after_sales", [])
    }
    assert landed_orders == landed
    assert len(orders) == len(landed_orders) + sum(expected[r] for r in ORDER_REASONS)
    created = [e for e in events if e["event_type"] == "created"]
    assert len(items) == sum(e["quantity"] for e in created) + sum(
        expected[r] for r in ITEM_REASONS
    )
    users = {u["user_id"] for u in exports.get("users", [])}
    product_ids = {p["product_id"] for p in exports.get("products", [])}
    if landed:
        assert users == {r["customer_unique_id"] for r in customers}
        assert product_ids == {r["product_id"] for r in products}
        assert len(customers) == len(users) and len(products) == len(product_ids)
        assert sum(m["unmapped"]["rows"] for m in manifests) == sum(expected.values())
    else:
        assert not events and not users and not product_ids and not manifests


def test_unused_files_are_ignored_and_named_in_the_notes(tmp_path: Path) -> None:
    notes = adapt([_export(tmp_path / "export")]).notes
    (note,) = [n for n in notes if "not used" in n]
    assert "payments, reviews, sellers and geolocation" in note
    for table in UNUSED:
        assert f"olist_{table}_dataset.csv" in note


def test_bad_values_and_repeated_rows_are_counted_with_file_and_line(tmp_path: Path) -> None:
    folder = _export(tmp_path / "export")
    orders = folder / "olist_orders_dataset.csv"
    items = folder / "olist_order_items_dataset.csv"
    first_order = orders.read_text().splitlines()[1]  # e481f51c…: one item at 29.99 BRL
    order_id, customer_id = first_order.split(",")[:2]
    product_id = items.read_text().split(order_id + ",1,")[1].split(",")[0]
    with orders.open("a") as handle:  # fixture rows are lines 2..646
        handle.write(f"bad-time,{customer_id},delivered,2017-13-01 10:00:00,,,,\n")
        # clocks jumped from 00:00 to 01:00 in São Paulo that night
        handle.write(f"no-such-time,{customer_id},delivered,2017-10-15 00:30:00,,,,\n")
        handle.write(first_order + "\n")
    with items.open("a") as handle:  # fixture rows are lines 2..612
        handle.write(f"{order_id},2,{product_id},s,2017-10-06 11:07:15,abc,8.72\n")
        handle.write(f"{order_id},3,{product_id},s,2017-10-06 11:07:15,-5,8.72\n")
        handle.write(f"{order_id},1,{product_id},s,2017-10-06 11:07:15,29.99,8.72\n")

    adapted = adapt([folder])
    unmapped = adapted.unmapped.filter(pl.col("reason") != "order_without_items")
    assert sorted(unmapped.select("source_file", "line", "reason").rows()) == [
        ("olist_order_items_dataset.csv", 613, "bad_price"),
        ("olist_order_items_dataset.csv", 614, "bad_price"),
        ("olist_order_items_dataset.csv", 615, "duplicate_item"),
        ("olist_orders_dataset.csv", 647, "bad_or_nonexistent_local_time"),
        ("olist_orders_dataset.csv", 648, "bad_or_nonexistent_local_time"),
        ("olist_orders_dataset.csv", 649, "duplicate_order"),
    ]
    # the repeated rows change nothing: the order still has one line of one unit
    lines = adapted.streams["orders"].filter(pl.col("order_id") == order_id)
    assert sorted(lines["event_type"]) == ["created", "paid"]
    assert lines["quantity"].to_list() == [1, 1]


def test_bom_and_crlf_read_like_the_clean_export(tmp_path: Path) -> None:
    clean = _export(tmp_path / "clean")
    windows = _export(tmp_path / "windows")
    for path in windows.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    expected, actual = adapt([clean]), adapt([windows])
    assert_frame_equal(actual.streams["orders"], expected.streams["orders"])
    for name, frame in expected.exports.items():
        assert_frame_equal(actual.exports[name], frame)
    assert_frame_equal(actual.unmapped, expected.unmapped)
    assert actual.unmapped["reason"].to_list() == ["order_without_items"] * 2


def _drop_items(folder: Path) -> None:
    (folder / "olist_order_items_dataset.csv").unlink()


def _rename_column(folder: Path) -> None:
    path = folder / "olist_orders_dataset.csv"
    path.write_text(path.read_text().replace("order_purchase_timestamp", "purchased_at", 1))


def _empty_file(folder: Path) -> None:
    (folder / "olist_customers_dataset.csv").write_bytes(b"")


def _semicolons(folder: Path) -> None:
    path = folder / "olist_products_dataset.csv"
    pl.read_csv(path, infer_schema=False).write_csv(path, separator=";")


def _latin1(folder: Path) -> None:
    path = folder / "olist_customers_dataset.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    fields = lines[4].split(b",")
    fields[3] = "são paulo".encode("latin-1")  # customer_city on line 5
    lines[4] = b",".join(fields)
    path.write_bytes(b"".join(lines))


def _extra_field(folder: Path) -> None:
    with (folder / "olist_order_items_dataset.csv").open("a") as handle:
        handle.write("o,1,p,s,2017-10-06 11:07:15,29.99,8.72,extra\n")  # line 613


def _open_quote(folder: Path) -> None:
    path = folder / "olist_products_dataset.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines[5] = lines[5].replace(",", ',"', 1)  # line 6: a quote opened, never closed
    path.write_text("".join(lines))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_drop_items, "olist export is missing order_items.csv (olist_order_items_dataset.csv)"),
        (
            _rename_column,
            "olist_orders_dataset.csv: line 1: no column order_purchase_timestamp (header",
        ),
        (_empty_file, "olist_customers_dataset.csv: empty file"),
        (_semicolons, "olist_products_dataset.csv: line 1: not comma-separated"),
        (_latin1, "olist_customers_dataset.csv: line 5: not UTF-8 (byte 0xe3)"),
        (_extra_field, "olist_order_items_dataset.csv: line 613: more fields than the header"),
        (_open_quote, "olist_products_dataset.csv: line 6: more fields than the header, or an"),
    ],
    ids=[
        "missing-file",
        "renamed-column",
        "empty-file",
        "semicolons",
        "latin-1",
        "extra-field",
        "open-quote",
    ],
)
def test_unreadable_input_is_one_line_naming_the_file(
    tmp_path: Path, damage: Callable[[Path], None], message: str
) -> None:
    folder = _export(tmp_path / "export")
    damage(folder)
    with pytest.raises(AdapterInputError) as raised:
        ingest("olist", [folder], tmp_path / "landing")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_ingest_command_prints_one_line_not_a_traceback(tmp_path: Path) -> None:
    folder = _export(tmp_path / "export")
    _rename_column(folder)
    result = CliRunner().invoke(
        app,
        ["ingest", "--format", "olist", str(folder), "--landing", str(tmp_path / "landing")],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: olist file ")
    assert "olist_orders_dataset.csv: line 1: no column order_purchase_timestamp" in line
