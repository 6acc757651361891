"""The lake I/O contract, on real Spark and real Delta tables.

Each test states one promise of the design brief's contracts: idempotent partition
replacement, atomic commits, safe concurrency, idempotency tokens, reader agreement,
time travel and schema evolution. Every test runs against both writers: the native
delta-spark one needs the jars `make install` fetches (no skip: without them it fails).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from livelake.lake import CommitConflictError, LakeError, RunContext, SchemaMismatchError
from livelake.lake.read import read_arrow
from livelake.lake.registry import STATS_COLUMNS_PROPERTY, Table, col, key
from tests.jobs.lake.contract_orders import ORDERS, frame, sorted_rows
from tests.pii_scan import pii_hits

D1, D2, D3 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)


@pytest.fixture(params=["delta-rs", "delta-spark"])
def lake(request, spark, lake_root):
    from livelake.config import load_settings
    from livelake.lake import open_lake

    return open_lake(spark, load_settings(lake_root=str(lake_root), delta_writer=request.param))


def table_files(lake, table):
    return set(DeltaTable(lake.uri(table)).file_uris())


def test_rerunning_a_day_replaces_only_that_days_partition(spark, lake):
    ctx = RunContext(job="test", day=D2)
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None), ("b", D2, 2, None)]), ctx)
    d1_files = {f for f in table_files(lake, ORDERS) if "day=2026-01-01" in f}

    day2 = frame(spark, [("b", D2, 20, "fixed"), ("c", D2, 3, None)])
    lake.replace_partitions(ORDERS, day2, [D2], ctx)
    after_once = sorted_rows(lake.read(ORDERS))
    lake.replace_partitions(ORDERS, day2, [D2], ctx)
    after_twice = sorted_rows(lake.read(ORDERS))

    assert after_once == after_twice
    assert [r[0] for r in after_twice] == ["a", "b", "c"]
    assert {f for f in table_files(lake, ORDERS) if "day=2026-01-01" in f} == d1_files


def test_a_staged_write_reads_the_same_rows_with_and_without_spark(spark, lake):
    """The gate reads staged files with pyarrow: it must see what Spark would publish."""
    rows = [("a", D1, 1.5, None), ("b", D2, 2, "x"), ("c", D2, None, "y")]
    staged = lake.stage(ORDERS, frame(spark, rows), "replace_partitions", [D1, D2])

    arrow = staged.arrow()
    assert arrow.schema == ORDERS.arrow_schema()
    spark_rows = sorted_rows(staged.dataframe.select(*ORDERS.column_names))
    assert sorted(tuple(r.values()) for r in arrow.to_pylist()) == spark_rows
    assert staged.arrow(["order_id"]).column_names == ["order_id"]
    staged.abort()


def test_file_statistics_come_from_the_log_and_count_every_published_row(spark, lake):
    """Silver counts a delivery's landed lines and finds the partitions it owns from these."""
    ctx = RunContext(job="test", day=D2)
    rows = [("a", D1, 1, None), ("b", D2, 2, None), ("c", D2, 3, None)]
    lake.append(ORDERS, frame(spark, rows), ctx)
    files = lake.file_statistics(ORDERS).to_pylist()
    per_day: dict[date, int] = {}
    for f in files:
        per_day[f["partition.day"]] = per_day.get(f["partition.day"], 0) + f["num_records"]
    assert per_day == {D1: 1, D2: 2}
    assert {(f["min.order_id"], f["max.order_id"]) for f in files} == {("a", "a"), ("b", "c")}


def test_a_free_text_columns_values_stay_out_of_the_delta_log(spark, lake):
    """Delta keeps min/max of a file's columns in its log, which every reader of the table
    can read: a free-text column (raw lines, fields a source added) is left out of them."""
    planted = "13800138000"
    lake.append(
        ORDERS, frame(spark, [("a", D1, 1, planted), ("b", D1, 2, "zz")]), RunContext(job="test")
    )

    log = Path(lake.uri(ORDERS), "_delta_log")
    assert pii_hits(log, {planted, "zz"}) == []
    assert DeltaTable(lake.uri(ORDERS)).metadata().configuration == {
        STATS_COLUMNS_PROPERTY: "order_id,amount_cny"
    }
    files = lake.file_statistics(ORDERS).to_pylist()
    assert min(f["min.order_id"] for f in files) == "a"
    assert max(f["max.order_id"] for f in files) == "b"
    assert all("min.note" not in f for f in files)


