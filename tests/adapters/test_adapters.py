"""Real public logs land in the landing format with every input row accounted for.

Expected counts were derived from the raw samples with Python's csv module (see each test),
independently of the adapters' polars code.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livelake.adapters import AdapterInputError, ingest
from livelake.cli import app
from tests.adapters.samples import OLIST, RETAILROCKET, TAOBAO


def _landed(root: Path, source: str) -> tuple[dict[str, list[dict]], dict[str, list[dict]], list]:
    """Every landed event and export row of a source, and the manifests."""
    events: dict[str, list[dict]] = {}
    exports: dict[str, list[dict]] = {}
    manifests = []
    for folder in sorted((root / source).glob("dt=*")):
        manifests.append(json.loads((folder / "_manifest.json").read_text()))
        for path in sorted(folder.glob("events/*/*.jsonl.gz")):
            lines = gzip.decompress(path.read_bytes()).decode().splitlines()
            events.setdefault(path.parent.name, []).extend(json.loads(x) for x in lines)
        for path in sorted(folder.glob("exports/*.csv")):
            with path.open(newline="") as handle:
                exports.setdefault(path.stem, []).extend(csv.DictReader(handle))
    return events, exports, manifests


def _unmapped(manifests: list) -> Counter[str]:
    total: Counter[str] = Counter()
    for m in manifests:
        total.update(m["unmapped"]["by_reason"])
    return total


def _check_manifest_counts(root: Path, source: str, manifests: list) -> None:
    for m in manifests:
        folder = root / source / f"dt={m['delivery_date']}"
        for name, entry in m["files"].items():
            data = (folder / name).read_bytes()
            text = gzip.decompress(data) if name.endswith(".gz") else data
            lines = text.decode().splitlines()
            assert entry["rows"] == len(lines) - (1 if name.endswith(".csv") else 0)
        for table, by_day in m["expected_clean_rows"].items():
            assert list(by_day) == [m["delivery_date"]], table


def _ids_known_before_use(events: dict, root: Path, source: str) -> None:
    """Every user/product an event uses is exported on or before the event's delivery."""
    known: dict[str, set[str]] = {"user_id": set(), "product_id": set()}
    for folder in sorted((root / source).glob("dt=*")):
        for table, key in (("users", "user_id"), ("products", "product_id")):
            path = folder / "exports" / f"{table}.csv"
            if path.exists():
                with path.open(newline="") as handle:
                    known[key] |= {r[key] for r in csv.DictReader(handle)}
        for path in folder.glob("events/*/*.jsonl.gz"):
            for line in gzip.decompress(path.read_bytes()).decode().splitlines():
                row = json.loads(line)
                assert row["user_id"] in known["user_id"]
                if row.get("product_id") is not None:
                    assert row["product_id"] in known["product_id"]


def test_taobao_sample_lands_every_row_or_counts_it(tmp_path: Path) -> None:
    # csv module on the sample: pv 2271, cart 131, buy 53, fav 53; 22 users and 1806 items
    # outside fav rows; all timestamps inside 2017-11-25..12-03 Beijing time.
    report = ingest("taobao", [TAOBAO], tmp_path)
    events, exports, manifests = _landed(tmp_path, "taobao")
    assert report.input_rows == 2508
    assert {k: len(v) for k, v in events.items()} == {
        "views": 2271,
        "cart_events": 131,
        "orders": 53,
    }
    assert len(exports["users"]) == 22 and len(exports["products"]) == 1806
    assert _unmapped(manifests) == {"no_landing_stream_fav": 53} == report.unmapped
    assert report.input_rows == 2271 + 131 + 53 + 53  # every row landed or counted
    assert manifests[0]["delivery_date"] == "2017-11-24"  # 00:00 Beijing = 16:00Z
    assert len(manifests) == 10
    assert events["orders"][0]["event_type"] == "paid"
    _check_manifest_counts(tmp_path, "taobao", manifests)
    _ids_known_before_use(events, tmp_path, "taobao")


