"""Property: corrupted records never crash a transform and none is lost.

Hypothesis builds a few hundred event lines and CSV rows from valid and broken pieces (bad
JSON, truncation, wrong types, unknown ids, negative and absurd amounts, times outside the
watermark, repeated ids); every landed line must come out exactly once: published,
quarantined or dropped as a duplicate.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livelake.jobs.silver import interactions, users
from tests.jobs.silver.landed import bronze_frame
from tests.jobs.silver.transform_env import DAY

TIMES = st.sampled_from(
    [
        "2026-01-02T10:05:00.000Z",
        "2026-01-01T23:59:59.999Z",
        "2025-12-01T00:00:00.000Z",
        "2026-01-02T13:00:00.000Z",
        "2026-01-02 10:05:00",
        "not a time",
        None,
    ]
)
IDS = st.sampled_from(["u1", "u2", "u404", "", None])
AMOUNTS = st.one_of(
    st.none(),
    st.decimals(-10, 2_000_000, places=2).map(str),
    st.integers(-5, 5),
    st.text(max_size=3),
)
EVENT = st.fixed_dictionaries(
    {
        "event_id": st.sampled_from(["e1", "e2", "e3", "e4", None]),
        "event_type": st.sampled_from(["comment", "like", "gift", "share", "poke", None]),
        "event_time": TIMES,
        "user_id": IDS,
        "session_id": st.sampled_from(["s1", "s404", None]),
        "product_id": st.sampled_from(["p1", "p404", None]),
        "gift_value_cny": AMOUNTS,
    },
    optional={"surprise": st.text(max_size=5)},
)


@st.composite
def landed_line(draw, record) -> str:
    text = json.dumps(draw(record), ensure_ascii=False)
    damage = draw(st.sampled_from(["none", "none", "truncate", "garbage", "array"]))
    if damage == "truncate":
        return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
    if damage == "garbage":
        return draw(st.text(max_size=20))
    return f"[{text}]" if damage == "array" else text


QUIET = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.large_base_example,
    HealthCheck.data_too_large,
    HealthCheck.too_slow,
]
CSV_FIELD = st.one_of(
    st.sampled_from(["u1", "u2", "gold", "diamond", "", "2026-01-02T01:00:00.000Z"]),
    st.text(alphabet='ab,"x 1', max_size=6),
)


def _assert_each_line_ends_exactly_once(result, landed: int) -> None:
    published = [r["line_number"] for r in result.silver.select("line_number").collect()]
    quarantined = [r["line_number"] for r in result.quarantine.select("line_number").collect()]
    duplicates = [r["line_number"] for r in result.duplicates.select("line_number").collect()]
    every = published + quarantined + duplicates
    assert len(every) == landed, (len(published), len(quarantined), len(duplicates), landed)
    assert len(set(every)) == landed


@settings(max_examples=3, deadline=None, suppress_health_check=QUIET)
@given(lines=st.lists(landed_line(EVENT), min_size=150, max_size=300))
def test_corrupted_event_lines_are_all_accounted_for(spark, env, lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    result = interactions.transform(bronze_frame(spark, "interactions", lines, DAY), env)
    _assert_each_line_ends_exactly_once(result, len(lines))


@settings(max_examples=3, deadline=None, suppress_health_check=QUIET)
@given(rows=st.lists(st.lists(CSV_FIELD, min_size=0, max_size=11), min_size=100, max_size=200))
def test_corrupted_csv_rows_are_all_accounted_for(spark, env, rows):
    lines = [",".join(fields) for fields in rows]
    result = users.transform(bronze_frame(spark, "users", lines, DAY), env)
    _assert_each_line_ends_exactly_once(result, len(lines))
