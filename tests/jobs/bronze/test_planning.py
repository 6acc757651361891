"""Bronze plans each table's write for its size before reading it: the estimate must err high."""

from __future__ import annotations

import gzip
from collections import defaultdict
from datetime import date
from pathlib import Path

from livelake.generator import GeneratorConfig, generate
from livelake.jobs.bronze.ingest import discover, most_lines

DAY = date(2026, 3, 2)


def _lines(path: Path) -> int:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.count(b"\n")


def test_the_line_estimate_from_file_sizes_never_undercounts_a_generated_delivery(tmp_path):
    generate(GeneratorConfig(start=DAY, days=1, users=300, events_per_day=3_000, seed=3), tmp_path)
    files, unknown = discover(str(tmp_path), DAY)
    by_table = defaultdict(list)
    for landed in files:
        by_table[landed.bronze_table].append(landed)

    actual = {
        name: sum(_lines(tmp_path / f.relative_path) for f in landed)
        for name, landed in by_table.items()
    }
    bound = {name: most_lines(landed) for name, landed in by_table.items()}

    assert unknown == []
    assert actual["views"] > 1_000  # a delivery big enough to mean something
    assert {name: bound[name] >= n for name, n in actual.items()} == dict.fromkeys(actual, True)
    # High, but not by orders of magnitude.
    assert bound["views"] < 10 * actual["views"]
