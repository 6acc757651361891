"""Property: the JVM-free point-in-time walk picks exactly what DuckDB's ASOF JOIN picks.

Hypothesis builds sparse daily snapshots (entities missing on some days, null keys, keys no
label names, a pair-keyed entity) and labels at awkward instants (midnight exactly, a
microsecond before it, before every snapshot, null); for every label, `_matches` must name
the same snapshot row as an ASOF LEFT JOIN written independently in DuckDB.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from livelake.features.feature import ENTITY_KEYS, as_of_column
from livelake.retrieval.pit import _label_times, _matches

FIRST = date(2026, 3, 1)
DAYS = st.integers(0, 12).map(lambda n: FIRST + timedelta(days=n))
USERS = st.sampled_from(["u1", "u2", "u3", "u4", None])
CATEGORIES = st.sampled_from(["beauty", "food", None])
INSTANTS = st.one_of(
    st.none(),
    DAYS.map(lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC)),  # midnight exactly
    DAYS.map(lambda d: datetime(d.year, d.month, d.day, tzinfo=UTC) - timedelta(microseconds=1)),
    st.datetimes(datetime(2026, 2, 25), datetime(2026, 3, 16), timezones=st.just(UTC)),
)


def _snapshot_rows(entity: str):
    keys = st.tuples(USERS, CATEGORIES) if entity == "user_category" else st.tuples(USERS)
    # one row per (keys, day), as a features snapshot holds
    return st.lists(st.tuples(keys, DAYS), max_size=40, unique=True)


def _numbered(rows: pa.Table, name: str) -> pa.Table:
    return rows.append_column(name, pa.array(range(rows.num_rows), pa.int64()))


def _reference(labels: pa.Table, frame: pa.Table, entity: str) -> list[int | None]:
    """DuckDB's ASOF LEFT JOIN: the row of the latest snapshot available at the label."""
    keys = ENTITY_KEYS[entity]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # row numbers as columns: the answer must not depend on the order DuckDB scans in
    con.register("labels", _numbered(labels, "label_row"))
    con.register("frame", _numbered(frame, "frame_row"))
    on = " AND ".join(f"l.{k} = f.{k}" for k in keys)
    rows = con.sql(
        f"""
        SELECT l.label_row, f.frame_row
        FROM labels l
        ASOF LEFT JOIN (
          SELECT *, ({as_of_column(entity)} + INTERVAL 1 DAY)::TIMESTAMPTZ AS available_at
          FROM frame
        ) f ON {on} AND l.event_timestamp >= f.available_at
        ORDER BY l.label_row
        """
    ).fetchall()
    return [frame_row for _, frame_row in rows]


@settings(max_examples=150, deadline=None)
@given(
    entity=st.sampled_from(["user", "user_category"]),
    data=st.data(),
)
def test_the_walk_matches_duckdb_asof_join(entity, data):
    snapshots = data.draw(_snapshot_rows(entity))
    keys = ENTITY_KEYS[entity]
    frame = pa.table(
        {
            **{
                k: pa.array([row[0][i] for row in snapshots], pa.string())
                for i, k in enumerate(keys)
            },
            as_of_column(entity): pa.array([row[1] for row in snapshots], pa.date32()),
        }
    )
    label_keys = data.draw(
        st.lists(
            st.tuples(USERS, CATEGORIES, INSTANTS)
            if entity == "user_category"
            else st.tuples(USERS, st.none(), INSTANTS),
            max_size=30,
        )
    )
    labels = pa.table(
        {
            **{
                k: pa.array([row[i] for row in label_keys], pa.string()) for i, k in enumerate(keys)
            },
            "event_timestamp": pa.array([row[2] for row in label_keys], pa.timestamp("us", "UTC")),
        }
    )
    picked = _matches(labels, _label_times(labels, "event_timestamp"), frame, entity)
    assert picked.to_pylist() == _reference(labels, frame, entity)
