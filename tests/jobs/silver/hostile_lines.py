"""The hostile-line corpus: kinds of landed line, each with the one outcome silver must give.

A kind draws its varying part with a hypothesis strategy (derandomized, so every run lands
the same bytes) and turns each drawn value into landed lines, each paired with its expected
outcome: `Published` (these silver column values), `Quarantined` (this reason and rule) or
`DUPLICATE` (dropped, counted). `delivery()` plants every kind's lines in one delivery and
remembers where each landed, so one bronze + silver run answers for all kinds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.jobs.silver.landed import Delivery

DAY = date(2026, 1, 5)
HOUR = 10
T = "2026-01-05T10:05:00.000Z"
LINES_PER_KIND = 250
REG = "2025-12-01T00:00:00.000Z"
UPDATED = "2026-01-05T01:00:00.000Z"
TIMESTAMP_WORDS = "an ISO-8601 timestamp with its zone (Z or ±hh:mm)"
AMOUNT_WORDS = "a decimal CNY amount in whole fen (at most 2 decimals)"


@dataclass(frozen=True)
class Published:
    columns: dict[str, Any]


@dataclass(frozen=True)
class Quarantined:
    reason: str
    rule: str


DUPLICATE = "duplicate"
Outcome = Published | Quarantined | str


@dataclass(frozen=True)
class Kind:
    name: str
    table: str  # views, orders (JSON lines, hour 10) or users (CSV export)
    values: st.SearchStrategy
    lines: Callable[[str, Any], list[tuple[str, Outcome]]]  # (unique id, value) -> lines
    per_value: int = 1  # lines each value lands as


@dataclass(frozen=True)
class Planted:
    kind: str
    table: str
    line_number: int
    outcome: Outcome


def dumps(record: dict[str, Any], ascii_only: bool = False) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=ascii_only)


def view(uid: str, **fields: Any) -> dict[str, Any]:
    record = {"event_id": uid, "event_type": "enter", "event_time": T, "user_id": "u1"}
    return record | {"session_id": "s1"} | fields


def order(uid: str, **fields: Any) -> dict[str, Any]:
    record = view(uid, event_type="created", order_id=f"o-{uid}", product_id="p1")
    return record | {"anchor_id": "a1", "quantity": 1, "amount_cny": "79.00"} | fields


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


def with_offset(hours: int) -> str:
    """T written in the local time of UTC+`hours`, with its offset."""
    local = at(T) + timedelta(hours=hours)
    sign = "+" if hours >= 0 else "-"
    return local.strftime("%Y-%m-%dT%H:%M:%S.000") + f"{sign}{abs(hours):02d}:00"


def without(record: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != name}


def one(line: str, outcome: Outcome) -> list[tuple[str, Outcome]]:
    return [(line, outcome)]


def published_view(uid: str, **columns: Any) -> Published:
    return Published({"event_id": uid, "event_time": at(T)} | columns)


def malformed(rule: str) -> Quarantined:
    return Quarantined("malformed", rule)


# Text without line ends (a line end splits the line in bronze) or NUL (a file with NUL
# bytes is UTF-16 to bronze, which rejects it whole).
TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\n\r\x00\x85\u2028\u2029"),
    min_size=1,
    max_size=24,
)
WORDS = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12)
SQL = st.sampled_from(
    [
        "'; DROP TABLE silver.views; --",
        "1' OR '1'='1",
        '" OR ""="',
        "admin'--",
        "1; SELECT * FROM users WHERE 't'='t'",
        "') UNION SELECT password FROM accounts --",
    ]
)
HTML = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(document.cookie)">',
        "<a href='javascript:void(0)'>x</a>",
        "&lt;b&gt;&amp;",
        "{{7*7}}${7*7}<%= 7*7 %>",
    ]
)
PHONE = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
WHEN_IN_HOUR = st.datetimes(datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 10, 59, 59, 999000))
GARBAGE = st.text(
    st.characters(
        exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\\\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: not s[0].isspace())
SCALAR = st.one_of(st.integers(-(10**6), 10**6), st.booleans(), st.none(), TEXT)
SHALLOW = st.one_of(
    st.lists(SCALAR, max_size=3),
    st.dictionaries(TEXT, SCALAR, max_size=3),
    st.lists(st.lists(SCALAR, max_size=2), min_size=1, max_size=2),
)


def deep(depth: int, leaf: Any) -> Any:
    return leaf if depth == 0 else [deep(depth - 1, leaf)]


def _views(name: str, values: st.SearchStrategy, line: Callable, per_value: int = 1) -> Kind:
    return Kind(name, "views", values, line, per_value)


def _orders(name: str, values: st.SearchStrategy, line: Callable) -> Kind:
    return Kind(name, "orders", values, line)


def _users(name: str, values: st.SearchStrategy, line: Callable) -> Kind:
    return Kind(name, "users", values, line)


def _csv(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _user_row(uid: str, region: str = "east", level: str = "silver", end: str = "") -> str:
    return f"{uid},Name {uid},13800000000,{region},{REG},{level},ios,dev-{uid},{UPDATED}{end}"


def _pair(first: str, second: str, winner: Outcome) -> list[tuple[str, Outcome]]:
    return [(first, DUPLICATE), (second, winner)]


KINDS: tuple[Kind, ...] = (
    # --- published, with exactly these values -------------------------------------------
    _views(
        "clean_free_text",
        TEXT,
        lambda u, v: one(dumps(view(u, visit_id=v)), published_view(u, visit_id=v)),
    ),
    _views(
        "event_time_in_the_hour",
        WHEN_IN_HOUR,
        lambda u, v: one(
            dumps(view(u, event_time=iso(v))),
            Published({"event_id": u, "event_time": at(iso(v)), "event_date": DAY}),
        ),
    ),
    _views(
        "whole_number_written_as_float",
        st.integers(0, 86_400),
        lambda u, v: one(
            dumps(view(u, event_type="leave")).removesuffix("}") + f',"dwell_seconds":{v}.0}}',
            published_view(u, dwell_seconds=v),
        ),
    ),
    _views(
        "sql_injection_in_free_text",
        st.tuples(SQL, TEXT).map("".join),
        lambda u, v: one(dumps(view(u, visit_id=v)), published_view(u, visit_id=v)),
    ),
    _views(
        "html_injection_in_free_text",
        st.tuples(HTML, TEXT).map("".join),
        lambda u, v: one(dumps(view(u, visit_id=v)), published_view(u, visit_id=v)),
    ),
    _views(
        "escaped_control_characters_in_free_text",
        st.text(st.characters(min_codepoint=1, max_codepoint=31), min_size=1, max_size=8),
        lambda u, v: one(dumps(view(u, visit_id=v), True), published_view(u, visit_id=v)),
    ),
    _views(
        "very_long_line",
        st.tuples(st.integers(2_000, 20_000), TEXT),  # a megabyte: test_views.py
        lambda u, v: one(
            dumps(view(u, visit_id=v[1] * (v[0] // len(v[1])))),
            published_view(u, visit_id=v[1] * (v[0] // len(v[1]))),
        ),
    ),
    _views(
        "undeclared_fields_named_like_pii",
        st.tuples(PHONE, PHONE, st.emails()),
        lambda u, v: one(
            dumps(view(u, phone=v[0], Mobile_Phone=v[1], EMAIL=v[2])),
            published_view(
                u, extra_fields={"phone": v[0], "mobile_phone": v[1], "email": v[2]}, raw_pii=v
            ),
        ),
    ),
    _views(
        "field_names_in_any_case",
        st.sampled_from(["EVENT_ID", "Event_Id", "event_ID"]),
        lambda u, v: one(
            dumps({v: u} | {k: x for k, x in view(u).items() if k != "event_id"}),
            published_view(u),
        ),
    ),
    _views(
        "declared_pii_under_an_alias",
        st.tuples(st.sampled_from(["IMEI", "idfa", "Device_UUID"]), st.uuids().map(str)),
        lambda u, v: one(
            dumps(view(u, **{v[0]: v[1]})), published_view(u, device_pseudonym=v[1], raw_pii=v[1:])
        ),
    ),
    _views(
        "utf8_byte_order_mark",
        TEXT,
        lambda u, v: one("\ufeff" + dumps(view(u, visit_id=v)), published_view(u, visit_id=v)),
    ),
    _views(
        "crlf_line_end",
        TEXT,
        lambda u, v: one(dumps(view(u, visit_id=v)) + "\r", published_view(u, visit_id=v)),
    ),
    _views(
        "whitespace_around_the_object",
        st.tuples(st.sampled_from([" ", "\t", "  \t"]), st.sampled_from(["", " ", "\t "])),
        lambda u, v: one(v[0] + dumps(view(u)) + v[1], published_view(u)),
    ),
    _views(
        "late_within_the_watermark",
        st.datetimes(datetime(2026, 1, 2), datetime(2026, 1, 4, 23, 59, 59)),
        lambda u, v: one(
            dumps(view(u, event_time=iso(v))),
            Published({"event_id": u, "event_time": at(iso(v)), "event_date": v.date()}),
        ),
    ),
    _views(
        "time_zone_offset",
        st.integers(-11, 12),
        lambda u, v: one(dumps(view(u, event_time=with_offset(v))), published_view(u)),
    ),
    _views(
        "optional_fields_null",
        st.sampled_from(["dwell_seconds", "channel", "visit_id", "device_id"]),
        lambda u, v: one(
            dumps(view(u, **{v: None})),
            published_view(u, **{v.replace("device_id", "device_pseudonym"): None}),
        ),
    ),
    _views(
        "exact_duplicate",
        TEXT,
        lambda u, v: _pair(
            dumps(view(u, visit_id=v)), dumps(view(u, visit_id=v)), published_view(u, visit_id=v)
        ),
        per_value=2,
    ),
    _views(
        "resent_event_with_a_correction",
        st.tuples(st.integers(0, 86_400), st.integers(0, 86_400)),
        lambda u, v: _pair(
            dumps(view(u, event_type="leave", dwell_seconds=v[0])),
            dumps(view(u, event_type="leave", dwell_seconds=v[1])),
            published_view(u, dwell_seconds=v[1]),
        ),
        per_value=2,
    ),
    _orders(
        "amount_as_decimal_string",
        st.decimals(0, 1_000_000, places=2),
        lambda u, v: one(
            dumps(order(u, amount_cny=str(v))), Published({"event_id": u, "amount_cny": v})
        ),
    ),
    _orders(
        "phone_under_an_alias_in_orders",
        PHONE,
        lambda u, v: one(
            dumps(order(u, Mobile_Phone=v)),
            Published({"event_id": u, "receiver_phone_pseudonym": v, "raw_pii": (v,)}),
        ),
    ),
    _orders(
        "sql_injection_in_payment_method",
        st.tuples(SQL, HTML).map(" ".join),
        lambda u, v: one(
            dumps(order(u, payment_method=v)), Published({"event_id": u, "payment_method": v})
        ),
    ),
    _users(
        "csv_quoted_commas_and_quotes_in_free_text",
        st.tuples(TEXT, st.sampled_from([",", '"', '","', '""']), TEXT).map("".join),
        lambda u, v: one(_user_row(u, region=_csv(v)), Published({"user_id": u, "region": v})),
    ),
    _users(
        "csv_crlf_line_end",
        st.sampled_from(["east", "west", "north"]),
        lambda u, v: one(_user_row(u, region=v, end="\r"), Published({"user_id": u, "region": v})),
    ),
    # --- quarantined, with exactly this reason and rule ----------------------------------
    _views(
        "trailing_garbage",
        GARBAGE,
        lambda u, v: one(dumps(view(u)) + v, malformed("line has text after its JSON object")),
    ),
    _views(
        "second_object_after_the_first",
        TEXT,
        lambda u, v: one(
            dumps(view(u)) + dumps({"visit_id": v}),
            malformed("line has text after its JSON object"),
        ),
    ),
    _views(
        "object_or_array_in_a_declared_field",
        SHALLOW,
        lambda u, v: one(
            dumps(view(u, visit_id=v)),
            malformed(
                "field visit_id holds a JSON object or array; the landing format sends a "
                "plain value"
            ),
        ),
    ),
    _views(
        "nesting_deeper_than_three_levels",
        st.tuples(st.integers(5, 9), SCALAR),
        lambda u, v: one(
            dumps(view(u, payload=deep(*v))),
            malformed("line nests objects or arrays deeper than 3 levels (fields are flat)"),
        ),
    ),
    _views(
        "number_sent_as_string",
        st.integers(0, 86_400).map(str),
        lambda u, v: one(
            dumps(view(u, event_type="leave", dwell_seconds=v)),
            malformed(
                f"dwell_seconds '{v}' is a JSON string; the landing format sends a whole number"
            ),
        ),
    ),
    _views(
        "boolean_for_a_number",
        st.booleans(),
        lambda u, v: one(
            dumps(view(u, dwell_seconds=v)),
            malformed(f"dwell_seconds '{str(v).lower()}' is not a whole number"),
        ),
    ),
    _views(
        "fraction_for_a_whole_number",
        st.integers(0, 86_399).map(lambda n: f"{n}.5"),
        lambda u, v: one(
            dumps(view(u)).removesuffix("}") + f',"dwell_seconds":{v}}}',
            malformed(f"dwell_seconds '{v}' is not a whole number"),
        ),
    ),
    _views(
        "nan_or_infinity",
        st.sampled_from(["NaN", "Infinity", "-Infinity", "+Infinity"]),
        lambda u, v: one(
            dumps(view(u)).removesuffix("}") + f',"dwell_seconds":{v}}}',
            malformed("line is not a JSON object"),
        ),
    ),
    _views(
        "number_too_large_for_a_long",
        st.integers(2**63, 10**30),
        lambda u, v: one(
            dumps(view(u, dwell_seconds=v)),
            malformed(f"dwell_seconds '{v}' is not a whole number"),
        ),
    ),
    _views(
        "number_out_of_its_range",
        st.one_of(st.integers(-(2**62), -1), st.integers(86_401, 2**62)),
        lambda u, v: one(
            dumps(view(u, dwell_seconds=v)),
            Quarantined("out_of_range", f"dwell_seconds {v} outside 0-86400"),
        ),
    ),
    _views(
        "unknown_enum_value",
        TEXT.filter(lambda s: s not in ("enter", "leave")),
        lambda u, v: one(
            dumps(view(u, event_type=v)),
            Quarantined("invalid_value", f"event_type '{v[:80]}' is not one of enter|leave"),
        ),
    ),
    _views(
        "enum_value_in_the_wrong_case",
        st.sampled_from(["FEED", "Follow", "SEARCH", "Share"]),
        lambda u, v: one(
            dumps(view(u, channel=v)),
            Quarantined("invalid_value", f"channel '{v}' is not one of feed|follow|search|share"),
        ),
    ),
    _views(
        "future_time_beyond_the_clock_skew",
        st.datetimes(datetime(2026, 1, 5, 11, 15, 0, 1000), datetime(9999, 12, 31)),
        lambda u, v: one(
            dumps(view(u, event_time=iso(v))),
            Quarantined(
                "clock_skew",
                f"event_time {iso(v)} is more than 15 min after its file's period ends "
                "(2026-01-05T11:00Z)",
            ),
        ),
    ),
    _views(
        "ancient_time_beyond_the_watermark",
        st.datetimes(datetime(1900, 1, 1), datetime(2026, 1, 1, 23, 59, 59)),
        lambda u, v: one(
            dumps(view(u, event_time=iso(v))),
            Quarantined(
                "too_late",
                f"event_time {iso(v)} is older than the watermark: delivered 2026-01-05, kept "
                "back to 3 day(s) earlier",
            ),
        ),
    ),
    _views(
        "unparseable_time",
        st.sampled_from(["yesterday", "2026-13-45T10:00:00.000Z", "10:05", "0", "2026/01/05"]),
        lambda u, v: one(
            dumps(view(u, event_time=v)),
            malformed(f"event_time '{v}' is not {TIMESTAMP_WORDS}"),
        ),
    ),
    _views(
        "time_without_a_zone",
        WHEN_IN_HOUR.map(lambda t: iso(t).removesuffix("Z")),
        lambda u, v: one(
            dumps(view(u, event_time=v)), malformed(f"event_time '{v}' is not {TIMESTAMP_WORDS}")
        ),
    ),
    _views(
        "missing_required_key",
        st.sampled_from(["event_id", "user_id", "session_id"]),
        lambda u, v: one(
            dumps(without(view(u), v)),
            Quarantined("null_key", f"{v} is missing (null)"),
        ),
    ),
    _views(
        "null_key",
        st.sampled_from(["event_id", "user_id", "session_id"]),
        lambda u, v: one(
            dumps(view(u, **{v: None})), Quarantined("null_key", f"{v} is missing (null)")
        ),
    ),
    _views(
        "missing_event_time",
        st.booleans(),
        lambda u, v: one(
            dumps(view(u, event_time=None) if v else without(view(u), "event_time")),
            malformed("event_time is missing (null)"),
        ),
    ),
    _views(
        "unknown_foreign_key",
        TEXT.filter(lambda s: s != "u1"),
        lambda u, v: one(
            dumps(view(u, user_id=v)),
            Quarantined("unknown_fk", f"user_id '{v[:80]}' is not a known users key"),
        ),
    ),
    _views(
        "duplicate_key_in_one_object",
        st.tuples(st.sampled_from(["user_id", "USER_ID", "User_Id"]), TEXT),
        lambda u, v: one(
            dumps(view(u)).removesuffix("}") + f',"{v[0]}":{json.dumps(v[1])}}}',
            malformed("line names user_id more than once (any case)"),
        ),
    ),
    _views(
        "lone_surrogate_escape",
        st.tuples(TEXT, st.integers(0xD800, 0xDFFF), st.booleans()),
        lambda u, v: one(
            dumps(view(u, visit_id="@@")).replace(
                "@@", json.dumps(v[0])[1:-1] + (f"\\u{v[1]:04x}" if v[2] else f"\\u{v[1]:04X}")
            ),
            malformed("line has a lone UTF-16 surrogate escape (\\uD800-\\uDFFF without its pair)"),
        ),
    ),
    _views(
        "escaped_backslash_before_surrogate_like_text",
        st.tuples(TEXT, st.integers(0xD800, 0xDFFF)),
        lambda u, v: one(
            dumps(view(u, visit_id=f"{v[0]}\\u{v[1]:04x}")),
            published_view(u, visit_id=f"{v[0]}\\u{v[1]:04x}"),
        ),
    ),
    _views(
        "raw_control_character_in_a_string",
        st.tuples(TEXT, st.sampled_from([chr(c) for c in range(1, 32) if c not in (10, 13)])),
        lambda u, v: one(
            dumps(view(u, visit_id="@@")).replace("@@", json.dumps(v[0])[1:-1] + v[1]),
            malformed("line is not valid JSON (e.g. a raw control character inside a string)"),
        ),
    ),
    _views(
        "empty_or_blank_line",
        st.sampled_from(["", " ", "\t", "   \t "]),
        lambda u, v: one(v, malformed("line is not a JSON object")),
    ),
    _views(
        "json_that_is_not_an_object",
        st.one_of(st.integers(), st.lists(st.integers(), max_size=3), TEXT, st.none()).map(
            json.dumps
        ),
        lambda u, v: one(v, malformed("line is not a JSON object")),
    ),
    _views(
        "truncated_line",
        st.floats(0.05, 0.95),
        lambda u, v: one(
            dumps(view(u))[: int(len(dumps(view(u))) * v)], malformed("line is not a JSON object")
        ),
    ),
    _views(
        "unquoted_field_name",
        st.sampled_from(["visit_id", "channel", "note", "x"]),
        lambda u, v: one(
            dumps(view(u)).removesuffix("}") + f',{v}:"x"}}', malformed("line is not a JSON object")
        ),
    ),
    _views(
        "single_quoted_name_or_value",
        st.tuples(st.sampled_from(["visit_id", "note"]), WORDS),
        lambda u, v: one(
            dumps(view(u)).removesuffix("}") + f",'{v[0]}':'{v[1]}'}}",
            malformed('line has a bare word or single quotes outside strings (JSON quotes with ")'),
        ),
    ),
    _orders(
        "amount_with_a_third_decimal",
        st.decimals(0, 1_000_000, places=3).filter(lambda d: d * 100 % 1 != 0),
        lambda u, v: one(
            dumps(order(u, amount_cny=str(v))),
            malformed(f"amount_cny '{v}' is not {AMOUNT_WORDS}"),
        ),
    ),
    _orders(
        "amount_with_float_noise",
        st.decimals(0, 1_000_000, places=2),
        lambda u, v: one(
            dumps(order(u, amount_cny=f"{v:.2f}0000000001")),
            Published({"event_id": u, "amount_cny": v}),
        ),
    ),
    _orders(
        "negative_amount",
        st.decimals(Decimal("-1000000"), Decimal("-0.01"), places=2),
        lambda u, v: one(
            dumps(order(u, amount_cny=float(v))),
            Quarantined("negative_amount", f"amount_cny {v} < 0"),
        ),
    ),
    _orders(
        "absurd_amount",
        st.decimals(Decimal("1000000.01"), Decimal("9999999999999999"), places=2),
        lambda u, v: one(
            dumps(order(u, amount_cny=str(v))),
            Quarantined("out_of_range", f"amount_cny {v} > 1,000,000 CNY"),
        ),
    ),
    _orders(
        "quantity_sent_as_string",
        st.integers(1, 99).map(str),
        lambda u, v: one(
            dumps(order(u, quantity=v)),
            malformed(f"quantity '{v}' is a JSON string; the landing format sends a whole number"),
        ),
    ),
    _users(
        "csv_row_with_too_few_fields",
        st.integers(1, 8),
        lambda u, v: one(
            ",".join(_user_row(u).split(",")[:v]),
            malformed(f"line has {v} fields but the header has 9"),
        ),
    ),
    _users(
        "csv_unknown_enum_value",
        st.sampled_from(["diamond", "GOLD", "vip", "platinum+"]),
        lambda u, v: one(
            _user_row(u, level=v),
            Quarantined(
                "invalid_value", f"membership_level '{v}' is not one of none|silver|gold|platinum"
            ),
        ),
    ),
)


def draw(strategy: st.SearchStrategy, n: int, per_example: int = 50) -> list[Any]:
    """`n` values of `strategy`, the same on every run: hypothesis derandomized, lists of
    `per_example` values from consecutive examples (its first example, all minimal values,
    left out), so no example outgrows hypothesis's buffer."""
    examples: list[list[Any]] = []

    @settings(
        max_examples=n // per_example + 4,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(st.lists(strategy, min_size=per_example, max_size=per_example))
    def capture(values: list[Any]) -> None:
        examples.append(values)

    capture()
    values = [v for example in examples[1:] for v in example]
    assert len(values) >= n, f"hypothesis gave {len(values)} values, {n} wanted"
    return values[:n]


def delivery() -> tuple[Delivery, list[Planted]]:
    """One delivery holding every kind's lines, and where each was planted."""
    d = Delivery(DAY)
    d.rows("users", _user_row("u1"))
    d.rows("anchors", f"a1,Star,head,1000,beauty,88.5,{REG},{UPDATED}")
    d.rows("products", f"p1,Lipstick,beauty,Mac,99.00,{{}},{UPDATED}")
    d.rows("live_sessions", f"s1,a1,beauty,Show,,2026-01-05T09:00:00.000Z,,{UPDATED}")
    counts = {"views": 0, "orders": 0, "users": 1}
    planted: list[Planted] = []
    for kind in KINDS:
        values = draw(kind.values, LINES_PER_KIND // kind.per_value)
        for i, value in enumerate(values):
            for line, outcome in kind.lines(f"{kind.name}-{i}", value):
                counts[kind.table] += 1
                # A CSV export's header is its line 1.
                number = counts[kind.table] + (kind.table == "users")
                planted.append(Planted(kind.name, kind.table, number, outcome))
                if kind.table == "users":
                    d.rows("users", line)
                else:
                    d.lines(kind.table, HOUR, line)
    return d, planted
