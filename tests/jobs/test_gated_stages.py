"""Which stages run a gate: those import Great Expectations early, in the background."""

from __future__ import annotations

from livelake.jobs.runner import DAILY_STAGES, stage


def test_only_stages_and_parts_that_publish_through_a_gate_count_as_gated():
    assert not stage("bronze").gates(None)
    assert not stage("silver").gates("users"), "a silver table job only stages"
    assert stage("silver").gates("gate")
    assert [s.name for s in DAILY_STAGES if s.gates(None)] == [
        "silver",
        "aggregates",
        "features",
        "training",
        "score",
        "kpi",
        "experiments",
    ]
