"""Where tables live and how the driver touches files without reading their data.

The driver only lists, renames and reads Parquet footers; rows never pass through it.
`pyarrow.fs` gives one API over local disk, S3 and HDFS.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from livelake.lake.registry import Table

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
STAGING_DIR = "_staging"
# Delta truncates string statistics; longer values would make max wrong, so skip them.
MAX_STRING_STAT = 32


def table_uri(lake_root: str, table: Table) -> str:
    return f"{lake_root.rstrip('/')}/{table.qualified_name}"


def spark_uri(uri: str) -> str:
    """The same location as Spark's Hadoop filesystem names it."""
    if uri.startswith("s3://"):
        return "s3a://" + uri[len("s3://") :]
    if "://" in uri:
        return uri
    return "file://" + uri


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """A pyarrow filesystem and the path inside it."""
    if "://" not in uri:
        return pafs.LocalFileSystem(), uri
    if uri.startswith("s3a://"):
        uri = "s3://" + uri[len("s3a://") :]
    return pafs.FileSystem.from_uri(uri)


def partition_values(relative_dir: str) -> dict[str, str | None]:
    """`day=2026-01-01/x=a%2Fb` -> {"day": "2026-01-01", "x": "a/b"} (Hive escaping)."""
    values: dict[str, str | None] = {}
    for part in filter(None, relative_dir.split("/")):
        name, _, raw = part.partition("=")
        value = unquote(raw)
        values[unquote(name)] = None if value == HIVE_NULL else value
    return values


def partition_path(values: dict[str, str | None]) -> str:
    from urllib.parse import quote

    return "/".join(
        f"{name}={HIVE_NULL if v is None else quote(v, safe='-_.: ')}" for name, v in values.items()
    )


@dataclass(frozen=True)
class DataFile:
    """A Parquet file in a table folder with what the Delta log needs to know about it."""

    relative_path: str
    size_bytes: int
    rows: int
    partition_values: dict[str, str | None]
    stats_json: str


def _stat_value(value: object, is_max: bool) -> object | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode()
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING_STAT else None
    if isinstance(value, datetime):
        # Delta stats have millisecond precision: round outward so filters never prune wrongly.
        micros = value.microsecond % 1000
        if micros:
            value = value - timedelta(microseconds=micros)
            if is_max:
                value = value + timedelta(milliseconds=1)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    return None


def footer_stats(
    fs: pafs.FileSystem, path: str, no_min_max: frozenset[str] = frozenset()
) -> tuple[int, str]:
    """Rows and Delta statistics JSON from a Parquet footer (no data pages are read).

    Columns in `no_min_max` (raw lines, free text) get null counts but no min/max values.
    """
    with fs.open_input_file(path) as handle:
        meta = pq.read_metadata(handle)
    mins: dict[str, object] = {}
    maxs: dict[str, object] = {}
    nulls: dict[str, int] = {}
    for j in range(meta.num_columns):
        name = meta.schema.column(j).path
        if "." in name:
            continue
        lo = hi = None
        null_count: int | None = 0
        complete = True
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(j).statistics
            if stats is None:
                complete, null_count = False, None
                break
            if null_count is not None:
                null_count = null_count + stats.null_count if stats.has_null_count else None
            if meta.row_group(i).num_rows == stats.null_count:
                continue
            if not stats.has_min_max:
                complete = False
                continue
            lo = stats.min if lo is None else min(lo, stats.min)
            hi = stats.max if hi is None else max(hi, stats.max)
        if null_count is not None:
            nulls[name] = null_count
        if complete and lo is not None and name not in no_min_max:
            lo_v, hi_v = _stat_value(lo, False), _stat_value(hi, True)
            if lo_v is not None and hi_v is not None:
                mins[name], maxs[name] = lo_v, hi_v
    stats = {
        "numRecords": meta.num_rows,
        "minValues": mins,
        "maxValues": maxs,
        "nullCount": nulls,
    }
    return meta.num_rows, json.dumps(stats, separators=(",", ":"))


def move_tree(fs: pafs.FileSystem, source: str, target: str) -> None:
    """Move the Parquet files below `source` to the same places below `target`, file by
    file (an object store cannot rename a folder); `target` exists afterwards, maybe empty."""
    fs.create_dir(target, recursive=True)
    for relative in list_parquet(fs, source):
        directory = relative.rpartition("/")[0]
        if directory:
            fs.create_dir(f"{target}/{directory}", recursive=True)
        fs.move(f"{source}/{relative}", f"{target}/{relative}")


def list_parquet(fs: pafs.FileSystem, root: str) -> list[str]:
    """Every Parquet file below `root` (recursive), relative to it."""
    selector = pafs.FileSelector(root, recursive=True, allow_not_found=True)
    return sorted(
        info.path[len(root) :].lstrip("/")
        for info in fs.get_file_info(selector)
        if info.type == pafs.FileType.File and info.path.endswith(".parquet")
    )
