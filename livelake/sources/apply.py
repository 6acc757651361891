"""Applying a mapping: the rows of a source's files -> landing streams, exports, unmapped.

Each row meets the mapping's steps in order and the first one it fails names its reason:
the line's field count, `[[checks]]`, the event time (parsed, then within [from, until)),
`[[drop]]`, the first `[[streams]]` rule whose `when` holds (none: `unmatched`), that
stream's own checks, and last the landing types (`bad_<field>` for a value that is not a
number where the landing format wants one). So every input row is mapped or unmapped with
exactly one reason, file and line. Unmapped rows whose time was good are reported in their
own day's delivery.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import polars as pl

from livelake.lake.tables.silver import SILVER
from livelake.landing import COLUMNS, TIME_COLUMNS
from livelake.sources.land import Adapted
from livelake.sources.mapping import (
    PLACEHOLDER,
    Check,
    Dimension,
    FieldRule,
    Input,
    Mapping,
    Time,
    When,
    as_rule,
)
from livelake.sources.read import SourceInputError, read_rows

#: What `iso` tries: with an offset (or Z), then local times, then dates.
ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d",
)
_CASTS = {"long": pl.Int64, "double": pl.Float64, "amount": pl.Float64, "boolean": pl.Boolean}
_TS = "__event_time_ms"  # the parsed event time, apart from a source column of that name
_SPECIAL_COLUMNS = {"_file": "_file", "_line": "line", "_event_id": "_event_id"}


#: The files a folder's listing contributes, per input format (a file named on its own is
#: always read): a folder's README or licence is not a log.
FOLDER_SUFFIXES = {
    "csv": (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz"),
    "jsonl": (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz"),
    "parquet": (".parquet",),
}


def input_files(paths: list[Path], formats: set[str]) -> list[Path]:
    """The files given, folders expanded to their files of the inputs' formats (sorted)."""
    suffixes = tuple(s for f in sorted(formats) for s in FOLDER_SUFFIXES[f])
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(f for f in path.iterdir() if f.name.lower().endswith(suffixes))
        else:
            files.append(path)
    return files