def test_a_table_with_columns_delta_keeps_no_min_max_of_is_created_and_written(spark, lake):
    """Delta refuses boolean and binary columns among the statistics columns."""
    flags = Table(
        layer="silver",
        name="contract_flags",
        grain="one row per flag",
        columns=(
            key("flag_id"),
            col("is_on", "boolean"),
            col("blob", "binary"),
            col("line", "string", free_text=True),
        ),
        keys=("flag_id",),
    )
    rows = spark.createDataFrame([("f", True, b"x", "raw")], flags.spark_schema())
    lake.append(flags, rows, RunContext(job="test"))
    assert DeltaTable(lake.uri(flags)).metadata().configuration == {
        STATS_COLUMNS_PROPERTY: "flag_id"
    }
    assert lake.read(flags).collect()[0]["is_on"] is True


def test_a_staged_write_still_counts_its_rows_after_it_is_published(spark, lake):
    """Stages report a table's rows after publishing, when the staged files are gone."""
    rows = [("a", D1, 1, None), ("b", D2, 2, None), ("c", D2, 3, None)]
    staged = lake.stage(ORDERS, frame(spark, rows), "append")
    staged.commit(RunContext(job="test"))
    assert staged.rows == 3


def test_one_write_stages_several_tables_each_its_own_rows(spark, lake):
    """Bronze stages a day's every source in one Spark write (`stage_each`): each table gets
    exactly the rows that name it, a table no row names an empty write, and no staging
    folder is left behind once they are published."""
    from dataclasses import replace

    from pyspark.sql import functions as F

    tables = {name: replace(ORDERS, name=f"contract_{name}") for name in ("north", "south", "east")}
    rows = [("a", D1, 1, None), ("b", D2, 2, "x"), ("c", D2, 3, None)]
    df = frame(spark, rows).withColumn(
        "_to", F.when(F.col("order_id") == "a", "north").otherwise("south")
    )
    staged = lake.stage_each(tables, df, by="_to")

    assert {name: write.rows for name, write in staged.items()} == {
        "north": 1,
        "south": 2,
        "east": 0,
    }
    ctx = RunContext(job="test", day=D2)
    for write in staged.values():
        write.commit(ctx)
    columns = ORDERS.column_names
    assert sorted_rows(lake.read(tables["north"]).select(*columns)) == sorted_rows(
        frame(spark, rows[:1])
    )
    assert sorted_rows(lake.read(tables["south"]).select(*columns)) == sorted_rows(
        frame(spark, rows[1:])
    )
    assert lake.read(tables["east"]).count() == 0
    assert "_to" not in lake.read(tables["south"]).columns
    leftovers = [
        p
        for table in tables.values()
        for p in (Path(lake.uri(table)) / "_staging").rglob("*")
        if p.is_file()
    ]
    assert leftovers == []


def test_stage_each_refuses_tables_declared_differently(spark, lake):
    from dataclasses import replace

    from pyspark.sql import functions as F

    other = replace(ORDERS, name="contract_other", columns=ORDERS.columns[:3])
    df = frame(spark, [("a", D1, 1, None)]).withColumn("_to", F.lit("orders"))
    with pytest.raises(LakeError, match="silver/contract_other differ from"):
        lake.stage_each({"orders": ORDERS, "other": other}, df, by="_to")


def test_keys_after_a_staged_write_are_the_distinct_staged_and_published_keys(spark, lake):
    ctx = RunContext(job="test", day=D2)
    assert lake.keys_after(ORDERS, "order_id", []) is None  # no table, nothing staged
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None), ("b", D1, 2, None)]), ctx)
    staged = lake.stage(ORDERS, frame(spark, [("b", D2, 2, None), ("c", D2, 3, None)]), "append")
    keys = lake.keys_after(ORDERS, "order_id", [staged])
    assert sorted(keys.to_pylist()) == ["a", "b", "c"]
    staged.abort()
    replacing = lake.stage(ORDERS, frame(spark, [("z", D3, 1, None)]), "overwrite")
    assert lake.keys_after(ORDERS, "order_id", [replacing]).to_pylist() == ["z"]
    replacing.abort()


def test_replacing_a_day_with_no_rows_empties_only_that_day(spark, lake):
    ctx = RunContext(job="test", day=D2)
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None), ("b", D2, 2, None)]), ctx)
    lake.replace_partitions(ORDERS, frame(spark, []), [D2], ctx)
    assert sorted_rows(lake.read(ORDERS).select("order_id")) == [("a",)]


