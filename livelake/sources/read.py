"""Reading a source's files into rows of text, every physical line accounted for.

`read_rows` returns one frame per file with `source_file`, `line` (1-based; a CSV's
header is line 1), `_file` (the name without its suffixes), `fields_off` (a CSV line's
fields minus the columns; 0 for other formats) and one String column per source column,
plus the lines that could not be read at all (bytes not in the declared encoding, a line
that is not a JSON object, a broken quote) with their reason.
A file that cannot be read as declared at all (a missing column, the wrong delimiter)
raises `SourceInputError` with one line naming the file, the line and the column.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import io
import json
from pathlib import Path

import polars as pl

from livelake.sources.mapping import Input

READ_REASONS = ("bad_encoding", "malformed_line", "wrong_field_count")
_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_OTHER_DELIMITERS = ("\t", ";", "|", ",")
_SUFFIXES = (".gz", ".csv", ".tsv", ".txt", ".jsonl", ".json", ".ndjson", ".parquet")


class SourceInputError(ValueError):
    """An input file cannot be read as its mapping declares (one line: file, line, why)."""


def stem(path: Path) -> str:
    """The file's name without the suffixes of its format (`events.csv.gz` -> `events`)."""
    name = path.name
    while name.lower().endswith(_SUFFIXES):
        name = name[: name.rfind(".")]
    return name


def read_rows(path: Path, spec: Input, wanted: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows, rejected) of one file; `wanted` are the source columns the mapping reads."""
    if spec.format == "parquet":
        return _parquet(path, wanted), _rejected([])
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise SourceInputError(f"{path.name}: not a readable gzip file ({exc})") from None
    if data[:4] == b"PK\x03\x04":
        raise SourceInputError(f"{path.name}: a zip archive; unzip it and give the files inside")
    if spec.format == "csv" and (lines := _polars_lines(data, spec.encoding)) is not None:
        return _csv_fast(path, spec, lines, wanted)
    texts, rejected = _lines(data, spec.encoding, path.name)
    if spec.format == "jsonl":
        return _jsonl(path, texts, wanted, rejected)
    return _csv(path, spec, texts, wanted, rejected)


def _lines(
    data: bytes, encoding: str, name: str
) -> tuple[list[tuple[int, str]], list[tuple[str, int, str]]]:
    """(line number, text) of each decodable line (BOM and CR removed), and the numbers of
    the others. Encodings that write a newline as one byte are split first, so a bad byte
    costs only its own line; others (UTF-16) are decoded whole."""
    if "\n".encode(encoding) != b"\n":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise SourceInputError(f"{name}: not {encoding} ({exc.reason})") from None
        lines = text.lstrip("\ufeff").split("\n")
        return _numbered(lines[:-1] if lines[-1] == "" else lines), []
    if codecs.lookup(encoding).name == "utf-8" and data[:2] in _UTF16_MARKS:
        raise SourceInputError(f'{name}: UTF-16 text; set [input] encoding = "utf-16"')
    raw = data.removeprefix(codecs.BOM_UTF8).split(b"\n")
    if raw[-1] == b"":
        raw.pop()
    texts, rejected = [], []
    for number, line in enumerate(raw, start=1):
        try:
            texts.append((number, line.decode(encoding).removesuffix("\r")))
        except UnicodeDecodeError:
            rejected.append((name, number, "bad_encoding"))
    return texts, rejected


def _polars_lines(data: bytes, encoding: str) -> pl.Series | None:
    """Every line of valid UTF-8 text, read by Polars (BOM, CR and the last newline dropped,
    an empty line kept as ""); None sends the file line by line through Python: another
    encoding, a bad byte, a NUL, no data."""
    if codecs.lookup(encoding).name != "utf-8" or b"\x00" in data:
        return None
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            separator="\x00",
            quote_char=None,
            new_columns=["text"],
            infer_schema=False,
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
        return None
    return frame["text"].fill_null("")


def _numbered(lines: list[str]) -> list[tuple[int, str]]:
    return [(n, line.removesuffix("\r")) for n, line in enumerate(lines, start=1)]


def _rejected(rows: list[tuple[str, int, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"source_file": pl.String, "line": pl.Int64, "reason": pl.String}, orient="row"
    )


def _frame(
    path: Path, numbers: list[int], columns: dict[str, list[str | None]], counts
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_file": [path.name] * len(numbers),
            "_file": [stem(path)] * len(numbers),
            "line": numbers,
            "fields_off": counts,
            **columns,
        },
        schema_overrides={
            "line": pl.Int64,
            "fields_off": pl.Int64,
            **dict.fromkeys(columns, pl.String),
        },
    )


def _csv(
    path: Path,
    spec: Input,
    texts: list[tuple[int, str]],
    wanted: set[str],
    rejected: list[tuple[str, int, str]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The line-by-line reader: for files with bytes outside their encoding."""
    rows = list(texts)
    if spec.header:
        if not rows or rows[0][0] != 1:
            if rows or rejected:
                raise SourceInputError(f"{path.name} line 1: the header cannot be read")
            return _frame(path, [], {c: [] for c in sorted(wanted)}, []), _rejected(rejected)
        rows.pop(0)
    columns = _columns(path, spec, [t for _, t in texts[:101]], wanted)
    parsed, bad = _parse(path, spec, rows, columns, wanted)
    return parsed, _rejected(rejected + bad)


