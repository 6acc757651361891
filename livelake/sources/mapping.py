"""A source mapping: one TOML file that says how a behaviour log becomes landing rows.

A mapping names how to read the input (`[input]`), where each row's event time is
(`[time]`), which checks a row must pass (`[[checks]]`, `[[drop]]`), which landing stream
each row becomes (`[[streams]]`, the first rule whose `when` holds), what each landing
field is filled from (`[fields]`, and per stream), and which dimension exports to derive
from the mapped rows (`[exports.<name>]`). docs/bring-your-own-log.md walks through one.

A field is given as a source column (`"visitorid"`), a template over columns
(`"rr-{_file}-{_line}"`), a constant (`1`, `true`), or a table for more
(`{ column = "status", map = { "1" = "gold" } }`). Templates may use `{_file}` (the input
file's name without its suffixes), `{_line}` and `{_event_id}`.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from livelake.lake.tables.silver import EXPORTS, SILVER, SOURCE_NAME, STREAMS
from livelake.landing import COLUMNS

#: Placeholders of a template: `{column}` (a source column) or `{_file}` / `{_line}` / ...
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
SPECIAL = ("_file", "_line", "_event_id")
#: Fields every stream line gets from the mapping itself, not from `[fields]`.
EVENT_FIELDS = ("event_id", "event_type", "event_time")
#: Fields of exports derived from events that the mapping fills itself.
DERIVED_EXPORT_FIELDS = ("updated_at",)


class SourceMappingError(ValueError):
    """A mapping file is not valid; the message names the file and every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class When(_Strict):
    """A condition on one source column: equal to a value, one of several, or matching a
    regular expression (searched, so anchor it with ^...$ for the whole value)."""

    column: str
    equals: str | None = None
    one_of: list[str] | None = Field(None, alias="in")
    matches: str | None = None

    @model_validator(mode="after")
    def _one_test(self) -> When:
        given = [t for t in (self.equals, self.one_of, self.matches) if t is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of equals, in, matches")
        if self.matches is not None:
            _compiles(self.matches)
        return self


class FieldRule(_Strict):
    """A landing field's value: from a column (optionally mapped, rewritten, multiplied,
    scaled or prefixed; a time field's column is parsed with `[time]`'s formats), from a
    template, or a constant."""

    column: str | None = None
    template: str | None = None
    constant: str | int | float | bool | None = None
    map: dict[str, str] | None = None
    replace: tuple[str, str] | None = None
    prefix: str | None = None
    scale: float | None = None
    #: another column whose number multiplies this one (an amount from quantity x price)
    times: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FieldRule:
        given = [s for s in (self.column, self.template, self.constant) if s is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of column, template, constant")
        if self.column is None and (self.map or self.replace or self.scale or self.times):
            raise ValueError("map, replace, scale and times apply to a column")
        if self.replace is not None:
            _compiles(self.replace[0])
        return self

    @property
    def columns(self) -> set[str]:
        """Source columns this value reads."""
        if self.column is not None:
            return {self.column} | ({self.times} if self.times else set())
        if self.template is not None:
            return {p for p in PLACEHOLDER.findall(self.template) if p not in SPECIAL}
        return set()


FieldSpec = str | int | float | bool | FieldRule


def as_rule(spec: FieldSpec) -> FieldRule:
    """A field given the short way as a rule: a string with `{...}` is a template, another
    string a column, anything else a constant."""
    if isinstance(spec, FieldRule):
        return spec
    if isinstance(spec, str):
        return FieldRule(template=spec) if PLACEHOLDER.search(spec) else FieldRule(column=spec)
    return FieldRule(constant=spec)


class Check(_Strict):
    """Rows whose `columns` are empty (or, with `matches`, do not match it) are unmapped
    with `reason`. Empty values pass a `matches` check unless `required` is true."""

    columns: list[str] = Field(min_length=1)
    matches: str | None = None
    required: bool | None = None
    reason: str

    @model_validator(mode="after")
    def _valid(self) -> Check:
        if self.matches is not None:
            _compiles(self.matches)
        return self

    @property
    def rejects_empty(self) -> bool:
        return self.matches is None if self.required is None else self.required


class Drop(_Strict):
    """Rows to leave out on purpose, counted under `reason` (e.g. an event the landing
    format has no stream for)."""

    when: When
    reason: str


class Input(_Strict):
    """How to read the files. Gzip is recognised by its magic bytes, whatever the name."""

    format: Literal["csv", "jsonl", "parquet"] = "csv"
    delimiter: str = Field(",", min_length=1, max_length=1)
    header: bool = True
    #: The columns in order (required without a header; with one, the names it must have).
    columns: list[str] | None = None
    quote: str | None = Field('"', min_length=1, max_length=1)
    encoding: str = "utf-8"

    def check_reads(self, used: set[str]) -> None:
        """A headerless CSV has only its declared columns to read from."""
        if self.format == "csv" and not self.header:
            unknown = sorted(used - set(self.columns or ()))
            if unknown:
                raise ValueError(f"{', '.join(unknown)}: not among [input] columns")

    @model_validator(mode="after")
    def _columns_known(self) -> Input:
        if self.format == "csv" and not self.header and not self.columns:
            raise ValueError("a CSV without a header needs `columns`")
        try:
            "".encode(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None
        return self


class Time(_Strict):
    """The event time: a column and its formats, tried in order: `epoch_s`, `epoch_ms`,
    `iso` (ISO 8601, with or without an offset) or strftime patterns (`%Y-%m-%d %H` for
    hour-resolution values, `%Y-%m-%d` for dates). Values without an offset are in
    `timezone`. Rows outside [from, until) are unmapped as out of range."""

    column: str
    format: str | list[str] = "iso"
    timezone: str = "UTC"
    valid_from: datetime | None = Field(None, alias="from")
    valid_until: datetime | None = Field(None, alias="until")
    bad: str = "bad_timestamp"
    out_of_range: str = "timestamp_out_of_range"

    @property
    def formats(self) -> list[str]:
        return [self.format] if isinstance(self.format, str) else list(self.format)

    @model_validator(mode="after")
    def _valid(self) -> Time:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        for bound in (self.valid_from, self.valid_until):
            if bound is not None and bound.tzinfo is None:
                raise ValueError("from / until need an offset, e.g. 2017-11-25T00:00:00+08:00")
        return self


class StreamRule(_Strict):
    """Rows matching `when` (all rows without one) become `stream` lines of `event_type`."""

    stream: Literal[STREAMS]  # type: ignore[valid-type]
    event_type: str
    when: When | None = None
    fields: dict[str, FieldSpec] = {}
    checks: list[Check] = []

    @model_validator(mode="after")
    def _valid(self) -> StreamRule:
        allowed = SILVER[self.stream].column("event_type").allowed
        if self.event_type not in allowed:
            raise ValueError(
                f"{self.stream} has no event_type {self.event_type!r} (one of {', '.join(allowed)})"
            )
        _known_fields(self.fields, self.stream, set(COLUMNS[self.stream]) - set(EVENT_FIELDS))
        return self


class ExportRule(_Strict):
    """A dimension export derived from the mapped rows: one row per distinct `key` (a landing
    field of the rows), each field the first value by event time; delivered on the day of
    the key's first event, `updated_at` then."""

    key: str
    fields: dict[str, FieldSpec] = {}


class Dimension(_Strict):
    """A file of another layout beside the log whose rows are rows of an export (a products
    or users file): `files` picks it among the inputs by name (a glob). Its rows pass its own
    field count, checks, time and `when`; a row without the export's key is unmapped as
    `missing_key`. With a `time`, a row holds from then (`updated_at`); without one it is
    delivered with the first event that names its key, else with the log's first event."""

    files: str
    export: str
    input: Input
    time: Time | None = None
    when: When | None = None
    fields: dict[str, FieldSpec]
    checks: list[Check] = []
    unmatched: str = "not_used"

    @model_validator(mode="after")
    def _valid(self) -> Dimension:
        if self.export not in EXPORTS:
            raise ValueError(f"{self.export}: no such export (one of {', '.join(EXPORTS)})")
        key = COLUMNS[self.export][0]
        if key not in self.fields:
            raise ValueError(f"fields must fill the key of {self.export}, {key!r}")
        own = set(COLUMNS[self.export]) - set(DERIVED_EXPORT_FIELDS)
        _known_fields(self.fields, f"export {self.export}", own)
        self.input.check_reads(self.source_columns())
        return self

    @property
    def key(self) -> str:
        return COLUMNS[self.export][0]

    def source_columns(self) -> set[str]:
        used = {c for spec in self.fields.values() for c in as_rule(spec).columns}
        used |= {c for check in self.checks for c in check.columns}
        used |= {self.time.column} if self.time else set()
        return used | ({self.when.column} if self.when else set())

    def reasons(self) -> list[str]:
        from livelake.sources.read import READ_REASONS

        timed = [self.time.bad, self.time.out_of_range] if self.time else []
        named = [c.reason for c in self.checks] + timed + [self.unmatched, "missing_key"]
        return [*READ_REASONS, *named]


class Mapping(_Strict):
    """One source's mapping file."""

    name: Annotated[str, Field(pattern=SOURCE_NAME)]
    description: str = ""
    notes: list[str] = []
    input: Input
    time: Time
    event_id: FieldSpec = "{_file}-{_line}"
    fields: dict[str, FieldSpec] = {}
    checks: list[Check] = []
    drop: list[Drop] = []
    streams: list[StreamRule] = Field(min_length=1)
    unmatched: str = "no_stream_rule"
    exports: dict[str, ExportRule] = {}
    dimensions: list[Dimension] = []

    @model_validator(mode="after")
    def _valid(self) -> Mapping:
        every_field = {c for s in STREAMS for c in COLUMNS[s]} - set(EVENT_FIELDS)
        _known_fields(self.fields, "any stream", every_field)
        for name, export in self.exports.items():
            if name not in EXPORTS:
                raise ValueError(f"exports.{name}: no such export (one of {', '.join(EXPORTS)})")
            if export.key != COLUMNS[name][0]:
                raise ValueError(f"exports.{name}.key must be {COLUMNS[name][0]!r}")
            own = set(COLUMNS[name][1:]) - set(DERIVED_EXPORT_FIELDS)
            _known_fields(export.fields, f"export {name}", own)
        self.input.check_reads(self.source_columns())
        return self

    @property
    def formats(self) -> set[str]:
        """The input formats of the log and its dimension files."""
        return {self.input.format, *(d.input.format for d in self.dimensions)}

    def rules(self) -> dict[str, FieldRule]:
        """Every global field as a rule."""
        return {name: as_rule(spec) for name, spec in self.fields.items()}

    def source_columns(self) -> set[str]:
        """Every source column the mapping reads."""
        specs = [self.event_id, *self.fields.values()]
        specs += [v for s in self.streams for v in s.fields.values()]
        specs += [v for e in self.exports.values() for v in e.fields.values()]
        used = {c for spec in specs for c in as_rule(spec).columns} | {self.time.column}
        used |= {c for check in self.checks for c in check.columns}
        used |= {c for s in self.streams for check in s.checks for c in check.columns}
        used |= {d.when.column for d in self.drop}
        used |= {s.when.column for s in self.streams if s.when is not None}
        return used

    def reasons(self) -> list[str]:
        """Every reason a row of this mapping can be unmapped for."""
        from livelake.sources.read import READ_REASONS

        named = [c.reason for c in self.checks]
        named += [self.time.bad, self.time.out_of_range, *(d.reason for d in self.drop)]
        named += [self.unmatched, *(c.reason for s in self.streams for c in s.checks)]
        named += [r for d in self.dimensions for r in d.reasons()]
        return list(dict.fromkeys([*READ_REASONS, *named]))


def _known_fields(fields: dict[str, FieldSpec], where: str, known: set[str]) -> None:
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)}: not a landing field of {where} "
            f"(docs/landing-format.md lists them)"
        )


