"""One table, two writers: what one commits the other reads, appends to, merges, optimizes
and vacuums, with history, time travel and app-transaction tokens agreeing (the design
brief: "a table written by one is readable and writable by the other")."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from livelake.lake import RunContext
from livelake.lake.read import read_arrow
from tests.jobs.lake.contract_orders import ORDERS, frame, sorted_rows

D1, D2, D3 = date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)
WRITERS = ("delta-rs", "delta-spark")


@pytest.fixture
def open_writer(spark, lake_root):
    from livelake.config import load_settings
    from livelake.lake import open_lake

    return lambda name: open_lake(spark, load_settings(lake_root=str(lake_root), delta_writer=name))


def ids_and_notes(df):
    return sorted_rows(df.select("order_id", "note"))


def files_per_day(lake):
    return Counter(f["partition.day"] for f in lake.file_statistics(ORDERS).to_pylist())


@pytest.mark.parametrize(("first_name", "second_name"), [WRITERS, WRITERS[::-1]])
def test_a_table_written_by_one_writer_is_read_and_maintained_by_the_other(
    spark, open_writer, first_name, second_name
):
    first, second = open_writer(first_name), open_writer(second_name)
    ctx = RunContext(job="first", day=D1, run_id="run-1")
    rows = [("a", D1, 1, None), ("b", D1, 2, "x"), ("c", D2, 3, None)]
    written = frame(spark, rows).coalesce(1)  # one file per day
    v_first = first.append(ORDERS, written, ctx, token="tok-first").version

    # The other writer reads it, appends, merges, and retries the first writer's token.
    assert ids_and_notes(second.read(ORDERS)) == [("a", None), ("b", "x"), ("c", None)]
    later = RunContext(job="second", day=D2, run_id="run-2")
    day2 = frame(spark, [("d", D2, 4, None)]).coalesce(1)
    second.append(ORDERS, day2, later, token="tok-second")
    merged = second.merge(ORDERS, frame(spark, [("a", D1, 10, "merged")]), later).version
    again = second.append(ORDERS, frame(spark, rows), later, token="tok-first")
    assert again.skipped and again.version == merged

    # The first writer sees all of it, and skips the second writer's token too.
    expected = [("a", "merged"), ("b", "x"), ("c", None), ("d", None)]
    assert ids_and_notes(first.read(ORDERS)) == expected
    assert first.append(ORDERS, frame(spark, [("d", D2, 4, None)]), ctx, token="tok-second").skipped

    # Both time-travel to the first writer's version; both agree on the history.
    for lake in (first, second):
        assert ids_and_notes(lake.read(ORDERS, version=v_first)) == [
            ("a", None),
            ("b", "x"),
            ("c", None),
        ]
    history = second.history(ORDERS)
    assert history == first.history(ORDERS)
    newest = [(c["version"], c["livelake.job"], c["livelake.writer"]) for c in history[:3]]
    assert newest == [
        (merged, "second", second_name),
        (merged - 1, "second", second_name),
        (v_first, "first", first_name),
    ]

    # The other writer compacts (day 2 holds two files) and vacuums; all readers agree.
    assert files_per_day(first)[D2] == 2
    second.optimize(ORDERS, later)
    assert files_per_day(first) == {D1: 1, D2: 1}
    assert second.vacuum(ORDERS, retention_hours=0)
    assert ids_and_notes(first.read(ORDERS)) == expected
    arrow = sorted((r["order_id"], r["note"]) for r in read_arrow(ORDERS).to_pylist())
    assert arrow == expected
    # And the first writer goes on writing the table the second one maintained.
    first.replace_partitions(ORDERS, frame(spark, [("e", D2, 5, None)]), [D2], ctx)
    assert ids_and_notes(second.read(ORDERS)) == [("a", "merged"), ("b", "x"), ("e", None)]
