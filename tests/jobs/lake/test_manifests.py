"""Staged writes that outlive their process: staged by one task, published by another.

A second `Lake` object over the same folder stands in for the publishing task's process: it
shares nothing in memory with the one that staged.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from livelake.config import load_settings
from livelake.lake import LakeError, RunContext, open_lake, registry
from livelake.lake.manifests import Manifests
from tests.jobs.lake.contract_orders import ORDERS, frame, sorted_rows

D1 = date(2026, 1, 1)


@pytest.fixture
def lakes(spark, lake_root, monkeypatch):
    """(the staging task's lake, the publishing task's lake) over one folder."""
    monkeypatch.setitem(registry._TABLES, ORDERS.qualified_name, ORDERS)
    cfg = load_settings(lake_root=str(lake_root), delta_writer="delta-rs")
    return open_lake(spark, cfg), open_lake(spark, cfg)


def parquet_files(lake) -> set[Path]:
    return set(Path(lake.uri(ORDERS)).rglob("*.parquet"))


def test_a_write_staged_in_one_process_is_published_in_another(spark, lakes):
    stager, publisher = lakes
    staged = stager.stage(ORDERS, frame(spark, [("a", D1, 1, None), ("b", D1, 2, None)]), "append")
    Manifests(stager, "silver", D1).save("orders", [staged], {"landed": 2})

    manifest = Manifests(publisher, "silver", D1).load("orders")

    assert manifest is not None and manifest.figures == {"landed": 2}
    [restored] = manifest.writes
    assert restored.rows == 2
    assert sorted_rows(restored.dataframe) == sorted_rows(staged.dataframe)
    assert not publisher.exists(ORDERS) or publisher.read(ORDERS).count() == 0, "not yet"
    result = restored.commit(RunContext(job="gate", day=D1))
    assert result.applied and result.rows_added == 2
    assert sorted(r[0] for r in publisher.read(ORDERS).select("order_id").collect()) == ["a", "b"]


def test_committing_a_restored_write_again_is_a_no_op_that_keeps_its_files(spark, lakes):
    """A gate task that crashed after committing retries with the same manifest."""
    stager, publisher = lakes
    staged = stager.stage(ORDERS, frame(spark, [("a", D1, 1, None)]), "append")
    area = Manifests(stager, "silver", D1)
    area.save("orders", [staged], {})
    first = area.load("orders").writes[0].commit(RunContext(job="gate-try-1", day=D1))

    retry = Manifests(publisher, "silver", D1).load("orders").writes[0]
    again = retry.commit(RunContext(job="gate-try-2", day=D1))

    assert first.applied and again.skipped
    assert publisher.read(ORDERS).count() == 1
    assert len(parquet_files(publisher)) == 1, "the published file survives the no-op commit"


def test_staging_a_part_again_aborts_what_it_staged_before(spark, lakes):
    stager, _ = lakes
    area = Manifests(stager, "silver", D1)
    area.save("orders", [stager.stage(ORDERS, frame(spark, [("a", D1, 1, None)]), "append")], {})
    first_files = parquet_files(stager)

    retry = stager.stage(ORDERS, frame(spark, [("a", D1, 5, None)]), "append")
    area.save("orders", [retry], {})

    assert first_files and not (first_files & parquet_files(stager)), "the first try's files"
    assert area.load("orders").writes[0].rows == 1
    area.discard("orders")
    assert area.load("orders") is None and parquet_files(stager) == set()


def test_clear_forgets_manifests_but_a_missing_part_reads_as_none(spark, lakes):
    stager, _ = lakes
    area = Manifests(stager, "silver", D1)
    assert area.load("orders") is None
    area.save("orders", [], {"landed": 0})
    area.clear()
    assert area.load("orders") is None
    area.clear()  # clearing twice is fine


def test_a_write_staged_by_the_other_writer_is_refused_with_what_to_do(spark, lakes):
    stager, publisher = lakes
    described = stager.stage(ORDERS, frame(spark, [("a", D1, 1, None)]), "append").describe()

    with pytest.raises(LakeError, match="by the delta-spark writer; this lake uses delta-rs"):
        publisher.restore_staged({**described, "writer": "delta-spark"})
