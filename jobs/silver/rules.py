"""The typing and quarantine rules of a silver table, as Spark SQL text.

Each rule is one SQL expression, so a table's reason and rule columns cost one py4j call each
to build, where the same rules written as Column objects cost one call per function node
(over half of silver's py4j calls on a small day, though only about a tenth of its time).
The rules and their order are those of docs/landing-format.md: the first rule a line breaks
is its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from livelake.column_types import MONEY
from livelake.lake.registry import ForeignKey
from livelake.lake.tables.silver import MAX_AMOUNT_CNY, SilverTable

if TYPE_CHECKING:
    from livelake.jobs.silver.parsing import SilverEnv

# The hour a landed event file covers: events/views/views-2026-01-02T13.jsonl.gz
FILE_HOUR = r"(\d{4}-\d{2}-\d{2})T(\d{2})\.jsonl"
# A timestamp is a date, a time and its zone (docs/landing-format.md: ISO-8601, `Z` or an
# offset): a time without a zone could be any of 27 hours, and Spark would read it as UTC.
ISO_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$"
# Float noise a writer may print in an amount (59.699999999999996): well below a fen.
AMOUNT_NOISE = "0.000001"
# How many characters of a bad value a rule text quotes.
QUOTED_CHARS = 80
_CASTS = {
    "string": None,
    "timestamp": "timestamp",
    "long": "bigint",
    "double": "double",
    "amount": MONEY,
    "boolean": "boolean",
}
_TYPE_WORDS = {
    "timestamp": "an ISO-8601 timestamp with its zone (Z or ±hh:mm)",
    "long": "a whole number",
    "double": "a number",
    "amount": "a decimal CNY amount in whole fen (at most 2 decimals)",
    "boolean": "true or false",
}
_ISO_MILLIS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
_ISO_MINUTES = "yyyy-MM-dd'T'HH:mm'Z'"


class Rule(NamedTuple):
    """A line breaks the rule when `broken` is true; `text` says how, for that line."""

    broken: str
    reason: str
    text: str


def text(value: str) -> str:
    """`value` as a Spark SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def column(name: str) -> str:
    return f"`{name}`"


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"CAST({text(repr(value))} AS DOUBLE)"


def _concat(*parts: str) -> str:
    return f"concat({', '.join(parts)})"


def _about(name: str, *parts: str) -> str:
    """A rule text: the field's name, then `parts` (SQL expressions)."""
    return _concat(text(f"{name} "), *parts)


def _quoted(value: str) -> str:
    return _concat(text("'"), f"substring({value}, 1, {QUOTED_CHARS})", text("'"))


def typed(source: str, type_: str) -> str:
    """The field's value parsed from its landed text (null when the text does not parse)."""
    target = _CASTS[type_]
    if target is None:
        return source
    if type_ == "boolean":
        return f"try_cast(lower(trim({source})) AS boolean)"
    if type_ == "long":  # JSON writers may print whole numbers as 37.0
        # Only up to 2^53, where a double still holds every whole number: beyond it, Spark
        # casts 2^63 and larger to the largest long instead of failing.
        number = f"try_cast(trim({source}) AS double)"
        exact = f"{number} = floor({number}) AND abs({number}) <= {2**53}"
        whole = f"CASE WHEN {exact} THEN try_cast({number} AS bigint) END"
        return f"coalesce(try_cast(trim({source}) AS bigint), {whole})"
    if type_ == "timestamp":  # Spark reads a bare time ('10:05') as that time today
        complete = f"trim({source}) RLIKE {text(ISO_TIMESTAMP)}"
        return f"CASE WHEN {complete} THEN try_cast(trim({source}) AS timestamp) END"
    if type_ == "amount":  # casting to cents alone would round a third decimal away silently
        wide = f"try_cast(trim({source}) AS decimal(38,9))"
        whole_fen = f"abs({wide} - round({wide}, 2)) < {AMOUNT_NOISE}"
        return f"CASE WHEN {whole_fen} THEN try_cast({wide} AS {target}) END"
    return f"try_cast(trim({source}) AS {target})"


def typed_fields(spec: SilverTable) -> list[str]:
    """SELECT items: every declared field, typed from its landed text `_text_<field>`."""
    return [f"{typed(column(f'_text_{f.name}'), f.type)} AS {column(f.name)}" for f in spec.fields]


BROKEN = "_broken"  # the column holding the index of a line's first broken rule


def first_broken(rules: list[Rule]) -> tuple[str, str, str]:
    """(index, reason, rule text) of the first rule a line breaks; null for a clean line.

    The index becomes the column `BROKEN`, which the other two read: a line's rules are
    evaluated once, not once for the reason and again for the rule text.
    """
    index = " ".join(f"WHEN {r.broken} THEN {i}" for i, r in enumerate(rules))
    reason = " ".join(f"WHEN {i} THEN {text(r.reason)}" for i, r in enumerate(rules))
    rule = " ".join(f"WHEN {i} THEN {r.text}" for i, r in enumerate(rules))
    return f"CASE {index} END", f"CASE {BROKEN} {reason} END", f"CASE {BROKEN} {rule} END"


