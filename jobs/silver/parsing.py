"""Shared by every silver table: landed line -> typed row, or a quarantine reason and rule.

A silver table's declaration (`livelake/lake/tables/silver.py`) names its landed fields; this
module parses the line (JSON lines with `from_json`, CSV lines with `from_csv` against the
header of the file they came from), types every field with `try_cast` (a value that does
not parse is a finding, not a crash), and evaluates the rules of docs/landing-format.md
(`rules.py`) in a fixed order: the first rule a line breaks is its reason. Everything is
built from Spark's own functions, so 2M events a day never pass through Python.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, NamedTuple

from livelake.jobs.silver import rules
from livelake.jobs.silver.pii import PiiKey, pseudonym
from livelake.lake.tables.silver import LINEAGE, SilverTable
from livelake.landing import header_columns
from livelake.spark import persist

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# Where a landed line came from, carried from bronze to silver and quarantine alike: silver's
# lineage columns but the two this module adds (the undeclared fields, the run).
ORIGIN = tuple(c.name for c in LINEAGE if c.name not in ("extra_fields", "run_id"))
# RFC 4180: a quote inside a quoted field is written twice.
RFC4180 = {"quote": '"', "escape": '"', "mode": "PERMISSIVE"}


@dataclass(frozen=True)
class SilverEnv:
    """Everything a transform needs besides its bronze rows (no I/O behind it); the time
    rules come from `Settings`."""

    day: date
    run_id: str
    pii: PiiKey
    watermark_days: int
    clock_skew_minutes: int
    # dimension -> its distinct keys (or the rows a rule reads); the table's own name -> the
    # rows earlier deliveries published, for a rule that compares with them
    known: Mapping[str, DataFrame] = field(default_factory=dict)
    now: datetime | None = None


class Conformed(NamedTuple):
    """A transform's result: rows to publish, rows rejected, rows dropped as duplicates."""

    silver: DataFrame
    quarantine: DataFrame
    duplicates: DataFrame


def _strip_quoted(raw: Column) -> Column:
    from pyspark.sql import functions as F

    # `"[^"]*"` rather than `"([^"]|"")*"`: an alternation under `*` recurses once per
    # character in Java's regex engine, and a long field overflowed the executor's stack;
    # a doubled quote is two adjacent quoted runs, removed the same.
    return F.regexp_replace(raw, r'"[^"]*"', "")


def _undeclared(names: Column | list[str], values: Column | list[Column], pii: PiiKey) -> Column:
    """`extra_fields` JSON: each undeclared field's name with `_pseudonym` and its HMAC.

    A source that adds or renames a field may be sending PII (a phone under a new name), so
    an undeclared value never reaches silver verbatim; its name shows the schema drift.
    """
    from pyspark.sql import functions as F

    if isinstance(names, list):
        keys = F.array(*[F.lit(f"{n}_pseudonym") for n in names])
        hashed = F.array(*[pseudonym(v, pii) for v in values])  # type: ignore[union-attr]
        return F.to_json(F.map_from_arrays(keys, hashed))
    renamed = F.transform_keys(values, lambda k, _v: F.concat(k, F.lit("_pseudonym")))
    return F.to_json(F.transform_values(renamed, lambda _k, v: pseudonym(v, pii)))


# Types a JSON line must send as JSON numbers / booleans, never as quoted strings (amounts
# may also come as decimal strings such as "12.50", which keep them exact).
_UNQUOTED = ("long", "double", "boolean")
# Escapes, then quoted strings, then innermost objects and arrays, reduced to one letter: a
# line that is exactly one JSON object (nested up to this depth) reduces to "O". Only
# character classes repeat, never a group, so Java's regex engine does not recurse per
# character and a 1 MB line cannot overflow its stack.
_ESCAPE = r"(?s)\\."
_STRING = r'"[^"]*"'
_NESTING = 3
# A \uD800-\uDFFF escape without its pair is no Unicode character; Spark would turn it into
# "?" and publish the changed text.
# (Checked once escaped backslashes are gone: `\\ud800` is a backslash, then text.)
_LONE_SURROGATE = (
    r"(?i)\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
    r"|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}"
)
# A line with no backslash, no control character and no brace or bracket but its outer pair
# (what a producer of flat records writes, nearly every line) cannot break the escape,
# nesting, trailing-text or nested-field rules: its check skips their regular expressions.
_FLAT = r"^[ \t\r]*\{[^{}\[\]\\\x00-\x1f]*\}[ \t\r]*$"
# Outside strings, JSON has no letters but those of true, false, null and exponents, and no
# single quotes, which Spark's lenient parser accepts around names and values.
_BARE_WORD = r"[A-DF-Za-df-z_$']"


