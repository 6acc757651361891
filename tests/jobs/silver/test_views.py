"""silver/views: every event-stream defect kind of docs/landing-format.md gets its outcome."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date

from livelake.jobs.silver import views
from tests.jobs.silver.landed import bronze_frame, event, outcome
from tests.jobs.silver.transform_env import DAY, KEY

T = "2026-01-02T10:05:00.000Z"


def mac(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_each_defect_kind_is_published_quarantined_or_dropped_as_duplicate(spark, env):
    lines = [
        event(
            "e1", T, session_id="s1", visit_id="v1", channel="feed", device_id="d1", ip="1.2.3.4"
        ),
        event("e2", T, event_type="leave", session_id="s1", visit_id="v1", dwell_seconds=30),
        event("e2", T, event_type="leave", session_id="s1", visit_id="v1", dwell_seconds=45),
        event(
            "e1", T, session_id="s1", visit_id="v1", channel="feed", device_id="d1", ip="1.2.3.4"
        ),
        '{"event_id":"e3","event_ty',
        event("e4", T, user_id=None),
        event("e5", T, user_id="u404"),
        event("e6", "2026-01-01T23:00:00.000Z"),
        event("e7", "2025-12-29T23:59:59.000Z"),
        event("e8", "2026-01-02T11:15:01.000Z"),
        event("e9", T, promo_code="X1"),
        event("e10", "yesterday"),
        event("e11", T, event_type="hover"),
        event("e12", T, session_id="s404"),
        event("e13", "2026-01-02T11:15:00.000Z"),
        event("e14", T, session_id=None),
    ]
    result = views.transform(bronze_frame(spark, "views", lines, DAY, hour=10), env)

    silver, quarantine, duplicates = outcome(
        result, "event_id", "event_date", "dwell_seconds", "line_number", "extra_fields"
    )
    assert silver == [
        ("e1", DAY, None, 4, None),
        ("e13", DAY, None, 15, None),
        ("e2", DAY, 45, 3, None),
        ("e6", date(2026, 1, 1), None, 8, None),
        (
            "e9",
            DAY,
            None,
            11,
            json.dumps({"promo_code_pseudonym": mac("X1")}, separators=(",", ":")),
        ),
    ]
    assert quarantine == [
        (5, "malformed"),
        (6, "null_key"),
        (7, "unknown_fk"),
        (9, "too_late"),
        (10, "clock_skew"),
        (12, "malformed"),
        (13, "invalid_value"),
        (14, "unknown_fk"),
        (16, "null_key"),
    ]
    assert duplicates == [1, 2]


def test_device_id_and_ip_become_keyed_pseudonyms(spark, env):
    line = event("e1", T, session_id="s1", device_id="d1", ip="1.2.3.4")
    row = views.transform(bronze_frame(spark, "views", [line], DAY), env).silver.first()

    assert (row["device_pseudonym"], row["ip_pseudonym"]) == (mac("d1"), mac("1.2.3.4"))
    assert "device_id" not in row.asDict() and "ip" not in row.asDict()


def test_pii_under_another_case_or_name_or_undeclared_never_reaches_silver_raw(spark, env):
    lines = [
        event("e1", T, DEVICE_ID="d1", IP_Address="1.2.3.4"),
        event("e2", T, phone="13800000000", email="ann@example.com"),
        event("e3", T).replace('"user_id":"u1"', '"user_id":"u1","USER_ID":"u2"'),
    ]
    conformed = views.transform(bronze_frame(spark, "views", lines, DAY), env)
    rows = {r["event_id"]: r for r in conformed.silver.collect()}

    assert (rows["e1"]["device_pseudonym"], rows["e1"]["ip_pseudonym"]) == (
        mac("d1"),
        mac("1.2.3.4"),
    )
    assert rows["e1"]["extra_fields"] is None
    # Which of two user_ids is meant is a guess: the line is malformed, not last-key-wins.
    assert [(r["line_number"], r["rule"]) for r in conformed.quarantine.collect()] == [
        (3, "line names user_id more than once (any case)")
    ]
    assert json.loads(rows["e2"]["extra_fields"]) == {
        "phone_pseudonym": mac("13800000000"),
        "email_pseudonym": mac("ann@example.com"),
    }


def test_quarantine_rules_name_the_field_and_value(spark, env):
    lines = [event("e1", T, user_id="u404"), event("e2", "yesterday")]
    rules = sorted(
        r["rule"]
        for r in views.transform(bronze_frame(spark, "views", lines, DAY), env).quarantine.collect()
    )
    assert rules == [
        "event_time 'yesterday' is not an ISO-8601 timestamp with its zone (Z or ±hh:mm)",
        "user_id 'u404' is not a known users key",
    ]


def test_text_after_the_object_and_numbers_sent_as_strings_are_malformed(spark, env):
    lines = [
        event("e1", T, dwell_seconds=42, channel="feed") + "xyz",
        event("e2", T) + " " + event("e3", T),
        event("e4", T, dwell_seconds="42"),
        event("e5", T, Dwell_Seconds="7"),
        event("e6", T, dwell_seconds=42, note='a "quoted" {brace} [x]', tags=["a", {"b": 1}]),
        event("e7", T) + "  ",
    ]
    conformed = views.transform(bronze_frame(spark, "views", lines, DAY), env)

    rules = {r["line_number"]: r["rule"] for r in conformed.quarantine.collect()}
    assert rules == {
        1: "line has text after its JSON object",
        2: "line has text after its JSON object",
        3: "dwell_seconds '42' is a JSON string; the landing format sends a whole number",
        4: "dwell_seconds '7' is a JSON string; the landing format sends a whole number",
    }
    assert sorted(r["event_id"] for r in conformed.silver.collect()) == ["e6", "e7"]


def test_a_megabyte_line_is_parsed_not_a_stack_overflow(spark, env):
    # A regex alternation repeated per character overflowed the executor's stack at ~100 KB.
    long_text = 'a\\"b\\\\' * 120_000 + "x" * 200_000
    lines = [event("e1", T, visit_id=long_text), event("e2", T, visit_id=long_text) + "xyz"]
    conformed = views.transform(bronze_frame(spark, "views", lines, DAY), env)

    assert [len(r["visit_id"]) for r in conformed.silver.collect()] == [len(long_text)]
    assert [r["rule"] for r in conformed.quarantine.collect()] == [
        "line has text after its JSON object"
    ]