def _compiles(pattern: str) -> None:
    """Polars runs the patterns (Rust's regex syntax: no look-around or back-references)."""
    import polars as pl

    try:
        pl.Series([""]).str.contains(pattern)
    except pl.exceptions.ComputeError as exc:
        why = [x for x in str(exc).splitlines() if x.startswith("error:")]
        detail = why[0].removeprefix("error: ") if why else "not a regular expression"
        raise ValueError(f"bad regular expression {pattern!r}: {detail}") from None


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file; every problem is named in one error."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceMappingError(f"{path}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceMappingError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        raise SourceMappingError(f"{path}: " + "; ".join(_problems(exc.errors()))) from None


_SCALARS = ("str", "int", "float", "bool")


def _problems(errors: list) -> list[str]:
    """Pydantic's errors said once each: a field's value is tried as a column name, a
    number, a flag and a table in turn, so keep the table's complaints when it was a table,
    else one line saying what a field may be."""
    problems: list[str] = []
    tables = {_head(e["loc"]) for e in errors if _branch(e) == "table"}
    for e in errors:
        loc, branch = e["loc"], _branch(e)
        if branch == "scalar":
            head = _head(loc)
            if head not in tables:
                problems.append(f"{head}: give a column name, a template, a constant or a table")
            continue
        where = ".".join(str(p) for p in loc if _kind(p) is None) or "(top)"
        problems.append(f"{where}: {e['msg'].removeprefix('Value error, ')}")
    return list(dict.fromkeys(problems))


def _kind(part: object) -> str | None:
    text = str(part)
    if text in _SCALARS:
        return "scalar"
    if "FieldRule" in text:
        return "table"
    return None


def _branch(error: dict) -> str | None:
    """Which try of a field's value an error is from: "scalar", "table" (None: no field)."""
    kind = next((k for p in error["loc"] if (k := _kind(p)) is not None), None)
    not_a_table = kind == "table" and error["type"] == "model_type"
    return "scalar" if not_a_table else kind


def _head(loc: tuple) -> str:
    parts = []
    for p in loc:
        if _kind(p) is not None:
            break
        parts.append(str(p))
    return ".".join(parts)