def _shape(text: Column) -> Column:
    """The line with strings as "s" and each innermost object / array as "O" / "A"."""
    from pyspark.sql import functions as F

    shape = F.regexp_replace(F.regexp_replace(text, _ESCAPE, "e"), _STRING, "s")
    for _ in range(_NESTING):
        shape = F.regexp_replace(shape, r"\[[^\[\]{}]*\]", "A")
        shape = F.regexp_replace(shape, r"\{[^\[\]{}]*\}", "O")
    return shape


def _syntax_problems(
    text: Column, names: Column, fields: Column, flat: Column, declared: list[str]
) -> list[tuple[Column, str | Column]]:
    """(broken, rule) pairs a JSON line must pass before its fields are read, in order.

    `names` are the line's top-level names as sent (`json_object_keys`), `fields` its parsed
    fields (`from_json` to a map) and `flat` whether it matches `_FLAT`: columns the caller
    computes once per line, since Spark evaluates an expression again in each branch of a
    CASE that names it (`flat` was matched up to four times a line).

    Spark's JSON functions are lenient where the landing format is strict: they stop after
    the first value, take the last of a repeated name, turn a lone surrogate into "?", and
    hand a nested object to a string field as its JSON text. Each leniency would publish a
    value the source never sent, so each is a malformed line here.
    """
    from pyspark.sql import functions as F

    not_flat = ~flat
    keys = F.transform(names, lambda k: F.lower(F.trim(k)))
    # `fields` is keyed by the lowered names with the last of a repeated one winning
    # (mapKeyDedupPolicy LAST_WIN), so it is smaller than `names` exactly when a name repeats:
    # no per-line set of keys to build. Which names repeat is worked out only for such a line
    # (the lambda below re-reads the line's keys for every key).
    repeats = F.size(fields) < F.size(names)
    repeated = F.filter(keys, lambda k: F.size(F.filter(keys, lambda j: j == k)) > 1)
    any_declared = "|".join(re.escape(n) for n in declared)
    nested = F.regexp_extract(text, f'(?i)"({any_declared})"\\s*:\\s*[\\[{{]', 1)
    shape = _shape(text)
    unescaped = F.when(flat, text).otherwise(F.regexp_replace(text, _ESCAPE, "e"))  # no \ if flat
    bare = F.regexp_replace(F.regexp_replace(unescaped, _STRING, "0"), r"\b(true|false|null)\b", "")
    return [
        (names.isNull(), "line is not a JSON object"),
        (fields.isNull(), "line is not valid JSON (e.g. a raw control character inside a string)"),
        (
            not_flat & F.regexp_replace(text, r"\\\\", "").rlike(_LONE_SURROGATE),
            "line has a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair)",
        ),
        # Still braced after the reductions: one object, nested deeper than they reach.
        (
            not_flat & shape.rlike(r"(?s)^\s*\{.*\}\s*$"),
            f"line nests objects or arrays deeper than {_NESTING} levels (fields are flat)",
        ),
        (not_flat & ~shape.rlike(r"^\s*O\s*$"), "line has text after its JSON object"),
        (
            bare.rlike(_BARE_WORD),
            'line has a bare word or single quotes outside strings (JSON quotes with ")',
        ),
        (
            repeats,
            F.concat(F.lit("line names "), repeated[0], F.lit(" more than once (any case)")),
        ),
        (
            not_flat & (nested != ""),
            F.concat(
                F.lit("field "),
                F.lower(nested),
                F.lit(" holds a JSON object or array; the landing format sends a plain value"),
            ),
        ),
    ]


