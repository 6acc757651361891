"""The hostile-line corpus through bronze and silver: every planted line gets its outcome.

One delivery carries every kind of `hostile_lines.KINDS` (250 lines each); one bronze run
and one silver run conform it, then each kind is checked line by line against the line
numbers it was planted at: published with the expected values, quarantined with the
expected reason and rule, or dropped as a counted duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter

import polars as pl
import pytest

from livelake.config import load_settings
from livelake.jobs.bronze import ingest
from livelake.jobs.context import JobContext
from livelake.jobs.silver import stage
from livelake.lake import RunContext, open_lake
from tests.jobs.silver.hostile_lines import (
    DUPLICATE,
    KINDS,
    LINES_PER_KIND,
    Published,
    Quarantined,
    delivery,
)
from tests.jobs.silver.stage_deliveries import PII_KEY, table

TABLES = ("views", "orders", "users")


def mac(value: str) -> str:
    return hmac.new(PII_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def conformed(spark, tmp_path_factory):
    """(planted lines, silver rows and quarantine rows by (table, line), reconciliation)."""
    root = tmp_path_factory.mktemp("hostile")
    cfg = load_settings(
        lake_root=str(root / "lake"), landing_root=str(root / "landing"), pii_key=PII_KEY
    )
    ctx = JobContext(spark, open_lake(spark, cfg), cfg, RunContext(job="test"))
    landed, planted = delivery()
    landed.write(root / "landing")
    assert ingest.run(ctx, landed.day).status == "ok"
    report = stage.run(ctx, landed.day)
    assert report.status == "ok", report.message
    silver, quarantine = {}, {}
    for name in TABLES:
        for row in table(ctx, f"silver/{name}").iter_rows(named=True):
            silver[(name, row["line_number"])] = row
        for row in table(ctx, f"quarantine/{name}").iter_rows(named=True):
            quarantine[(name, row["line_number"])] = (row["reason"], row["rule"])
    recon = table(ctx, "audit/reconciliation")
    return planted, silver, quarantine, recon, ctx


def _actual(line, silver, quarantine):
    where = (line.table, line.line_number)
    if where in silver:
        return silver[where]
    if where in quarantine:
        return Quarantined(*quarantine[where])
    return DUPLICATE


def _expected_columns(published: Published) -> dict[str, object]:
    expected = {}
    for name, value in published.columns.items():
        if name == "raw_pii":
            continue
        if name == "extra_fields":
            expected[name] = {f"{k}_pseudonym": mac(v) for k, v in value.items()}
        elif name.endswith("_pseudonym"):
            expected[name] = None if value is None else mac(value)
        else:
            expected[name] = value
    return expected


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_hostile_line_gets_exactly_its_outcome(conformed, kind):
    planted, silver, quarantine, _, _ = conformed
    lines = [p for p in planted if p.kind == kind.name]
    assert len(lines) == LINES_PER_KIND
    wrong = []
    for line in lines:
        actual = _actual(line, silver, quarantine)
        if isinstance(line.outcome, Published):
            expected = _expected_columns(line.outcome)
            if isinstance(actual, dict):
                got = {n: actual[n] for n in expected}
                if "extra_fields" in got:
                    got["extra_fields"] = json.loads(got["extra_fields"])
                actual = got
            if actual != expected:
                wrong.append((line.line_number, expected, actual))
        elif actual != line.outcome:
            wrong.append((line.line_number, line.outcome, actual))
    assert wrong == [], f"{len(wrong)} of {len(lines)} lines, first: {wrong[:3]}"


def test_landed_lines_reconcile_with_what_was_planted(conformed):
    planted, _, _, recon, _ = conformed
    for name in TABLES:
        outcomes = Counter(type(p.outcome).__name__ for p in planted if p.table == name)
        dimension_rows = 1 if name == "users" else 0  # u1, the key every event refers to
        row = recon.filter(pl.col("table_name") == f"silver/{name}").row(0, named=True)
        assert (row["landed"], row["published"], row["quarantined"], row["duplicates_dropped"]) == (
            sum(outcomes.values()) + dimension_rows,
            outcomes["Published"] + dimension_rows,
            outcomes["Quarantined"],
            outcomes["str"],
        ), name
        assert row["balanced"]


def test_the_corpus_has_at_least_forty_kinds_of_250_lines(conformed):
    planted, *_ = conformed
    per_kind = Counter(p.kind for p in planted)
    assert len(per_kind) == len(KINDS) >= 40
    assert set(per_kind.values()) == {LINES_PER_KIND}


def test_no_undeclared_or_aliased_pii_value_reaches_silver_raw(conformed):
    planted, *_, ctx = conformed
    raw = {
        v
        for p in planted
        if isinstance(p.outcome, Published)
        for v in p.outcome.columns.get("raw_pii", ())
    }
    assert len(raw) > 500
    found = []
    for name in TABLES:
        frame = table(ctx, f"silver/{name}")
        for column in (c for c, t in frame.schema.items() if t == pl.String):
            hits = frame.filter(pl.col(column).str.contains_any(sorted(raw)))
            found += [(name, column, v) for v in hits[column].to_list()]
    assert found == []
