"""silver/anchors: tiers and professionalism scores checked, history kept."""

from __future__ import annotations

from livelake.jobs.silver import anchors
from tests.jobs.silver.landed import bronze_frame, outcome
from tests.jobs.silver.transform_env import DAY

REG = "2025-01-01T00:00:00.000Z"


def test_scores_outside_0_to_100_and_unknown_tiers_are_quarantined(spark, env):
    rows = [
        f"a1,Star,head,1000,beauty,88.5,{REG},2026-01-02T01:00:00.000Z",
        f"a2,Nova,mid,,food,,{REG},2026-01-02T01:00:00.000Z",
        f"a3,Over,head,10,food,101,{REG},2026-01-02T01:00:00.000Z",
        f"a4,Odd,giant,10,food,50,{REG},2026-01-02T01:00:00.000Z",
    ]
    result = anchors.transform(bronze_frame(spark, "anchors", rows, DAY), env)

    silver, quarantine, _ = outcome(
        result, "anchor_id", "tier", "followers", "professionalism_score", "is_current"
    )
    assert silver == [("a1", "head", 1000, 88.5, True), ("a2", "mid", None, None, True)]
    assert quarantine == [(4, "out_of_range"), (5, "invalid_value")]