def _sent_as_string(raw: Column, names: list[str]) -> Column:
    """A JSON line carries one of `names` (any case) with a quoted string value."""

    keys = "|".join(re.escape(n) for n in names)
    return raw.rlike(f'(?i)"({keys})"\\s*:\\s*"')


def json_columns(text: Column, flat: str = _FLAT) -> list[Column]:
    """A JSON line's `_names` as sent, `_flat` (matches `flat`) and `_fields` (parsed, keyed
    by lowered name): what `_syntax_problems` and the field reads take."""
    from pyspark.sql import functions as F

    return [
        F.json_object_keys(text).alias("_names"),
        text.rlike(flat).alias("_flat"),
        F.transform_keys(
            F.from_json(text, "map<string,string>"), lambda k, _v: F.lower(F.trim(k))
        ).alias("_fields"),
    ]


def _parse_json(bronze: DataFrame, spec: SilverTable, pii: PiiKey) -> DataFrame:
    from pyspark.sql import functions as F

    landed = spec.landed_names
    # The line's text, names, fields and flatness are columns of their own, so each is
    # computed once per line whatever rule or field reads it (Spark does not inline a costly
    # expression into a later projection that uses it twice).
    # A UTF-8 byte order mark is no part of the line (editors on Windows write one).
    with_text = bronze.select("*", F.regexp_replace(F.col("raw"), "^\ufeff", "").alias("_text"))
    text = F.col("_text")
    with_fields = with_text.select("*", *json_columns(text))
    fields = F.col("_fields")
    texts = {
        f.name: F.coalesce(*[fields[n] for n, name in landed.items() if name == f.name])
        for f in spec.fields
    }

    def undeclared(name: Column) -> Column:
        return ~name.isin(*landed)

    extra = F.map_filter(fields, lambda k, _v: undeclared(k))
    problems = _syntax_problems(text, F.col("_names"), fields, F.col("_flat"), list(landed))
    rule: Column = F.lit(None).cast("string")
    for broken, says in reversed(problems):
        rule = F.when(broken, says).otherwise(rule)
    quoted = [
        _sent_as_string(text, [n for n, name in landed.items() if name == f.name]).alias(
            f"_string_{f.name}"
        )
        for f in spec.fields
        if f.type in _UNQUOTED
    ]
    return with_fields.select(
        *bronze.columns,
        rule.isNull().alias("_syntax_ok"),
        rule.alias("_syntax_rule"),
        *quoted,
        # (the filter's lambda and the hashing run only on a line with an undeclared name)
        F.when(
            F.exists(F.map_keys(fields), undeclared),
            _undeclared(F.map_keys(extra), extra, pii),
        ).alias("extra_fields"),
        *[texts[n].alias(f"_text_{n}") for n in spec.field_names],
    )


def _parse_csv(bronze: DataFrame, spec: SilverTable, pii: PiiKey) -> DataFrame:
    """Parse each line against its own file's header (files may order columns differently)."""
    from pyspark.sql import functions as F

    headers = sorted(r[0] for r in bronze.select("header").distinct().collect() if r[0])
    field_count = F.size(F.split(_strip_quoted(F.col("raw")), ",", -1))
    landed = spec.landed_names
    texts: dict[str, Column] = {n: F.lit(None).cast("string") for n in spec.field_names}
    extra: Column = F.lit(None).cast("string")
    expected: Column = F.lit(None).cast("int")
    # Schema drift that would otherwise publish silent nulls: a header without a declared
    # column quarantines the file's rows, naming the columns.
    drifted: Column = F.lit(None).cast("string")
    parsed_cols = []
    for i, header in enumerate(headers):
        columns = [c.lower() for c in header_columns(header)]
        lacking = [
            n for n in spec.field_names if n not in {landed[c] for c in columns if c in landed}
        ]
        if lacking:
            drifted = F.when(
                F.col("header") == F.lit(header),
                F.lit(f"the file's header lacks declared column(s) {', '.join(lacking)}"),
            ).otherwise(drifted)
        schema = ", ".join(f"`c{j}` string" for j in range(len(columns)))
        is_h = F.col("header") == F.lit(header)
        parsed_cols.append(F.when(is_h, F.from_csv("raw", schema, RFC4180)).alias(f"_csv{i}"))
        for j, name in enumerate(columns):
            if name in landed:
                target = landed[name]
                texts[target] = F.when(is_h, F.col(f"_csv{i}")[f"c{j}"]).otherwise(texts[target])
        undeclared = [(j, n) for j, n in enumerate(columns) if n not in landed]
        if undeclared:
            values = [F.col(f"_csv{i}")[f"c{j}"] for j, _ in undeclared]
            hashed = _undeclared([n for _, n in undeclared], values, pii)
            extra = F.when(is_h, hashed).otherwise(extra)
        expected = F.when(is_h, F.lit(len(columns))).otherwise(expected)
    with_parsed = bronze.select("*", *parsed_cols)
    rule = F.concat(
        F.lit("line has "),
        field_count.cast("string"),
        F.lit(" fields but the header has "),
        F.coalesce(expected.cast("string"), F.lit("none")),
    )
    return with_parsed.select(
        *bronze.columns,
        (expected.isNotNull() & (field_count == expected) & drifted.isNull()).alias("_syntax_ok"),
        F.coalesce(drifted, rule).alias("_syntax_rule"),
        extra.alias("extra_fields"),
        *[texts[n].alias(f"_text_{n}") for n in spec.field_names],
    )


