"""The manifest's defect truth and clean counts match what is actually in the files.

Each check re-derives a fact from the bytes (parsing JSON, counting CSV fields, reading
timestamps) and compares it with the manifest, so silver tests can trust the manifest.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from livelake.generator.defects import FK_COLUMNS, UNKNOWN_ID_PREFIX
from livelake.lake.tables.silver import STREAMS
from livelake.landing import COLUMNS

QUARANTINED = {
    "too_late",
    "null_fk",
    "unknown_fk",
    "malformed_json",
    "truncated_csv",
    "clock_skew",
    "negative_amount",
    "absurd_amount",
}
EXTRA_COPIES = {"duplicate_exact", "resent_event_id"}


def _deliveries(root: Path) -> list[tuple[Path, dict]]:
    folders = sorted((root / "platform").glob("dt=*"))
    return [(f, json.loads((f / "_manifest.json").read_text())) for f in folders]


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    text = gzip.decompress(data) if path.name.endswith(".gz") else data
    return text.split(b"\n")[:-1] if text else []


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def deliveries(defective_landing: Path) -> list[tuple[Path, dict]]:
    return _deliveries(defective_landing)


def test_every_file_is_listed_with_its_rows_and_checksum(deliveries) -> None:
    for folder, manifest in deliveries:
        on_disk = {
            str(p.relative_to(folder))
            for p in folder.rglob("*")
            if p.is_file() and p.name != "_manifest.json"
        }
        assert on_disk == set(manifest["files"])
        for name, entry in manifest["files"].items():
            path = folder / name
            lines = _lines(path)
            header = 1 if name.endswith(".csv") else 0
            assert entry["rows"] == len(lines) - header, name
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_default_defects_cover_every_kind_at_about_1_to_2_percent(deliveries) -> None:
    kinds: Counter[str] = Counter()
    event_lines = 0
    for _, manifest in deliveries:
        for name, entry in manifest["files"].items():
            kinds.update(d["kind"] for d in entry["defects"])
            event_lines += entry["rows"] if name.startswith("events/") else 0
    assert set(kinds) == QUARANTINED | EXTRA_COPIES | {"late", "schema_drift", "empty_file"}
    line_defects = sum(n for k, n in kinds.items() if k not in {"empty_file", "truncated_csv"})
    assert 0.01 <= line_defects / event_lines <= 0.02
    assert kinds["empty_file"] == len(deliveries)


def test_every_line_is_clean_quarantined_or_a_duplicate(deliveries) -> None:
    for _, manifest in deliveries:
        for stream in STREAMS:
            counts = manifest["defect_counts"].get(stream, {})
            lines = sum(
                e["rows"] for n, e in manifest["files"].items() if n.split("/")[1:2] == [stream]
            )
            clean = sum(manifest["expected_clean_rows"][stream].values())
            quarantined = sum(n for k, n in counts.items() if k in QUARANTINED)
            duplicates = sum(n for k, n in counts.items() if k in EXTRA_COPIES)
            assert lines == clean + quarantined + duplicates, stream


def test_defect_counts_sum_the_per_file_entries(deliveries) -> None:
    for _, manifest in deliveries:
        summed: dict[str, Counter[str]] = defaultdict(Counter)
        for name, entry in manifest["files"].items():
            table = name.split("/")[1] if name.startswith("events/") else Path(name).stem
            summed[table].update(d["kind"] for d in entry["defects"])
        assert manifest["defect_counts"] == {t: dict(c) for t, c in summed.items() if c}


def test_malformed_lines_are_exactly_the_lines_that_do_not_parse(deliveries) -> None:
    for folder, manifest in deliveries:
        for name, entry in manifest["files"].items():
            if not name.startswith("events/"):
                continue
            failing = set()
            for number, line in enumerate(_lines(folder / name), start=1):
                try:
                    json.loads(line)
                except json.JSONDecodeError:
                    failing.add(number)
            declared = {d["line"] for d in entry["defects"] if d["kind"] == "malformed_json"}
            assert failing == declared, name


def test_each_declared_line_defect_is_visible_in_its_line(deliveries) -> None:
    checked: Counter[str] = Counter()
    for folder, manifest in deliveries:
        delivered = date.fromisoformat(manifest["delivery_date"])
        for name, entry in manifest["files"].items():
            if not name.startswith("events/"):
                continue
            stream = name.split("/")[1]
            hour_end = datetime.fromisoformat(name[-len("2026-03-01T05.jsonl.gz") :][:13] + ":00")
            hour_end = hour_end.replace(tzinfo=_time("2026-01-01T00:00:00Z").tzinfo)
            hour_end += timedelta(hours=1)
            lines = _lines(folder / name)
            for d in entry["defects"]:
                if d["kind"] == "empty_file":
                    assert entry["rows"] == 0
                    continue
                raw = lines[d["line"] - 1]
                kind = d["kind"]
                if kind == "malformed_json":
                    continue
                row = json.loads(raw)
                assert row["event_id"] == d["event_id"]
                if kind == "duplicate_exact":
                    assert raw == lines[d["original_line"] - 1]
                elif kind == "resent_event_id":
                    original = json.loads(lines[d["original_line"] - 1])
                    assert original["event_id"] == row["event_id"] and original != row
                elif kind == "null_fk":
                    assert d["column"] in FK_COLUMNS[stream] and row[d["column"]] is None
                elif kind == "unknown_fk":
                    assert row[d["column"]].startswith(UNKNOWN_ID_PREFIX)
                elif kind == "clock_skew":
                    assert _time(row["event_time"]) > hour_end + timedelta(minutes=15)
                elif kind == "late":
                    event_day = _time(row["event_time"]).date()
                    assert str(event_day) == d["event_date"]
                    assert 1 <= (delivered - event_day).days <= 3
                elif kind == "too_late":
                    assert (delivered - _time(row["event_time"]).date()).days > 3
                elif kind == "negative_amount":
                    assert row["amount_cny"] < 0
                elif kind == "absurd_amount":
                    assert row["amount_cny"] > 1_000_000
                elif kind == "schema_drift":
                    assert d["field"] in row and list(row)[-1] == d["field"]
                checked[kind] += 1
            undeclared_skew = [
                n
                for n, raw in enumerate(lines, start=1)
                if raw.startswith(b'{"')
                and raw.endswith(b"}")
                and _time(json.loads(raw)["event_time"]) > hour_end + timedelta(minutes=15)
                and n not in {d.get("line") for d in entry["defects"]}
            ]
            assert undeclared_skew == [], name
    assert len(checked) == 10


def test_truncated_csv_rows_are_exactly_the_short_rows(deliveries) -> None:
    for folder, manifest in deliveries:
        for name, entry in manifest["files"].items():
            if not name.endswith(".csv"):
                continue
            table = Path(name).stem
            with (folder / name).open(newline="") as handle:
                rows = list(csv.reader(handle))
            assert rows[0] == list(COLUMNS[table])
            short = {n for n, r in enumerate(rows, start=1) if len(r) < len(rows[0])}
            declared = {d["line"] for d in entry["defects"] if d["kind"] == "truncated_csv"}
            assert short == declared, name


def _clean_events(folder: Path, manifest: dict) -> dict[str, list[dict]]:
    """Clean events of one delivery, derived from the files and the defect list: quarantined
    lines and extra copies dropped, the later copy of a re-sent event kept."""
    out: dict[str, list[dict]] = defaultdict(list)
    for name, entry in manifest["files"].items():
        if not name.startswith("events/"):
            continue
        drop = {d["line"] for d in entry["defects"] if d["kind"] in QUARANTINED}
        drop |= {d["original_line"] for d in entry["defects"] if d["kind"] == "resent_event_id"}
        drop |= {d["line"] for d in entry["defects"] if d["kind"] == "duplicate_exact"}
        for number, raw in enumerate(_lines(folder / name), start=1):
            if number not in drop:
                out[name.split("/")[1]].append(json.loads(raw))
    return out


def test_expected_clean_rows_match_the_clean_lines(deliveries) -> None:
    for folder, manifest in deliveries:
        events = _clean_events(folder, manifest)
        for stream in STREAMS:
            ids = [e["event_id"] for e in events[stream]]
            assert len(ids) == len(set(ids)), "clean events are unique after dedup"
            by_day = Counter(e["event_time"][:10] for e in events[stream])
            assert dict(by_day) == manifest["expected_clean_rows"][stream], stream
        for name, entry in manifest["files"].items():
            if name.endswith(".csv"):
                clean = entry["rows"] - len(entry["defects"])
                table = Path(name).stem
                assert manifest["expected_clean_rows"][table] == {manifest["delivery_date"]: clean}


def test_clean_events_only_use_ids_delivered_on_or_before_their_delivery(deliveries) -> None:
    known: dict[str, set[str]] = defaultdict(set)
    orders_seen: set[str] = set()
    key_of = {
        "users": "user_id",
        "anchors": "anchor_id",
        "products": "product_id",
        "live_sessions": "session_id",
    }
    for folder, manifest in deliveries:
        for table, key in key_of.items():
            if f"exports/{table}.csv" in manifest["files"]:
                with (folder / f"exports/{table}.csv").open(newline="") as handle:
                    known[key] |= {r[key] for r in csv.DictReader(handle) if r.get(key)}
        events = _clean_events(folder, manifest)
        for stream, rows in events.items():
            for row in rows:
                for column in FK_COLUMNS[stream]:
                    assert row[column] in known[column], (stream, column, row[column])
                if row.get("product_id") is not None:
                    assert row["product_id"] in known["product_id"]
        orders_seen |= {r["order_id"] for r in events["orders"]}
        if "exports/after_sales.csv" in manifest["files"]:
            with (folder / "exports/after_sales.csv").open(newline="") as handle:
                cases = [r for r in csv.reader(handle)][1:]
            for case in cases:
                if len(case) == len(COLUMNS["after_sales"]):
                    assert case[1] in orders_seen and case[2] in known["user_id"]
