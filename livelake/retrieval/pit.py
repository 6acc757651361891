"""The point-in-time API data scientists use, without a JVM.

`read(entity, as_of=...)` returns one feature snapshot. `training_set(labels, features)` joins
each label row with, per entity, the latest snapshot usable strictly before the label's
timestamp: the snapshot of day S holds events before S+1 00:00 UTC, so it is usable from
then on (`available_at`), and a label at t takes the latest S with available_at <= t. An
event at t therefore never reaches a label at t. The join is one walk over the snapshot days
in Arrow and NumPy (`_matches`), whatever frame type `engine` asks for; the tests hold it to
DuckDB's ASOF JOIN.
A value whose snapshot is older than its feature's `max_age` at t (t - available_at >
max_age, Feast's TTL) comes back null; `<entity>__as_of_date` shows which snapshot was found.

Reproducible and bitemporal: every call resolves one Delta version per feature table
first — the latest, or the one last published by `known_as_of` (by the `published_at` that
`audit/published_runs` records, so a copied or restored lake answers the same) — and
`save_to=` writes the result with the labels and a manifest pinning those versions and the
data's hash. `rebuild_training_set` recomputes it and refuses unless the hash matches, so it
gives the same rows after any later backfill or late-data fix, or an error saying why not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from livelake.features.declarations import features_of, resolve
from livelake.features.feature import ENTITY_KEYS, Feature, as_of_column, feature_table
from livelake.lake.base import LakeError
from livelake.lake.published import published_version_at, published_versions
from livelake.lake.read import Engine, check_engine, delta_table, read_arrow, to_engine
from livelake.lake.registry import table

# A call's staleness limits: one for every feature, or per reference (`user:visits_7d`,
# `user:*`; None there means any age); None keeps each feature's declared `max_age`.
MaxAge = timedelta | Mapping[str, timedelta | None] | None
MANIFEST = "manifest.json"
LABELS_FILE = "labels.parquet"
DATA_FILE = "training_set.parquet"
_TS = "__livelake_ts_us"
_MICROS_PER_DAY = 86_400_000_000
_MICROSECOND = timedelta(microseconds=1)


class TrainingSetError(RuntimeError):
    """A training set cannot be saved or rebuilt as asked; the message says why."""


def _table(entity: str):

    return table(feature_table(entity))


def to_arrow(frame: Any) -> pa.Table:
    """Accept a pandas / Polars / Arrow frame or a DuckDB relation."""
    if isinstance(frame, pa.Table):
        return frame
    module = type(frame).__module__
    if module.startswith("polars"):
        return frame.to_arrow()
    if module.startswith("pandas"):
        return pa.Table.from_pandas(frame, preserve_index=False)
    if module.startswith("duckdb"):
        return frame.to_arrow_table()
    raise TypeError(f"labels must be a pandas, Polars or Arrow frame (got {type(frame).__name__})")


def table_version(
    entity: str,
    known_as_of: datetime | None = None,
    lake_root: str | None = None,
    consistent: bool = True,
) -> int:
    """The Delta version of the entity's feature table: as last published (now, or by
    `known_as_of`), or with `consistent=False` its latest commit, published or not."""
    name = feature_table(entity)
    if known_as_of is not None:
        return published_version_at(name, known_as_of, lake_root)
    if not consistent:
        return delta_table(_table(entity), lake_root=lake_root).version()
    version = published_versions(lake_root).get(name)
    if version is None:
        raise LakeError(
            f"{name} has no gated publication in audit/published_runs yet: run the features "
            "stage, or read its unpublished commits with consistent=False"
        )
    return version


def _snapshots(
    entity: str,
    columns: list[str] | None,
    version: int | None,
    lake_root: str | None,
    filter: pc.Expression | None = None,
) -> pa.Table:

    keys = list(ENTITY_KEYS[entity])
    wanted = None if columns is None else [*keys, "as_of_date", *columns]
    return read_arrow(_table(entity), version, None, wanted, filter=filter, lake_root=lake_root)


def read(
    entity: str,
    as_of: date | None = None,
    columns: list[str] | None = None,
    engine: Engine = "polars",
    *,
    known_as_of: datetime | None = None,
    version: int | None = None,
    lake_root: str | None = None,
    consistent: bool = True,
) -> Any:
    """One snapshot of an entity's features: the latest one, or the latest as of `as_of`.

    The table is read as last published (`audit/published_runs`), or as last published by
    `known_as_of` (before a later fix); `version` pins a Delta version, `consistent=False`
    reads its latest commit. Columns default to every declared feature.
    """
    check_engine(engine)
    if known_as_of is not None and version is not None:
        raise ValueError("pass version or known_as_of, not both")
    if version is None:
        version = table_version(entity, known_as_of, lake_root, consistent)
    names = [f.name for f in features_of(entity)]
    unknown = sorted(set(columns or ()) - set(names))
    if unknown:
        raise ValueError(f"{entity} has no features {unknown}; `livelake features list` shows them")
    days = _snapshots(entity, [], version, lake_root).column("as_of_date")
    if as_of is not None:
        days = pc.filter(days, pc.less_equal(days, pa.scalar(as_of, pa.date32())))
    chosen = None if len(days) == 0 else pc.max(days).as_py()
    if chosen is None:
        when = f" on or before {as_of}" if as_of else ""
        raise LookupError(f"{feature_table(entity)} has no snapshot{when}: run the features stage")
    data = _snapshots(
        entity,
        columns or names,
        version,
        lake_root,
        filter=pc.field("as_of_date") == pa.scalar(chosen, pa.date32()),
    )
    return to_engine(data, engine)


def _label_times(labels: pa.Table, timestamp_column: str) -> pa.Array:
    """Label timestamps as UTC microseconds (naive timestamps are taken as UTC)."""
    if timestamp_column not in labels.column_names:
        raise KeyError(
            f"labels have no timestamp column {timestamp_column!r} (columns: "
            f"{', '.join(labels.column_names)}); pass timestamp_column="
        )
    column = labels.column(timestamp_column)
    if pa.types.is_date(column.type):
        column = pc.cast(column, pa.timestamp("us"))
    if not pa.types.is_timestamp(column.type):
        raise TypeError(f"labels.{timestamp_column} must be a timestamp or date, not {column.type}")
    return pc.cast(pc.cast(column, pa.timestamp("us", tz=column.type.tz)), pa.int64())


def _available_us(as_of_dates: pa.ChunkedArray) -> pa.ChunkedArray:
    """When each snapshot became usable, in UTC microseconds: as_of_date + 1 day, 00:00."""
    days = pc.cast(pc.cast(as_of_dates, pa.timestamp("us")), pa.int64())
    return pc.add(days, _MICROS_PER_DAY)


def _feature_frame(
    entity: str, chosen: list[Feature], version: int, lake_root: str | None
) -> pa.Table:
    """Snapshots with the entity keys, `<entity>__as_of_date` and `<entity>__<feature>`."""
    data = _snapshots(entity, [f.name for f in chosen], version, lake_root)
    keys = list(ENTITY_KEYS[entity])
    columns = {k: data.column(k) for k in keys}
    columns[as_of_column(entity)] = data.column("as_of_date")
    columns.update({f.column: data.column(f.name) for f in chosen})
    return pa.table(columns)


def max_ages(chosen: list[Feature], override: MaxAge = None) -> dict[str, timedelta | None]:
    """Each chosen feature's staleness limit: declared, unless the call overrides it."""
    limits = {f.reference: f.max_age for f in chosen}
    if isinstance(override, timedelta):
        return dict.fromkeys(limits, override)
    for reference, limit in (override or {}).items():
        hit = [f.reference for f in resolve([reference]) if f.reference in limits]
        if not hit:
            raise ValueError(f"max_age names {reference!r}, which is not a requested feature")
        limits.update(dict.fromkeys(hit, limit))
    return limits


