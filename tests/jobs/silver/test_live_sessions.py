"""silver/live_sessions: the latest update of a session wins; anchors must be known."""

from __future__ import annotations

from datetime import date, datetime

from livelake.jobs.silver import live_sessions
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

START = "2026-01-01T20:00:00.000Z"


def test_the_ended_update_replaces_the_started_one(spark, env):
    rows = [
        f"s1,a1,beauty,Show,{START},{START},2026-01-02T01:00:00.000Z,2026-01-02T01:00:00.000Z",
        f"s1,a1,beauty,Show,{START},{START},,2026-01-01T20:00:00.000Z",
        f"s2,a404,food,Cook,,{START},,{START}",
        f"s3,a1,food,Cook,,,,{START}",
    ]
    result = live_sessions.transform(bronze_frame(spark, "live_sessions", rows, DAY), env)

    silver, quarantine, duplicates = outcome(
        result, "session_id", "scheduled_start", "ended_at", "session_date"
    )
    assert silver == [("s1", datetime(2026, 1, 1, 20), datetime(2026, 1, 2, 1), date(2026, 1, 1))]
    assert quarantine == [(4, "unknown_fk"), (5, "malformed")]
    assert duplicates == [3]
