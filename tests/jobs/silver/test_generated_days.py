"""Silver against the generator's ground truth: every injected defect lands where it must.

Two small generated days go through bronze and silver; each delivery's `_manifest.json`
says which defects it carries (`defect_counts`) and how many clean rows silver must reach
(`expected_clean_rows`). Quarantine reasons, duplicate drops and silver counts must equal it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta

import polars as pl
import pytest

from livelake.generator import GeneratorConfig
from livelake.jobs.bronze import ingest
from livelake.jobs.silver import stage
from livelake.lake.read import read_table
from livelake.lake.tables.silver import EXPORTS, STREAMS
from tests.generated_lake import generated_lake

START, DAYS = date(2026, 1, 1), 2
REASON_OF_KIND = {
    "null_fk": "null_key",
    "unknown_fk": "unknown_fk",
    "malformed_json": "malformed",
    "truncated_csv": "malformed",
    "too_late": "too_late",
    "clock_skew": "clock_skew",
    "negative_amount": "negative_amount",
    "absurd_amount": "out_of_range",
}
DUPLICATE_KINDS = ("duplicate_exact", "resent_event_id")


@pytest.fixture(scope="module")
def generated(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    config = GeneratorConfig(start=START, days=DAYS, users=150, events_per_day=1_500, seed=11)
    ctx = generated_lake(spark, root, config)
    manifests = {}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        assert ingest.run(ctx, day).status == "ok"
        report = stage.run(ctx, day)
        assert report.status == "ok", report.message
        path = root / "landing" / "platform" / f"dt={day.isoformat()}" / "_manifest.json"
        manifests[day] = json.loads(path.read_text())
    return ctx, manifests


def table(ctx, name: str) -> pl.DataFrame:
    return read_table(name, lake_root=ctx.settings.lake_root)


def test_quarantine_reasons_and_duplicates_equal_the_injected_defects(generated):
    ctx, manifests = generated
    recon = table(ctx, "audit/reconciliation")
    assert recon["balanced"].all()
    for day, manifest in manifests.items():
        for name in (*STREAMS, *EXPORTS):
            kinds = manifest["defect_counts"].get(name, {})
            expected = Counter()
            for kind, n in kinds.items():
                if kind in REASON_OF_KIND:
                    expected[REASON_OF_KIND[kind]] += n
            quarantine = table(ctx, f"quarantine/{name}").filter(pl.col("delivery_date") == day)
            assert Counter(quarantine["reason"].to_list()) == expected, (day, name)
            if name in STREAMS:
                row = recon.filter(
                    (pl.col("delivery_date") == day) & (pl.col("table_name") == f"silver/{name}")
                )
                duplicates = sum(kinds.get(k, 0) for k in DUPLICATE_KINDS)
                assert row["duplicates_dropped"].to_list() == [duplicates], (day, name)


def test_silver_counts_equal_the_generated_clean_rows(generated):
    ctx, manifests = generated
    recon = table(ctx, "audit/reconciliation")
    expected_events: dict[str, Counter] = defaultdict(Counter)
    for day, manifest in manifests.items():
        for name, per_day in manifest["expected_clean_rows"].items():
            if name in STREAMS:
                expected_events[name].update(per_day)
                continue
            row = recon.filter(
                (pl.col("delivery_date") == day) & (pl.col("table_name") == f"silver/{name}")
            )
            clean_lines = row.select(pl.col("published") + pl.col("duplicates_dropped"))
            assert clean_lines.to_series().to_list() == [per_day[day.isoformat()]], (day, name)
    for name in STREAMS:
        silver = table(ctx, f"silver/{name}").group_by("event_date").len()
        actual = {d.isoformat(): n for d, n in silver.rows()}
        assert actual == dict(expected_events[name]), name