def known_marker(fk: ForeignKey) -> str:
    """The column that is non-null on a line whose foreign key `fk` is a known key."""
    return f"_known_{fk.column}_{fk.dimension}"


def rules(spec: SilverTable, env: SilverEnv, columns: set[str]) -> list[Rule]:
    """Every rule of `spec` in priority order; `columns` are the parsed frame's (a JSON
    table flags numbers sent as quoted strings in `_string_<field>`)."""
    found = [Rule("NOT _syntax_ok", "malformed", "_syntax_rule")]
    for f in spec.fields:
        landed, value = column(f"_text_{f.name}"), column(f.name)
        if f"_string_{f.name}" in columns:
            found.append(
                Rule(
                    column(f"_string_{f.name}"),
                    "malformed",
                    _about(
                        f.name,
                        _quoted(landed),
                        text(f" is a JSON string; the landing format sends {_TYPE_WORDS[f.type]}"),
                    ),
                )
            )
        if f.type != "string":
            found.append(
                Rule(
                    f"{landed} IS NOT NULL AND {value} IS NULL",
                    "malformed",
                    _about(f.name, _quoted(landed), text(f" is not {_TYPE_WORDS[f.type]}")),
                )
            )
    for f in spec.fields:
        if f.required or f.required_if:
            missing = f"{column(f.name)} IS NULL"
            if f.required_if and not f.required:
                missing += f" AND ({f.required_if})"
            reason = "null_key" if f.name.endswith("_id") else "malformed"
            found.append(Rule(missing, reason, text(f"{f.name} is missing (null)")))
    for f in spec.fields:
        value = column(f.name)
        if f.allowed:
            allowed = ", ".join(text(a) for a in f.allowed)
            found.append(
                Rule(
                    f"{value} IS NOT NULL AND NOT ({value} IN ({allowed}))",
                    "invalid_value",
                    _about(
                        f.name,
                        _quoted(value),
                        text(f" is not one of {'|'.join(f.allowed)}"),
                    ),
                )
            )
        shown = f"CAST({value} AS string)"
        bounds: list[tuple[str, str, str]] = []  # (broken, reason, what the text adds)
        if f.type == "amount":
            bounds.append((f"{value} < 0", "negative_amount", " < 0"))
            bounds.append(
                (f"{value} > {MAX_AMOUNT_CNY}", "out_of_range", f" > {MAX_AMOUNT_CNY:,} CNY")
            )
        if f.range is not None:
            low, high = f.range
            broken = f"({value} < {_number(low)}) OR ({value} > {_number(high)})"
            bounds.append((broken, "out_of_range", f" outside {low:g}-{high:g}"))
        found += [
            Rule(broken, reason, _about(f.name, shown, text(says)))
            for broken, reason, says in bounds
        ]
    if spec.event_time is not None:
        found += _time_rules(spec.event_time, env)
    for fk in spec.foreign_keys:
        broken = f"{column(fk.column)} IS NOT NULL AND {column(known_marker(fk))} IS NULL"
        if fk.when:
            broken += f" AND ({fk.when})"
        found.append(
            Rule(
                broken,
                "unknown_fk",
                _about(
                    fk.column,
                    _quoted(column(fk.column)),
                    text(f" is not a known {fk.dimension} key"),
                ),
            )
        )
    return found


def _time_rules(name: str, env: SilverEnv) -> list[Rule]:
    """Too late: event day older than the watermark. Clock skew: after the file's hour ends."""
    value = column(name)
    oldest = f"date_sub(delivery_date, {env.watermark_days})"
    hour_day = f"regexp_extract(source_file, {text(FILE_HOUR)}, 1)"
    hour = f"regexp_extract(source_file, {text(FILE_HOUR)}, 2)"
    hour_start = f"to_timestamp({_concat(hour_day, text(' '), hour, text(':00:00'))})"
    file_end = (
        f"CASE WHEN {hour_day} != '' THEN {hour_start} + INTERVAL 1 HOUR "
        "ELSE CAST(delivery_date AS timestamp) + INTERVAL 1 DAY END"
    )
    latest = f"({file_end}) + INTERVAL {env.clock_skew_minutes} MINUTES"
    shown = f"date_format({value}, {text(_ISO_MILLIS)})"
    return [
        Rule(
            f"to_date({value}) < {oldest}",
            "too_late",
            _about(
                name,
                shown,
                text(" is older than the watermark: delivered "),
                "CAST(delivery_date AS string)",
                text(f", kept back to {env.watermark_days} day(s) earlier"),
            ),
        ),
        Rule(
            f"{value} > {latest}",
            "clock_skew",
            _about(
                name,
                shown,
                text(f" is more than {env.clock_skew_minutes} min after its file's period ends ("),
                f"date_format({file_end}, {text(_ISO_MINUTES)})",
                text(")"),
            ),
        ),
    ]