def _csv_fast(
    path: Path, spec: Input, lines: pl.Series, wanted: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Polars splits the lines without a quote; the few with one go through `csv`."""
    frame = pl.DataFrame({"text": lines}).with_row_index("line", offset=1)
    columns = _columns(path, spec, frame.head(101)["text"].to_list(), wanted)
    body = frame.slice(1) if spec.header else frame
    quoted = (
        body["text"].str.contains(spec.quote, literal=True)
        if spec.quote
        else pl.repeat(False, body.height, eager=True)
    )
    parts = pl.col("text").str.split(spec.delimiter)
    plain = body.filter(~quoted).select(
        pl.col("line").cast(pl.Int64),
        (parts.list.len().cast(pl.Int64) - len(columns)).alias("fields_off"),
        *(
            pl.when(parts.list.get(i, null_on_oob=True) != "")
            .then(parts.list.get(i, null_on_oob=True))
            .alias(c)
            for c, i in _positions(columns, wanted).items()
        ),
    )
    tricky, bad = _parse(path, spec, body.filter(quoted).rows(), columns, wanted)
    rows = pl.concat([plain, tricky.select(plain.columns)]).sort("line")
    named = rows.with_columns(
        pl.lit(path.name).alias("source_file"), pl.lit(stem(path)).alias("_file")
    )
    return named, _rejected(bad)


def _columns(path: Path, spec: Input, first: list[str], wanted: set[str]) -> list[str]:
    """The file's columns in order: its header's (checked against the mapping) or the
    declared ones (checked against the delimiter the lines use)."""
    if spec.header:
        header_line = first[0]
        names = [n.strip().strip('"').strip() for n in _split(header_line, spec)]
        expected = spec.columns or sorted(wanted)
        missing = [c for c in expected if c not in names]
        if missing:
            raise SourceInputError(_missing_column(path.name, missing[0], names, header_line, spec))
        columns = names
    else:
        columns = list(spec.columns or [])
        _check_delimiter(path.name, first[:100], columns, spec)
    twice = sorted({c for c in wanted if columns.count(c) > 1})
    if twice:
        raise SourceInputError(f"{path.name} line 1: column {twice[0]!r} appears twice")
    return columns


def _positions(columns: list[str], wanted: set[str]) -> dict[str, int]:
    return {c: columns.index(c) for c in sorted(wanted) if c in columns}


def _parse(
    path: Path,
    spec: Input,
    rows: list[tuple[int, str]],
    columns: list[str],
    wanted: set[str],
) -> tuple[pl.DataFrame, list[tuple[str, int, str]]]:
    """Split lines one by one (quotes honoured); a broken quote is `malformed_line`."""
    where = _positions(columns, wanted)
    numbers, counts, values, rejected = [], [], {c: [] for c in where}, []
    for number, text in rows:
        try:
            fields = _split(text, spec)
        except csv.Error:
            rejected.append((path.name, number, "malformed_line"))
            continue
        numbers.append(number)
        counts.append(len(fields) - len(columns))
        for column, i in where.items():
            value = fields[i] if i < len(fields) else None
            values[column].append(value if value != "" else None)
    return _frame(path, numbers, values, counts), rejected


def _split(text: str, spec: Input) -> list[str]:
    if spec.quote is None or spec.quote not in text:
        return text.split(spec.delimiter)
    return next(csv.reader([text], delimiter=spec.delimiter, quotechar=spec.quote, strict=True))


def _missing_column(name: str, column: str, names: list[str], header: str, spec: Input) -> str:
    why = f"{name} line 1: no column {column!r} in the header"
    hint = difflib.get_close_matches(column, names, n=1)
    if hint:
        return f"{why} (did you mean {hint[0]!r}? the mapping names the columns it reads)"
    for other in _OTHER_DELIMITERS:
        if other != spec.delimiter and len(names) <= 1 and other in header:
            return f"{why}: it has one column; is the delimiter {other!r}, not {spec.delimiter!r}?"
    return f"{why} (it has {', '.join(names[:12])})"


def _check_delimiter(name: str, first: list[str], columns: list[str], spec: Input) -> None:
    """A headerless file split into one field per line is read with the wrong delimiter."""
    sample = [text for text in first if text]
    if len(columns) < 2 or not sample or any(spec.delimiter in t for t in sample):
        return
    for other in _OTHER_DELIMITERS:
        if other != spec.delimiter and all(other in t for t in sample):
            raise SourceInputError(
                f"{name} line 1: no {spec.delimiter!r} in the first lines, "
                f"but {other!r} in each: set [input] delimiter = {json.dumps(other)}"
            )


def _jsonl(
    path: Path, texts: list[tuple[int, str]], wanted: set[str], rejected: list[tuple[str, int, str]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    numbers, values = [], {c: [] for c in sorted(wanted)}
    for number, text in texts:
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            record = None
        if not isinstance(record, dict):
            rejected.append((path.name, number, "malformed_line"))
            continue
        numbers.append(number)
        for column in values:
            values[column].append(_text(_lookup(record, column)))
    return _frame(path, numbers, values, [0] * len(numbers)), _rejected(rejected)


def _lookup(record: dict, column: str) -> object:
    """A top-level key, else a dotted path into nested objects (`device.os`)."""
    if column in record:
        return record[column]
    value: object = record
    for part in column.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _parquet(path: Path, wanted: set[str]) -> pl.DataFrame:
    try:
        schema = pl.read_parquet_schema(path)
    except Exception as exc:  # polars raises its own ComputeError for a non-Parquet file
        raise SourceInputError(f"{path.name}: not a readable Parquet file ({exc})") from None
    missing = sorted(wanted - set(schema))
    if missing:
        hint = difflib.get_close_matches(missing[0], list(schema), n=1)
        extra = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise SourceInputError(f"{path.name}: no column {missing[0]!r}{extra}")
    frame = pl.read_parquet(path, columns=sorted(wanted))
    n = frame.height
    return _frame(
        path, list(range(1, n + 1)), {c: _texts(frame[c]) for c in frame.columns}, [0] * n
    )


def _texts(values: pl.Series) -> list[str | None]:
    """A typed column as the text a CSV would hold (times as ISO, nested values as JSON)."""
    if values.dtype.is_nested():
        return [_text(v) for v in values.to_list()]
    return [None if v == "" else v for v in values.cast(pl.String).to_list()]
