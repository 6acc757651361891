"""A bad day for demos and drills: landed files that parse but must not be published.

`bad_day` collapses one already generated delivery day's room-visit stream to a few percent of
its lines. Every line still parses and passes silver's row rules, so only the gate's
no-collapse rule (views of the day vs the previous published day) can stop it — which is the
point: `livelake demo --inject-bad-day` shows that gate refusing the day with a clear message.
The delivery's `_manifest.json` is updated to say what was done (rows, checksums, injection).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

STREAM = "views"


@dataclass(frozen=True)
class Injection:
    day: date
    files: int
    lines_before: int
    lines_after: int

    def describe(self) -> str:
        return (
            f"injected a bad day {self.day}: {STREAM} collapsed from {self.lines_before:,} to "
            f"{self.lines_after:,} lines in {self.files} file(s)"
        )


def _delivery(landing_root: Path, day: date, source: str) -> Path:
    folder = landing_root / source / f"dt={day.isoformat()}"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no delivery {folder}: generate the day first (livelake demo / the generator)"
        )
    return folder


def bad_day(
    landing_root: Path | str, day: date, keep_fraction: float = 0.03, source: str = "platform"
) -> Injection:
    """Keep only the first `keep_fraction` of each `views` file of delivery `day`."""
    if not 0 < keep_fraction < 1:
        raise ValueError(f"keep_fraction must be between 0 and 1 (got {keep_fraction})")
    folder = _delivery(Path(landing_root), day, source)
    files = sorted((folder / "events" / STREAM).glob("*.jsonl.gz"))
    if not files:
        raise FileNotFoundError(f"{folder} has no {STREAM} files to corrupt")
    manifest_path = folder / "_manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    before = after = 0
    for path in files:
        lines = gzip.decompress(path.read_bytes()).splitlines(keepends=True)
        kept = lines[: math.ceil(len(lines) * keep_fraction)]
        data = gzip.compress(b"".join(kept), mtime=0)
        path.write_bytes(data)
        before, after = before + len(lines), after + len(kept)
        entry = manifest.get("files", {}).get(path.relative_to(folder).as_posix())
        if entry is not None:
            entry["rows"] = len(kept)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["defects"] = [
                d for d in entry.get("defects", []) if d.get("line", 0) <= len(kept)
            ]
    if manifest:
        manifest.get("expected_clean_rows", {}).pop(STREAM, None)
        manifest["injected_bad_day"] = {
            "stream": STREAM,
            "keep_fraction": keep_fraction,
            "lines_before": before,
            "lines_after": after,
        }
        manifest_path.write_text(json.dumps(manifest, indent=2))
    return Injection(day, len(files), before, after)