def _expire(
    joined: pa.Table, chosen: list[Feature], limits: dict[str, timedelta | None]
) -> pa.Table:
    """Null every value whose snapshot is older than its feature's limit at the label."""
    stale: dict[tuple[str, timedelta], pa.ChunkedArray] = {}  # one mask per entity and limit
    for f in chosen:
        limit = limits[f.reference]
        if limit is None:
            continue
        if (f.entity, limit) not in stale:
            found = _available_us(joined.column(as_of_column(f.entity)))
            age = pc.subtract(joined.column(_TS), found)
            stale[f.entity, limit] = pc.greater(age, limit // _MICROSECOND)
        values = joined.column(f.column)
        kept = pc.if_else(stale[f.entity, limit], pa.scalar(None, values.type), values)
        joined = joined.set_column(joined.column_names.index(f.column), f.column, kept)
    return joined


@dataclass(frozen=True)
class TrainingSetManifest:
    """What a saved training set records: features, timestamp column and pinned versions."""

    features: tuple[str, ...]
    timestamp_column: str
    versions: dict[str, int]
    known_as_of: str | None
    created_at: str
    rows: int
    data_sha256: str
    # feature -> max_age in seconds (None: any age); sets saved before max_age had none.
    max_age_seconds: dict[str, float | None] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__ | {"features": list(self.features)}, indent=2)

    @classmethod
    def load(cls, directory: str | Path) -> TrainingSetManifest:
        path = Path(directory) / MANIFEST
        if not path.is_file():
            why = f"it has no {MANIFEST}" if Path(directory).is_dir() else "no such folder"
            raise TrainingSetError(
                f"{directory} is not a saved training set ({why}); "
                "save one with training_set(..., save_to=...)"
            )
        raw = json.loads(path.read_text())
        raw.setdefault("max_age_seconds", dict.fromkeys(raw["features"]))
        return cls(**raw | {"features": tuple(raw["features"])})

    def max_ages(self) -> dict[str, timedelta | None]:
        """The limits the set was built with, to rebuild it with the same ones."""
        return {
            f: None if s is None else timedelta(seconds=s) for f, s in self.max_age_seconds.items()
        }


