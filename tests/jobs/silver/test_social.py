"""silver/social: follows point at anchors, shares and invites at users."""

from __future__ import annotations

from livelake.jobs.silver import social
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

C = "2026-01-02T09:00:00.000Z"


def test_edge_targets_are_checked_against_the_right_dimension(spark, env):
    rows = [
        f"follow,u1,a1,{C},{C}",
        f"share,u1,u2,{C},{C}",
        f"follow,u1,u2,{C},{C}",
        f"invite,u1,a1,{C},{C}",
        f"follow,u1,a1,{C},{C}",
        f"poke,u1,u2,{C},{C}",
    ]
    result = social.transform(bronze_frame(spark, "social", rows, DAY), env)

    silver, quarantine, duplicates = outcome(result, "edge_type", "src_user_id", "dst_id")
    assert silver == [("follow", "u1", "a1"), ("share", "u1", "u2")]
    assert quarantine == [(4, "unknown_fk"), (5, "unknown_fk"), (7, "invalid_value")]
    assert duplicates == [2]