def _join_known(df: DataFrame, spec: SilverTable, env: SilverEnv) -> DataFrame:
    from pyspark.sql import functions as F

    for fk in spec.foreign_keys:
        if fk.dimension not in env.known:
            raise KeyError(f"{spec.name}: no known keys given for dimension {fk.dimension!r}")
        marker = rules.known_marker(fk)
        keys = env.known[fk.dimension].select(F.col("key").alias(marker))
        df = df.join(F.broadcast(keys), df[fk.column] == keys[marker], "left")
    return df


def check(bronze: DataFrame, spec: SilverTable, env: SilverEnv) -> DataFrame:
    """Each bronze line as its typed fields, origin, `raw`, `extra_fields`, `_reason` and
    `_rule` (both null when clean): what `split` reads, persisted."""
    parse = _parse_csv if spec.csv else _parse_json
    parsed = parse(bronze, spec, env.pii)
    joined = _join_known(parsed.selectExpr("*", *rules.typed_fields(spec)), spec, env)
    broken, reason, rule = rules.first_broken(rules.rules(spec, env, set(parsed.columns)))
    judged = joined.selectExpr("*", f"{broken} AS {rules.BROKEN}")
    # Persisted: the clean rows and the quarantine both come from this one parse. Only what
    # `split` reads is kept: the landed texts, markers and syntax flags would double the cache.
    kept = [*spec.field_names, *ORIGIN, "raw", "extra_fields"]
    return persist(
        judged.selectExpr(*map(rules.column, kept), f"{reason} AS _reason", f"{rule} AS _rule")
    )


def split(checked: DataFrame, spec: SilverTable, env: SilverEnv) -> tuple[DataFrame, DataFrame]:
    """(clean rows with PII replaced by pseudonyms and lineage, quarantine rows)."""
    from pyspark.sql import functions as F

    now = env.now or datetime.now(UTC)
    quarantine = checked.where(F.col("_reason").isNotNull()).select(
        *ORIGIN,
        "raw",
        F.col("_reason").alias("reason"),
        F.col("_rule").alias("rule"),
        F.lit(env.run_id).alias("run_id"),
        F.lit(now).cast("timestamp").alias("quarantined_at"),
    )
    columns = []
    for f in spec.fields:
        if f.pseudonym:
            columns.append(pseudonym(F.col(f.name), env.pii).alias(f.pseudonym))
        else:
            columns.append(F.col(f.name))
    clean = checked.where(F.col("_reason").isNull()).select(
        *columns,
        *ORIGIN,
        "extra_fields",
        F.lit(env.run_id).alias("run_id"),
    )
    return clean, quarantine


def conform_lines(
    bronze: DataFrame, spec: SilverTable, env: SilverEnv
) -> tuple[DataFrame, DataFrame]:
    """check + split: the part every table's transform shares."""
    return split(check(bronze, spec, env), spec, env)
