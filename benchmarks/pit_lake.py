"""The point-in-time benchmark's snapshots, also as livelake's `gold/user_features` table.

Same rows as `snapshots.parquet`: `as_of_date` = the snapshot day (usable from the next
midnight, which is the Parquet file's `feature_timestamp`), `user_id` as the lake's string
key, and the five benchmark features stored in five declared double-typed user features
(the others stay null). Written with delta-rs at the lake's table location, with the
publication a features stage would record: setup, not a measured path.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks import synthetic
from benchmarks.pit_data import FEATURES, START, make
from livelake.lake.tables.gold import SNAPSHOTS

# benchmark feature -> the declared double-typed user feature that stores it (a money
# feature would round the benchmark's doubles to its two decimal places)
STORED_AS: dict[str, str] = dict(
    zip(
        FEATURES,
        (
            "avg_dwell_seconds_30d",
            "cart_to_pay_ratio_30d",
            "avg_order_value_cny_90d",
            "interactions_per_visit_30d",
            "engagement_decayed",
        ),
        strict=True,
    )
)
REFERENCES = [f"user:{name}" for name in STORED_AS.values()]
LABELS_FILE = "labels_livelake.parquet"


def lake_root(data: Path) -> Path:
    return data / "lake"


def write(data: Path) -> None:
    """Write `gold/user_features` and the labels with string user ids under `data`."""
    declared = SNAPSHOTS["user"]
    snaps = pq.read_table(data / "snapshots.parquet")
    first = pa.scalar(START.date(), pa.date32())
    days = pc.cast(snaps.column("as_of_index"), pa.int32())
    as_of = pc.cast(pc.add(pc.cast(first, pa.int32()), days), pa.date32())
    stored = {STORED_AS[name]: snaps.column(name) for name in FEATURES}
    columns = []
    for field in declared.arrow_schema():
        if field.name == "user_id":
            columns.append(pc.cast(snaps.column("user_id"), pa.string()))
        elif field.name == "as_of_date":
            columns.append(as_of)
        elif field.name in stored:
            columns.append(pc.cast(stored[field.name], field.type))
        elif field.name == "run_id":
            columns.append(pa.array(["benchmark"] * snaps.num_rows, pa.string()))
        else:
            columns.append(pa.nulls(snaps.num_rows, field.type))
    table = pa.Table.from_arrays(columns, schema=declared.arrow_schema())
    synthetic.write(str(lake_root(data)), declared, table, mode="overwrite")
    labels = pq.read_table(data / "labels.parquet")
    labels = labels.set_column(
        labels.schema.get_field_index("user_id"),
        "user_id",
        pc.cast(labels.column("user_id"), pa.string()),
    )
    pq.write_table(labels, data / LABELS_FILE)


def as_benchmark_columns(result: pa.Table) -> pa.Table:
    """`label_id` + the five features under their benchmark names (to compare engines)."""
    return pa.table(
        {
            "label_id": result.column("label_id"),
            **{name: result.column(f"user__{stored}") for name, stored in STORED_AS.items()},
        }
    )


def main(data: Path, users: int, labels: int) -> None:
    """Make the benchmark data in a process of its own (the runner stays small)."""
    make(data, users=users, days=30, labels=labels)
    write(data)
    print("{}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