def read_files(
    files: list[Path], spec: Input, wanted: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows, rejected) of the files of one layout."""
    parts = [read_rows(p, spec, wanted) for p in files] or [_no_rows(wanted)]
    rows = pl.concat([p[0] for p in parts], how="vertical_relaxed")
    return rows, pl.concat([p[1] for p in parts])


def _no_rows(wanted: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    text = dict.fromkeys(["source_file", "_file", *sorted(wanted), "reason"], pl.String)
    schema = text | {"line": pl.Int64, "fields_off": pl.Int64}
    rows = pl.DataFrame(schema={k: v for k, v in schema.items() if k != "reason"})
    return rows, pl.DataFrame(schema={k: schema[k] for k in ("source_file", "line", "reason")})


def apply(mapping: Mapping, paths: list[Path]) -> Adapted:
    """Map the files' rows as the mapping says: each file by the first dimension whose
    `files` pattern its name matches, the others as the log."""
    files = input_files(paths, mapping.formats)
    if not files:
        given = ", ".join(str(p) for p in paths)
        raise SourceInputError(f"no {' or '.join(sorted(mapping.formats))} files in {given}")
    layout = {f: _dimension_of(mapping, f) for f in files}
    log = [f for f in files if layout[f] is None]
    rows, rejected = read_files(log, mapping.input, mapping.source_columns())
    adapted = map_rows(mapping, rows, rejected)
    for i, dimension in enumerate(mapping.dimensions):
        mine = [f for f in files if layout[f] == i]
        if mine:
            _add_dimension(
                adapted,
                mapping,
                dimension,
                *read_files(mine, dimension.input, dimension.source_columns()),
            )
    return adapted


def _dimension_of(mapping: Mapping, path: Path) -> int | None:
    return next((i for i, d in enumerate(mapping.dimensions) if fnmatch(path.name, d.files)), None)


def map_rows(mapping: Mapping, rows: pl.DataFrame, rejected: pl.DataFrame) -> Adapted:
    """The log's rows, already read, through the mapping's steps."""
    event_time = parse_time(pl.col(mapping.time.column), mapping.time)
    steps, timed = _steps(mapping, event_time)
    reason = _first_failure(steps)
    checked = rows.with_columns(
        _day_ms(steps[:timed], event_time),
        event_time.alias(_TS),
        _route(mapping).alias("_route"),
        reason.alias("reason"),
    )
    good = checked.filter(pl.col("reason").is_null()).with_columns(
        _value(as_rule(mapping.event_id), "event_id", mapping.time).alias("_event_id")
    )
    streams, typed_out = {}, []
    for i, rule in enumerate(mapping.streams):
        frame, bad = _stream(mapping, i, good.filter(pl.col("_route") == i))
        streams[rule.stream] = (
            pl.concat([streams[rule.stream], frame], how="diagonal_relaxed")
            if rule.stream in streams
            else frame
        )
        typed_out.append(bad)
    landed = good.join(
        pl.concat(typed_out).select("source_file", "line"), on=["source_file", "line"], how="anti"
    )
    exports = {name: _export(mapping, name, landed) for name in mapping.exports}
    unmapped = pl.concat(
        [
            rejected.with_columns(pl.lit(None, dtype=pl.Int64).alias("day_ms")),
            checked.filter(pl.col("reason").is_not_null()).select(
                "source_file", "line", "reason", "day_ms"
            ),
            *typed_out,
        ]
    )
    return Adapted(
        mapping.name,
        streams=streams,
        exports=exports,
        unmapped=unmapped,
        notes=[mapping.description, *mapping.notes] if mapping.description else list(mapping.notes),
        input_rows=rows.height + rejected.height,
    )


def parse_time(value: pl.Expr, time: Time) -> pl.Expr:
    """Epoch milliseconds (UTC) of a text value in the first of `time`'s formats it fits."""
    parsed = []
    for fmt in time.formats:
        if fmt in ("epoch_s", "epoch_ms"):
            text, factor = value.str.strip_chars(), 1000 if fmt == "epoch_s" else 1
            fraction = (text.cast(pl.Float64, strict=False) * factor).round().cast(pl.Int64)
            parsed.append(
                pl.when(text.str.contains(r"^\d+$"))
                .then(text.cast(pl.Int64, strict=False) * factor)
                .when(text.str.contains(r"^\d+\.\d+$"))
                .then(fraction)
            )
            continue
        for pattern in ISO_FORMATS if fmt == "iso" else (fmt,):
            text = value.str.strip_chars()
            if "%H" in pattern and "%M" not in pattern:  # hour-resolution values
                text, pattern = text + ":00", pattern.replace("%H", "%H:%M")
            stamp = text.str.to_datetime(pattern, strict=False, time_unit="ms")
            if "z" not in pattern:
                stamp = stamp.dt.replace_time_zone(
                    time.timezone, ambiguous="earliest", non_existent="null"
                )
            parsed.append(stamp.dt.epoch("ms"))
    return pl.coalesce(parsed)


def _steps(mapping: Mapping, event_time: pl.Expr) -> tuple[list[tuple[pl.Expr, str]], int]:
    """(condition that fails a row, reason) in order, and how many come before a row's
    time is known to be good."""
    t = mapping.time
    steps = [(pl.col("fields_off") != 0, "wrong_field_count")]
    steps += [(_fails(c), c.reason) for c in mapping.checks]
    steps += _time_steps(event_time, t)
    timed = len(steps)
    steps += [(_holds(d.when), d.reason) for d in mapping.drop]
    steps.append((_route(mapping).is_null(), mapping.unmatched))
    for i, rule in enumerate(mapping.streams):
        steps += [((_route(mapping) == i) & _fails(c), c.reason) for c in rule.checks]
    return steps, timed


def _time_steps(event_time: pl.Expr, t: Time) -> list[tuple[pl.Expr, str]]:
    """A time that does not parse, then one outside [from, until)."""
    outside = pl.lit(False)
    if t.valid_from is not None:
        outside = outside | (event_time < int(t.valid_from.timestamp() * 1000))
    if t.valid_until is not None:
        outside = outside | (event_time >= int(t.valid_until.timestamp() * 1000))
    return [(event_time.is_null(), t.bad), (outside, t.out_of_range)]


