"""Landed files bronze cannot take as delivered, each with the problem in words.

A file is rejected whole, and the run stops before any bronze commit, when what it holds is
not what docs/landing-format.md promises, so its lines cannot be trusted one by one:

- zero bytes: a failed or interrupted upload (a source with nothing to send sends no file,
  and an hour without events is a gzip of no lines, which is ingested as 0 lines);
- a corrupt or truncated gzip: the rest of the file is missing;
- not UTF-8 (UTF-16, GBK, Latin-1, …): every line would be decoded wrongly, and a text
  column cannot hold the undecodable bytes verbatim; one bad byte already means the export
  used another encoding, so no line of the file is published on a guess;
- a CSV export without a header (first line empty or naming no declared column, so its
  first row would be read as the header and lost), or whose header names a column twice
  (which one is meant is a guess).

Stopping rather than publishing the rest of the day keeps bronze all-or-nothing with its
ledger (as for a truncated gzip): a day published without one of its files would look
complete downstream. A header that lacks a declared column is not rejected here: silver
quarantines the file's lines naming the columns (schema drift, visible per line).

Zero bytes and headers are checked on the driver before Spark reads anything (the first
line of a daily export is cheap to read). The encoding is checked by Spark while staging
(`not_text`); only when that fails are the table's files streamed here to name the culprit.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from livelake.lake import storage
from livelake.lake.tables.silver import SILVER
from livelake.landing import header_columns

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pyspark.sql import Column

    from livelake.jobs.bronze.ingest import LandedFile

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
REDELIVER = "Ask the source to deliver the file again"
# How much of a CSV export the header check reads: a header longer than this is no header.
HEADER_BYTES = 1 << 20
# Raised inside the staging job by `not_text`; the driver then names the file.
NOT_TEXT = "livelake: a landed file is not UTF-8 text"


@dataclass(frozen=True)
class Unreadable:
    """A rejected file: what is wrong, how many lines it has (or had readable), the fix."""

    landed: LandedFile
    problem: str
    lines: int
    fix: str = REDELIVER


def not_text(whole_file: Column) -> Column:
    """True for a file's text that is not UTF-8, or holds NUL bytes (UTF-16 / UTF-32)."""
    from pyspark.sql import functions as F

    return ~F.is_valid_utf8(whole_file) | whole_file.contains("\u0000")


def before_reading(landing_root: str, files: list[LandedFile]) -> list[Unreadable]:
    """Zero-byte files and CSV exports with a bad header (the first line only is read)."""
    fs, root = storage.filesystem(landing_root)
    found = []
    for landed in files:
        if landed.size_bytes == 0:
            found.append(Unreadable(landed, "empty file (0 bytes): most likely a failed upload", 0))
            continue
        if not landed.is_csv:
            continue
        with fs.open_input_stream(f"{root}/{landed.relative_path}") as stream:
            first = stream.read(HEADER_BYTES).split(b"\n", 1)[0].removesuffix(b"\r")
        problem = _encoding_problem(first, 1) or _header_problem(first, landed.bronze_table)
        if problem:
            fix = "Ask the source to export the file again as UTF-8 CSV with its header row"
            lines = sum(1 for _ in _lines(landing_root, landed))
            found.append(Unreadable(landed, problem, lines, fix))
    return found


def _header_problem(first: bytes, table: str) -> str | None:
    text = first.decode("utf-8").lstrip("\ufeff")
    if not text.strip():
        return "CSV export without a header: its first line is empty"
    landed = SILVER[table].landed_names
    columns = [c.lower() for c in header_columns(text)]
    fills = [landed[c] for c in columns if c in landed]
    if not fills:
        return (
            f"CSV export without a header: its first line '{text[:60]}' names no column of "
            f"{table}, so its first row would be lost"
        )
    repeated = sorted({f for f in fills if fills.count(f) > 1})
    if repeated:
        names = [c for c in columns if landed.get(c) == repeated[0]]
        return (
            f"CSV header names {repeated[0]} more than once ({', '.join(names)}): which column "
            "holds it is ambiguous"
        )
    return None


def diagnose(landing_root: str, files: list[LandedFile]) -> list[Unreadable]:
    """The files that do not decompress to their end or are not UTF-8, with what is wrong.

    Only asked after Spark failed to stage a table's files, to name the culprit: each file
    is streamed once here, never held whole in memory."""
    found = []
    for landed in files:
        lines, problem = 0, None
        try:
            for number, line in enumerate(_lines(landing_root, landed), start=1):
                lines = number
                problem = problem or _encoding_problem(line, number)
        except (EOFError, OSError, zlib.error) as error:
            found.append(Unreadable(landed, f"corrupt or truncated gzip ({error})", lines))
            continue
        if problem:
            fix = "Ask the source to export the file again as UTF-8"
            found.append(Unreadable(landed, problem, lines, fix))
    return found


def _lines(landing_root: str, landed: LandedFile) -> Iterator[bytes]:
    """The file's lines as bronze counts them (split at LF; a last LF ends no extra line)."""
    fs, root = storage.filesystem(landing_root)
    with fs.open_input_stream(f"{root}/{landed.relative_path}", compression=None) as raw:
        if landed.relative_path.endswith(".gz"):
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield from unzipped  # line by line: a truncated gzip counts what it holds
        else:
            yield from _split(raw.read)


def _split(read: Callable[[int], bytes]) -> Iterator[bytes]:
    rest = b""
    while chunk := read(1 << 20):
        *lines, rest = (rest + chunk).split(b"\n")
        yield from lines
    if rest:
        yield rest


def _encoding_problem(line: bytes, number: int) -> str | None:
    """Why a line (bytes, 1-based `number`) is not UTF-8 text, or None."""
    if (number == 1 and line.startswith((b"\xff\xfe", b"\xfe\xff"))) or b"\x00" in line:
        return f"not UTF-8: UTF-16 or UTF-32 text (NUL bytes or a byte order mark, line {number})"
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = line[error.start]
        return (
            f"not UTF-8: line {number} has byte 0x{byte:02X} at position {error.start + 1} "
            "(exported as GBK, Latin-1 or another encoding?)"
        )
    return None