def _dense_codes(label_values: Any, frame_values: Any) -> tuple[Any, Any, int]:
    """Codes 0..n-1 for the labels' n distinct non-null values, on both sides (else null)."""
    distinct = pc.drop_null(pc.unique(label_values))
    options = pc.SetLookupOptions(distinct, skip_nulls=True)
    return (
        pc.index_in(label_values, options=options),
        pc.index_in(frame_values, options=options),
        len(distinct),
    )


def _entity_codes(
    labels: pa.Table, frame: pa.Table, keys: list[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each row's entity as a code 0..n-1 over the n entities the labels name, on both
    sides; n where no label names it or a key is null. A pair of keys (user_id, category)
    gets one code for the pair."""
    label_code, frame_code, n = _dense_codes(labels.column(keys[0]), frame.column(keys[0]))
    for key in keys[1:]:
        label_part, frame_part, parts = _dense_codes(labels.column(key), frame.column(key))
        label_code, frame_code, n = _dense_codes(
            pc.add(pc.multiply(pc.cast(label_code, pa.int64()), parts), label_part),
            pc.add(pc.multiply(pc.cast(frame_code, pa.int64()), parts), frame_part),
        )
    return pc.fill_null(label_code, n).to_numpy(), pc.fill_null(frame_code, n).to_numpy(), n


def _by_day(slots: np.ndarray, days: int) -> list[np.ndarray]:
    """Row numbers grouped by day slot 1..days (slot 0 left out), each in row order."""
    order = np.argsort(slots.astype(np.min_scalar_type(days)), kind="stable")  # radix sort
    bounds = np.searchsorted(slots, np.arange(1, days + 2), sorter=order)
    return [order[start:end] for start, end in pairwise(bounds)]


def _matches(labels: pa.Table, label_ts: pa.ChunkedArray, frame: pa.Table, entity: str) -> pa.Array:
    """Per label row, the frame row it takes (null: none): its entity's snapshot of the
    latest day S whose availability (S + 1 day, 00:00 UTC) is at or before the label.

    Snapshots are daily, so a label at t can use the days S <= floor_day(t) - 1, and one walk
    over the snapshot days in order answers every label: `latest` holds each entity's newest
    snapshot row so far, and the labels whose last usable day it is read it. Linear in the
    rows: nothing is sorted by time, and only row numbers move until the values are taken.
    """
    label_code, frame_code, entities = _entity_codes(labels, frame, list(ENTITY_KEYS[entity]))
    day_of = pc.cast(frame.column(as_of_column(entity)), pa.int32()).to_numpy()
    label_day = pc.fill_null(label_ts, np.iinfo(np.int64).min).to_numpy() // _MICROS_PER_DAY - 1
    if len(day_of) == 0:
        return pa.nulls(labels.num_rows, pa.int64())
    # slot[d - first + 1]: how many snapshot days are on or before day d (0: none yet)
    first, span = day_of.min(), day_of.max() - day_of.min() + 1
    slot = np.zeros(span + 1, dtype=np.int64)
    slot[day_of - first + 1] = 1
    slot = np.cumsum(slot)
    days = int(slot[-1])
    frame_slot = slot[day_of - first + 1]
    frame_slot[frame_code == entities] = 0  # no label asks for these
    label_slot = slot[np.clip(label_day - first + 1, 0, span)]
    latest = np.full(entities + 1, -1, dtype=np.int64)
    index = np.full(labels.num_rows, -1, dtype=np.int64)
    for frame_rows, label_rows in zip(
        _by_day(frame_slot, days), _by_day(label_slot, days), strict=True
    ):
        latest[frame_code[frame_rows]] = frame_rows
        index[label_rows] = latest[label_code[label_rows]]
    return pa.array(index, mask=index < 0)


def training_set(
    labels: Any,
    features: list[str],
    *,
    timestamp_column: str = "event_timestamp",
    engine: Engine = "polars",
    known_as_of: datetime | None = None,
    versions: dict[str, int] | None = None,
    max_age: MaxAge = None,
    save_to: str | Path | None = None,
    overwrite: bool = False,
    lake_root: str | None = None,
    consistent: bool = True,
) -> Any:
    """Join every label row with features as known strictly before its timestamp.

    `labels`: any pandas / Polars / Arrow frame with the entity keys the features need
    (`user_id`, `product_id`, `anchor_id`, `category`) and `timestamp_column`.
    `features`: references like `user:visits_7d` or `product:*`.
    Returns the labels (same rows, same order) plus one `<entity>__<feature>` column each,
    then one `<entity>__as_of_date` per entity: the snapshot the values came from.
    `max_age`: values from snapshots older than this at the label come back null (default:
    each feature's declared `max_age`; a timedelta for all, or {reference: limit}).
    The feature tables are read as last published (`audit/published_runs`); `known_as_of`:
    as last published by that instant; `versions` pins them explicitly (table -> Delta
    version); `consistent=False` takes their latest commits, published or not. `save_to`: a
    new folder to write the labels, the result and a manifest to (see `rebuild_training_set`);
    an existing one is refused unless `overwrite=True`, so a saved set is never replaced by
    accident.
    """
    check_engine(engine)
    if save_to is not None and Path(save_to).exists() and not overwrite:
        raise TrainingSetError(
            f"{save_to} already exists: pass overwrite=True to replace it, or save elsewhere"
        )
    chosen = resolve(features)
    limits = max_ages(chosen, max_age)
    table = to_arrow(labels)
    by_entity: dict[str, list[Feature]] = {}
    for f in chosen:
        by_entity.setdefault(f.entity, []).append(f)
    for entity in by_entity:
        missing = [k for k in ENTITY_KEYS[entity] if k not in table.column_names]
        if missing:
            raise KeyError(f"labels need column(s) {missing} for the {entity} features")
    pinned = dict(versions or {})
    for entity in by_entity:
        name = feature_table(entity)
        if name not in pinned:
            pinned[name] = table_version(entity, known_as_of, lake_root, consistent)
    label_ts = _label_times(table, timestamp_column)
    frames = {
        e: _feature_frame(e, fs, pinned[feature_table(e)], lake_root) for e, fs in by_entity.items()
    }
    joined = table.append_column(_TS, label_ts)
    for entity, frame in frames.items():
        taken = frame.drop_columns(list(ENTITY_KEYS[entity])).take(
            _matches(table, label_ts, frame, entity)
        )
        for name in taken.column_names:
            joined = joined.append_column(name, taken.column(name))
    joined = _expire(joined, chosen, limits)
    names = [
        *table.column_names,
        *(f.column for f in chosen),
        *(as_of_column(e) for e in by_entity),
    ]
    result = joined.select(names)
    if save_to is not None:
        _save(Path(save_to), table, result, chosen, timestamp_column, pinned, known_as_of, limits)
    return to_engine(result, engine)


def _save(
    directory: Path,
    labels: pa.Table,
    result: pa.Table,
    chosen: list[Feature],
    timestamp_column: str,
    versions: dict[str, int],
    known_as_of: datetime | None,
    limits: dict[str, timedelta | None],
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(labels, directory / LABELS_FILE)
    data = _parquet_bytes(result)
    (directory / DATA_FILE).write_bytes(data)
    manifest = TrainingSetManifest(
        features=tuple(f.reference for f in chosen),
        timestamp_column=timestamp_column,
        versions=versions,
        known_as_of=None if known_as_of is None else known_as_of.isoformat(),
        created_at=datetime.now(UTC).isoformat(),
        rows=result.num_rows,
        data_sha256=hashlib.sha256(data).hexdigest(),
        max_age_seconds={
            f: None if limit is None else limit.total_seconds() for f, limit in limits.items()
        },
    )
    (directory / MANIFEST).write_text(manifest.to_json())


def _parquet_bytes(table: pa.Table) -> bytes:
    """The bytes `save_to` writes and the manifest hashes; a rebuild hashes the same way."""
    sink = pa.BufferOutputStream()
    pq.write_table(table.combine_chunks(), sink)  # chunking must not change the bytes
    return sink.getvalue().to_pybytes()


def _changed_columns(directory: Path, rebuilt: pa.Table) -> list[str]:
    """The result columns that differ from the saved file (all, if it is gone or reshaped)."""
    path = directory / DATA_FILE
    saved = pq.read_table(path) if path.is_file() else None
    if saved is None or saved.column_names != rebuilt.column_names:
        return rebuilt.column_names
    return [c for c in rebuilt.column_names if not saved.column(c).equals(rebuilt.column(c))]


def rebuild_training_set(
    directory: str | Path, engine: Engine = "polars", lake_root: str | None = None
) -> Any:
    """Recompute a saved training set from its labels and the Delta versions it pinned.

    Refuses (TrainingSetError) unless the rebuilt data hashes to the manifest's
    `data_sha256`: returning other rows under a reproducible name would be worse than failing.
    """

    directory = Path(directory)
    manifest = TrainingSetManifest.load(directory)
    if not (directory / LABELS_FILE).is_file():
        raise TrainingSetError(f"{directory} has a manifest but no {LABELS_FILE} to rebuild from")
    try:
        rebuilt = training_set(
            pq.read_table(directory / LABELS_FILE),
            list(manifest.features),
            timestamp_column=manifest.timestamp_column,
            engine="arrow",
            versions=manifest.versions,
            max_age=manifest.max_ages(),
            lake_root=lake_root,
        )
    except LakeError as error:
        raise TrainingSetError(f"cannot rebuild {directory}: {error}") from None
    got = hashlib.sha256(_parquet_bytes(rebuilt)).hexdigest()
    if got != manifest.data_sha256:
        columns = _changed_columns(directory, rebuilt)
        source = {f.column: feature_table(f.entity) for f in resolve(list(manifest.features))}
        tables = {source[c] for c in columns if c in source}
        pinned = [f"{t} v{v}" for t, v in sorted(manifest.versions.items()) if t in tables]
        raise TrainingSetError(
            f"rebuilt {directory} differs from what was saved (data sha256 expected "
            f"{manifest.data_sha256}, got {got}): differing columns "
            f"{', '.join(columns) or 'none, only the Parquet encoding'}; read from "
            f"{', '.join(pinned) or 'no feature table'}. Were files of a pinned version "
            "rewritten outside Delta, or did the feature code change?"
        )
    return to_engine(rebuilt, engine)