def _first_failure(steps: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The reason of the first step a row fails (null: none)."""
    reason = pl.lit(None, dtype=pl.String)
    for failed, why in reversed(steps):
        reason = pl.when(failed).then(pl.lit(why)).otherwise(reason)
    return reason


def _day_ms(timed: list[tuple[pl.Expr, str]], event_time: pl.Expr) -> pl.Expr:
    """A row's day for the report: its event time, once everything before the time held."""
    failed = pl.any_horizontal([f.fill_null(False) for f, _ in timed])
    return pl.when(~failed).then(event_time).alias("day_ms")


def _fails(check: Check) -> pl.Expr:
    tests = []
    for column in check.columns:
        value = pl.col(column)
        bad = value.is_null() if check.rejects_empty else pl.lit(False)
        if check.matches is not None:
            bad = bad | (value.is_not_null() & ~value.str.contains(check.matches))
        tests.append(bad)
    return pl.any_horizontal(tests)


def _holds(when: When) -> pl.Expr:
    value = pl.col(when.column)
    if when.equals is not None:
        test = value == when.equals
    elif when.one_of is not None:
        test = value.is_in(when.one_of)
    else:
        test = value.str.contains(when.matches)
    return test.fill_null(False)


def _route(mapping: Mapping) -> pl.Expr:
    """The index of the first stream rule a row matches (null: none)."""
    route = pl.lit(None, dtype=pl.Int64)
    for i, rule in reversed(list(enumerate(mapping.streams))):
        holds = pl.lit(True) if rule.when is None else _holds(rule.when)
        route = pl.when(holds).then(pl.lit(i, dtype=pl.Int64)).otherwise(route)
    return route


def _value(rule: FieldRule, field: str, time: Time) -> pl.Expr:
    """A field's value as landing text, number or epoch milliseconds."""
    if rule.constant is not None:
        return pl.lit(rule.constant)
    if rule.template is not None:
        names = PLACEHOLDER.findall(rule.template)
        text = PLACEHOLDER.sub("{}", rule.template)
        args = [pl.col(_SPECIAL_COLUMNS.get(n, n)) for n in names]
        return pl.format(text, *args) if args else pl.lit(text)
    value = pl.col(rule.column)
    if rule.map is not None:
        value = value.replace_strict(rule.map, default=None, return_dtype=pl.String)
    if rule.replace is not None:
        value = value.str.replace_all(*rule.replace)
    if any(field in TIME_COLUMNS[t] for t in SILVER):
        return parse_time(value, time)
    if rule.times is not None:
        value = value.cast(pl.Float64, strict=False) * pl.col(rule.times).cast(
            pl.Float64, strict=False
        )
    if rule.scale is not None:
        value = value.cast(pl.Float64, strict=False) * rule.scale
    if rule.prefix is not None:
        value = pl.lit(rule.prefix) + value.cast(pl.String)
    return value


def _cast(value: pl.Expr, landing_type: str | None) -> pl.Expr:
    """A value as written: numbers typed (money to the cent), anything else as it is."""
    if landing_type is None:
        return value
    typed = value.cast(_CASTS[landing_type], strict=False)
    return typed.round(2) if landing_type == "amount" else typed


def _landing_type(table: str, field: str) -> str | None:
    """A landing field's type when it is a number or flag (None: text, or an instant)."""
    declared = {f.name: f.type for f in SILVER[table].fields}
    kind = declared.get(field, "string")
    return kind if kind in _CASTS else None


def _stream(mapping: Mapping, index: int, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows routed to one stream rule as landing columns, and the rows whose values do
    not have the landing type (unmapped as `bad_<field>`)."""
    rule = mapping.streams[index]
    wanted = set(COLUMNS[rule.stream])
    rules = {n: r for n, r in mapping.rules().items() if n in wanted}
    rules |= {n: as_rule(spec) for n, spec in rule.fields.items()}
    values = {n: _value(r, n, mapping.time) for n, r in rules.items()}
    typed = rows.select(
        "source_file",
        "line",
        pl.col(_TS).alias("event_time"),
        pl.col("_event_id").alias("event_id"),
        pl.lit(rule.event_type).alias("event_type"),
        *(v.alias(n) for n, v in values.items()),
    )
    bad = pl.lit(None, dtype=pl.String)
    for name in reversed(list(values)):
        cast = _landing_type(rule.stream, name)
        if cast is None:
            continue
        given = pl.col(name)
        failed = given.is_not_null() & given.cast(_CASTS[cast], strict=False).is_null()
        bad = pl.when(failed).then(pl.lit(f"bad_{name}")).otherwise(bad)
    typed = typed.with_columns(bad.alias("reason"))
    casts = {n: _landing_type(rule.stream, n) for n in values}
    frame = typed.filter(pl.col("reason").is_null()).select(
        "event_id",
        "event_type",
        "event_time",
        *(_cast(pl.col(n), c) for n, c in casts.items()),
    )
    rejected = typed.filter(pl.col("reason").is_not_null()).select(
        "source_file", "line", "reason", pl.col("event_time").alias("day_ms")
    )
    return frame, rejected


def _export(mapping: Mapping, name: str, rows: pl.DataFrame) -> pl.DataFrame:
    """One row per key the mapped rows name: each field its first non-empty value by event
    time, delivered (and `updated_at`) at the key's first event."""
    export = mapping.exports[name]
    key_rule = _key_rule(mapping, export.key)
    fields = {n: _value(as_rule(s), n, mapping.time) for n, s in export.fields.items()}
    keyed = rows.with_columns(
        key_rule.alias(export.key), *(v.alias(f"_x_{n}") for n, v in fields.items())
    ).filter(pl.col(export.key).is_not_null())
    first = [pl.col(f"_x_{n}").sort_by(_TS).drop_nulls().first().alias(n) for n in fields]
    out = (
        keyed.group_by(export.key)
        .agg(*first, pl.col(_TS).min().alias("_delivery_ms"))
        .with_columns(pl.col("_delivery_ms").alias("updated_at"))
        .sort(export.key)
    )
    return out.with_columns(_cast(pl.col(n), _landing_type(name, n)) for n in fields)


def _key_rule(mapping: Mapping, key: str) -> pl.Expr:
    """An export key's value per row: its stream's own rule where it has one, else global."""
    default = mapping.rules().get(key)
    value = pl.lit(None, dtype=pl.String) if default is None else _value(default, key, mapping.time)
    for i, rule in reversed(list(enumerate(mapping.streams))):
        if key in rule.fields:
            own = _value(as_rule(rule.fields[key]), key, mapping.time)
            value = pl.when(pl.col("_route") == i).then(own).otherwise(value)
    return value


def _add_dimension(
    adapted: Adapted,
    mapping: Mapping,
    dimension: Dimension,
    rows: pl.DataFrame,
    rejected: pl.DataFrame,
) -> None:
    """Map a dimension file's rows into its export: they replace the rows derived from the
    log for the same keys; the rest of its rows are unmapped with their reason."""
    time = dimension.time or mapping.time
    stamp = (
        parse_time(pl.col(dimension.time.column), dimension.time)
        if dimension.time
        else pl.lit(None, dtype=pl.Int64)
    )
    export, key = dimension.export, dimension.key
    steps = [(pl.col("fields_off") != 0, "wrong_field_count")]
    steps += [(_fails(c), c.reason) for c in dimension.checks]
    steps += _time_steps(stamp, dimension.time) if dimension.time else []
    timed = len(steps)
    steps += [(~_holds(dimension.when), dimension.unmatched)] if dimension.when else []
    rules = {n: as_rule(spec) for n, spec in dimension.fields.items()}
    steps.append((_value(rules[key], key, time).is_null(), "missing_key"))
    checked = rows.with_columns(
        _day_ms(steps[:timed], stamp) if dimension.time else pl.lit(None, pl.Int64).alias("day_ms"),
        stamp.alias(_TS),
        _first_failure(steps).alias("reason"),
    )
    good = checked.filter(pl.col("reason").is_null()).select(
        "source_file",
        "line",
        pl.col(_TS).alias("updated_at"),
        *(_cast(_value(r, n, time), _landing_type(export, n)).alias(n) for n, r in rules.items()),
    )
    derived = adapted.exports.get(export)
    first_use = (
        derived.select(key, pl.col("_delivery_ms").alias("_first_use"))
        if derived is not None
        else pl.DataFrame(schema={key: pl.String, "_first_use": pl.Int64})
    )
    first_event = min(
        (f["event_time"].min() for f in adapted.streams.values() if f.height), default=None
    )
    delivered = (
        good.join(first_use, on=key, how="left")
        .with_columns(
            pl.coalesce("updated_at", "_first_use", pl.lit(first_event, pl.Int64)).alias(
                "_delivery_ms"
            )
        )
        .with_columns(pl.coalesce("updated_at", "_delivery_ms").alias("updated_at"))
    )
    undated = delivered.filter(pl.col("_delivery_ms").is_null())
    landed = delivered.filter(pl.col("_delivery_ms").is_not_null()).drop(
        "source_file", "line", "_first_use"
    )
    kept = [] if derived is None else [derived.join(landed.select(key), on=key, how="anti")]
    adapted.exports[export] = pl.concat([*kept, landed], how="diagonal_relaxed").sort(
        key, "updated_at"
    )
    adapted.unmapped = pl.concat(
        [
            adapted.unmapped,
            rejected.with_columns(pl.lit(None, dtype=pl.Int64).alias("day_ms")),
            checked.filter(pl.col("reason").is_not_null()).select(
                "source_file", "line", "reason", "day_ms"
            ),
            undated.select(
                "source_file",
                "line",
                pl.lit("no_delivery_day").alias("reason"),
                pl.lit(None, dtype=pl.Int64).alias("day_ms"),
            ),
        ]
    )
    adapted.input_rows += rows.height + rejected.height