def test_taobao_bad_rows_are_counted_per_reason(tmp_path: Path) -> None:
    source = tmp_path / "UserBehavior_bad.csv"
    source.write_text(
        "1,2268318,2520377,pv,1511544070\n"
        "1.0,2268318,2520377,pv,1511544070\n"  # float id
        "1,2268318,,pv,1511544070\n"  # missing category
        "1,2268318,2520377,pv\n"  # too few fields
        "1,2268318,2520377,pv,1505118999\n"  # 2017-09-11: before the window
        "1,2268318,2520377,like,1511544070\n"  # unknown behaviour
        "1,2268318,2520377,buy,15115440xx\n"  # bad timestamp
    )
    report = ingest("taobao", [source], tmp_path / "landing")
    assert report.rows["views"] == 1
    assert report.unmapped == {
        "bad_id": 1,
        "missing_field": 1,
        "wrong_field_count": 1,
        "timestamp_out_of_range": 1,
        "unknown_behavior": 1,
        "bad_timestamp": 1,
    }
    (manifest,) = _landed(tmp_path / "landing", "taobao")[2]
    assert manifest["unmapped"]["rows"] == 6
    assert [e["line"] for e in manifest["unmapped"]["examples"]] == [2, 3, 4, 5, 6, 7]


def test_retailrocket_sample_lands_with_float_transaction_ids_normalised(tmp_path: Path) -> None:
    # csv module: 479 rows: view 468, addtocart 10, transaction 1 (id 14418.0);
    # 279 visitors, 399 items.
    report = ingest("retailrocket", [RETAILROCKET], tmp_path)
    events, exports, manifests = _landed(tmp_path, "retailrocket")
    assert report.input_rows == 479
    assert {k: len(v) for k, v in events.items()} == {
        "views": 468,
        "cart_events": 10,
        "orders": 1,
    }
    assert events["orders"][0]["order_id"] == "14418"
    assert len(exports["users"]) == 279 and len(exports["products"]) == 399
    assert report.unmapped == {} and _unmapped(manifests) == {}
    assert len(manifests) == 124
    assert any("normalised" in note for note in manifests[0]["adapter"]["notes"])
    _check_manifest_counts(tmp_path, "retailrocket", manifests)
    _ids_known_before_use(events, tmp_path, "retailrocket")


@pytest.fixture(scope="module")
def olist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("olist")
    return root, ingest("olist", [OLIST], root)


def test_olist_orders_become_status_lines_per_product(olist) -> None:
    # csv module (tests/data/olist/PROVENANCE.md): 549 (order, product) groups; 500 of them
    # paid (paid status with an approval time); 46 in canceled/unavailable orders; 645 unique
    # customers, 509 products; two `created` orders without items, on lines 414 and 634.
    root, report = olist
    events, exports, manifests = _landed(root, "olist")
    kinds = Counter(e["event_type"] for e in events["orders"])
    assert kinds == {"created": 549, "paid": 500, "cancelled": 46}
    assert len(exports["users"]) == 645 and len(exports["products"]) == 509
    assert report.unmapped == {"order_without_items": 2}
    examples = [x for m in manifests for x in m["unmapped"]["examples"]]
    assert {(x["source_file"], x["line"]) for x in examples} == {
        ("orders.csv", 414),
        ("orders.csv", 634),
    }
    _check_manifest_counts(root, "olist", manifests)
    _ids_known_before_use(events, root, "olist")


def test_olist_times_are_utc_and_amounts_cny(olist) -> None:
    root, _ = olist
    events, _, _ = _landed(root, "olist")
    first = [e for e in events["orders"] if e["order_id"] == "e481f51cbdc54678b7cc49136f2d6af7"]
    created = next(e for e in first if e["event_type"] == "created")
    # upstream: purchased 2017-10-02 10:56:33 São Paulo (UTC-3), one item at 29.99 BRL
    assert created["event_time"] == "2017-10-02T13:56:33.000Z"
    assert created["unit_price_cny"] == pytest.approx(round(29.99 * 2.12, 2))
    assert created["amount_cny"] == created["unit_price_cny"] and created["quantity"] == 1


def test_olist_cancelled_and_unavailable_orders_become_after_sales(olist) -> None:
    # csv module: 46 cancelled (order, product) groups + 109 cancelled orders without items.
    root, _ = olist
    _, exports, _ = _landed(root, "olist")
    cases = exports["after_sales"]
    assert len(cases) == 155
    assert Counter(c["reason"] for c in cases) == {"cancelled_by_seller": 98, "other": 57}
    assert sum(1 for c in cases if c["product_id"] == "") == 109


def test_unknown_format_and_missing_input_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(AdapterInputError, match="unknown format 'csv'"):
        ingest("csv", [TAOBAO], tmp_path)
    with pytest.raises(AdapterInputError, match=r"olist export is missing orders\.csv"):
        ingest("olist", [OLIST / "customers.csv"], tmp_path)


def test_ingest_command_prints_rows_and_unmapped_reasons(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["ingest", "--format", "taobao", str(TAOBAO), "--landing", str(tmp_path)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "unmapped: no_landing_stream_fav" in result.output and "2,271" in result.output
