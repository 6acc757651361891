"""A wide table's suite in pieces: each within the gate's memory, nothing lost or doubled."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from livelake.config import settings
from livelake.jobs.quality.expectation import columns_named
from livelake.jobs.quality.suites import build_suite
from livelake.lake.tables.gold import TRAINING_EXAMPLES

DAY = date(2026, 1, 10)


def _key(config):
    return repr(sorted(config.items()))


@pytest.mark.parametrize("width", [1, 2, 5])
def test_the_pieces_hold_every_expectation_once_and_name_at_most_width_columns(lake_root, width):
    suite = build_suite(settings(), TRAINING_EXAMPLES, DAY)
    named = {c for e in suite.expectations for c in columns_named(e)}
    assert len(named) > 6

    pieces = suite.in_pieces(width)

    assert [p.name for p in pieces] == [
        f"gold.training_examples.part{i}" for i in range(1, len(pieces) + 1)
    ]
    found = Counter(_key(e) for p in pieces for e in p.expectations)
    assert found == Counter(_key(e) for e in suite.expectations)
    for piece in pieces:
        columns = {c for e in piece.expectations for c in columns_named(e)}
        widest = max(len(columns_named(e)) for e in piece.expectations)
        assert len(columns) <= max(width, widest)
    homes = {}
    for n, piece in enumerate(pieces):
        for e in piece.expectations:
            if len(columns_named(e)) == 1:
                homes.setdefault(next(iter(columns_named(e))), set()).add(n)
    assert all(len(found_in) == 1 for found_in in homes.values()), "a column's rules stay together"


def test_a_suite_that_fits_stays_whole_under_its_name(lake_root):
    suite = build_suite(settings(), TRAINING_EXAMPLES, DAY)
    assert suite.in_pieces(10_000) == [suite]
