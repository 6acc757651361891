"""The bad-day injector collapses one delivery's views and says so in its manifest."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date

import pytest

from livelake.jobs.quality.inject import bad_day

DAY = date(2026, 1, 2)


def _deliver(root, lines_per_file=100):
    folder = root / "platform" / f"dt={DAY}"
    views = folder / "events" / "views"
    views.mkdir(parents=True)
    manifest = {"source": "platform", "files": {}, "expected_clean_rows": {"views": {}}}
    for hour in ("00", "01"):
        body = "".join(
            json.dumps({"event_id": f"{hour}-{i}"}) + "\n" for i in range(lines_per_file)
        )
        name = f"events/views/views-{DAY}T{hour}.jsonl.gz"
        (folder / name).write_bytes(gzip.compress(body.encode()))
        manifest["files"][name] = {"rows": lines_per_file, "sha256": "x", "defects": [{"line": 90}]}
    (folder / "_manifest.json").write_text(json.dumps(manifest))
    return folder


def test_views_collapse_to_a_few_percent_and_the_manifest_tells_the_truth(tmp_path):
    folder = _deliver(tmp_path)
    injection = bad_day(tmp_path, DAY, keep_fraction=0.05)
    assert (injection.lines_before, injection.lines_after, injection.files) == (200, 10, 2)
    path = folder / f"events/views/views-{DAY}T00.jsonl.gz"
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [f"00-{i}" for i in range(5)]
    manifest = json.loads((folder / "_manifest.json").read_text())
    entry = manifest["files"][f"events/views/views-{DAY}T00.jsonl.gz"]
    assert entry == {
        "rows": 5,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "defects": [],
    }
    assert manifest["injected_bad_day"]["lines_after"] == 10
    assert "views" not in manifest["expected_clean_rows"]


def test_a_day_that_was_never_generated_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="generate the day first"):
        bad_day(tmp_path, DAY)