def test_crash_before_commit_leaves_table_unchanged_and_vacuum_removes_orphans(
    spark, lake, lake_root
):
    ctx = RunContext(job="test", day=D1)
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx)
    version_before = lake.version(ORDERS)
    script = textwrap.dedent(
        f"""
        import os
        from datetime import date
        from livelake.config import load_settings
        from livelake.spark import get_spark
        from livelake.lake import open_lake
        from tests.jobs.lake.contract_orders import ORDERS, frame
        cfg = load_settings(
            lake_root={str(lake_root)!r}, spark_master="local[1]", delta_writer={lake.writer_name!r}
        )
        spark = get_spark(cfg)
        lake = open_lake(spark, cfg)
        staged = lake.stage(ORDERS, frame(spark, [("zz", date(2026, 1, 1), 9, None)]), "append")
        assert staged.rows == 1
        os._exit(9)  # die after the Parquet files are in place, before the commit
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr[-2000:]

    on_disk = {p for p in (lake_root / "silver/contract_orders").rglob("*.parquet")}
    referenced = table_files(lake, ORDERS)
    orphans = {str(p) for p in on_disk} - referenced
    assert len(orphans) == 1
    assert lake.version(ORDERS) == version_before
    assert sorted_rows(lake.read(ORDERS).select("order_id")) == [("a",)]

    removed = lake.vacuum(ORDERS, retention_hours=0)
    assert {str(p) for p in (lake_root / "silver/contract_orders").rglob("*.parquet")} == {
        str(p) for p in on_disk
    } - orphans
    assert removed, "vacuum reports what it removed"


def test_concurrent_appends_lose_and_duplicate_nothing(spark, lake):
    lake.append(ORDERS, frame(spark, []), RunContext(job="init"))
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for i in range(4):
                rows = [(f"{prefix}{i}", D1, i, None)]
                lake.append(ORDERS, frame(spark, rows), RunContext(job=f"writer-{prefix}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p,)) for p in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = [r[0] for r in lake.read(ORDERS).select("order_id").collect()]
    assert sorted(ids) == sorted([f"{p}{i}" for p in "xy" for i in range(4)])


def test_conflicting_merges_fail_the_loser_with_a_clear_message(spark, lake):
    ctx = RunContext(job="test", day=D1)
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None), ("b", D1, 2, None)]), ctx)
    first = lake.stage_merge(ORDERS, frame(spark, [("a", D1, 10, "first")]))
    second = lake.stage_merge(ORDERS, frame(spark, [("b", D1, 20, "second")]))
    first.commit(ctx.for_job("first"))
    with pytest.raises(CommitConflictError, match=r"contract_orders.*conflicting change"):
        second.commit(ctx.for_job("second"))
    rows = sorted_rows(lake.read(ORDERS).select("order_id", "note"))
    assert rows == [("a", "first"), ("b", None)]


def test_a_commit_between_a_merges_read_and_its_staging_is_a_conflict_then_a_retry_merges(
    spark, lake, monkeypatch
):
    """The merge computed its rows from the version it read: publishing them over a newer
    commit to the same day would silently undo that commit."""
    ctx = RunContext(job="test", day=D1)
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx)
    stage = lake.stage

    def stage_after_another_writer_commits(*args, **kwargs):
        monkeypatch.setattr(lake, "stage", stage)
        other = frame(spark, [("a", D1, 5, "other")])
        lake.replace_partitions(ORDERS, other, [D1], ctx.for_job("other"))
        return stage(*args, **kwargs)

    monkeypatch.setattr(lake, "stage", stage_after_another_writer_commits)
    mine = frame(spark, [("b", D1, 2, "mine")])
    staged = lake.stage_merge(ORDERS, mine)
    with pytest.raises(CommitConflictError, match=r"contract_orders.*conflicting change"):
        staged.commit(ctx.for_job("merge"))
    assert sorted_rows(lake.read(ORDERS).select("order_id", "note")) == [("a", "other")]

    lake.merge(ORDERS, mine, ctx.for_job("merge"))
    rows = sorted_rows(lake.read(ORDERS).select("order_id", "note"))
    assert rows == [("a", "other"), ("b", "mine")]


def test_a_retried_commit_with_the_same_token_is_applied_once(spark, lake):
    ctx = RunContext(job="test", day=D1)
    first = lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx, token="tok-1")
    retry = lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx, token="tok-1")
    assert first.applied and retry.skipped
    assert retry.version == first.version
    assert lake.read(ORDERS).count() == 1
    assert len(list(Path(lake.uri(ORDERS)).rglob("*.parquet"))) == 1, "retry's files removed"


def test_every_commit_carries_run_metadata(spark, lake):
    ctx = RunContext(job="silver.orders", day=D2, run_id="run-42")
    lake.append(ORDERS, frame(spark, [("a", D2, 1, None)]), ctx)
    newest = lake.history(ORDERS, 1)[0]
    assert newest["livelake.run_id"] == "run-42"
    assert newest["livelake.job"] == "silver.orders"
    assert newest["livelake.day"] == "2026-01-02"


def test_spark_delta_rs_and_polars_read_identical_rows(spark, lake, lake_root):
    ctx = RunContext(job="test")
    lake.append(ORDERS, frame(spark, [("a", D1, 1.5, "x"), ("b", D2, None, None)]), ctx)
    lake.append(ORDERS, frame(spark, [("c", D3, 3.25, "é")]), ctx)

    spark_rows = sorted(tuple(r) for r in lake.read(ORDERS).select(*ORDERS.column_names).collect())
    arrow_rows = sorted(tuple(r.values()) for r in read_arrow(ORDERS).to_pylist())
    polars_rows = sorted(pl.read_delta(lake.uri(ORDERS)).select(ORDERS.column_names).iter_rows())
    assert spark_rows == arrow_rows == polars_rows
    assert len(spark_rows) == 3


def test_time_travel_returns_the_older_rows(spark, lake):
    ctx = RunContext(job="test", day=D1)
    v1 = lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx).version
    lake.replace_partitions(ORDERS, frame(spark, [("b", D1, 2, None)]), [D1], ctx)
    assert sorted_rows(lake.read(ORDERS, version=v1).select("order_id")) == [("a",)]
    assert sorted_rows(lake.read(ORDERS).select("order_id")) == [("b",)]
    assert [r["order_id"] for r in read_arrow(ORDERS, version=v1).to_pylist()] == ["a"]


def test_time_travel_by_time_goes_by_recorded_commit_times_not_file_times(spark, lake):
    ctx = RunContext(job="test", day=D1)
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx)
    time.sleep(0.01)
    between = datetime.now(UTC)
    time.sleep(0.01)
    lake.replace_partitions(ORDERS, frame(spark, [("b", D1, 2, None)]), [D1], ctx)
    for log in Path(lake.uri(ORDERS), "_delta_log").iterdir():
        os.utime(log)  # as a copy or restore of the lake would
    assert sorted_rows(lake.read(ORDERS, timestamp=between).select("order_id")) == [("a",)]


def test_additive_nullable_column_is_accepted(spark, lake):
    ctx = RunContext(job="test")
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx)
    wider = Table(**{**ORDERS.__dict__, "columns": (*ORDERS.columns, col("channel", "string"))})
    lake.append(wider, frame(spark, [("b", D1, 2, None)]).selectExpr("*", "'live' channel"), ctx)
    rows = sorted_rows(lake.read(wider).select("order_id", "channel"))
    assert rows == [("a", None), ("b", "live")]


def test_incompatible_type_change_is_refused_naming_table_column_and_types(spark, lake):
    ctx = RunContext(job="test")
    lake.append(ORDERS, frame(spark, [("a", D1, 1, None)]), ctx)
    changed = Table(
        **{
            **ORDERS.__dict__,
            "columns": tuple(
                col("amount_cny", "double") if c.name == "amount_cny" else c for c in ORDERS.columns
            ),
        }
    )
    df = frame(spark, [("b", D1, 2, None)]).selectExpr(
        "order_id", "day", "cast(amount_cny as double) amount_cny", "note"
    )
    with pytest.raises(SchemaMismatchError) as raised:
        lake.append(changed, df, ctx)
    message = str(raised.value)
    assert "silver/contract_orders" in message and "amount_cny" in message
    assert "decimal(18,2)" in message and "double" in message
    assert lake.read(ORDERS).count() == 1


def test_writing_an_undeclared_column_is_refused(spark, lake):
    df = frame(spark, [("a", D1, 1, None)]).selectExpr("*", "1 AS surprise")
    with pytest.raises(SchemaMismatchError, match="surprise"):
        lake.append(ORDERS, df, RunContext(job="test"))
