"""Staged writes that outlive the process that staged them.

A stage split into tasks (the fourteen silver jobs, then one gate) stages in one process and
publishes in another. Each task leaves a manifest: one small JSON file per (stage, day, part)
under `<lake>/_manifests/`, holding the `describe()` of every write it staged plus the
part's own figures. A manifest is written to a temporary name and renamed, so a reader finds
a whole manifest or none. Nothing in it is published: the files it names sit outside every
table's Delta log until the publishing task commits them.

Staging a part again (a retried or re-run task) aborts the writes of its previous manifest
first, so a retry leaves no orphans; aborting never deletes a file a table already
references. The publisher removes the manifests once it has published or refused them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from livelake.lake import storage
from livelake.lake.base import Lake, StagedWrite

MANIFEST_DIR = "_manifests"


@dataclass
class Manifest:
    """One part's staged writes and figures, as its task left them."""

    part: str
    writes: list[StagedWrite]
    figures: dict[str, Any]


class Manifests:
    """The manifests of one stage for one day."""

    def __init__(self, lake: Lake, stage: str, day: date) -> None:
        self._lake = lake
        self.location = f"{lake.lake_root.rstrip('/')}/{MANIFEST_DIR}/{stage}/{day.isoformat()}"
        self._fs, self._dir = storage.filesystem(self.location)

    def _path(self, part: str) -> str:
        return f"{self._dir}/{part}.json"

    def save(self, part: str, writes: Sequence[StagedWrite], figures: dict[str, Any]) -> None:
        """Record `part`'s staged writes, replacing (and aborting) what it staged before."""
        self.discard(part)
        body = json.dumps(
            {"part": part, "writes": [w.describe() for w in writes], "figures": figures},
            indent=1,
            default=str,
        )
        self._fs.create_dir(self._dir, recursive=True)
        scratch = f"{self._dir}/.{part}.{uuid.uuid4().hex[:8]}.tmp"
        with self._fs.open_output_stream(scratch) as out:
            out.write(body.encode())
        self._fs.move(scratch, self._path(part))

    def load(self, part: str) -> Manifest | None:
        """`part`'s manifest, or None if that part has not been staged."""
        path = self._path(part)
        if self._fs.get_file_info(path).type == storage.pafs.FileType.NotFound:
            return None
        with self._fs.open_input_stream(path) as stream:
            body = json.loads(stream.read())
        writes = [self._lake.restore_staged(w) for w in body["writes"]]
        return Manifest(body["part"], writes, body["figures"])

    def discard(self, part: str) -> None:
        """Abort `part`'s staged writes and forget them."""
        manifest = self.load(part)
        if manifest is None:
            return
        for write in manifest.writes:
            write.abort()
        self._fs.delete_file(self._path(part))

    def clear(self) -> None:
        """Forget every manifest of this stage and day (their writes were closed)."""
        if self._fs.get_file_info(self._dir).type != storage.pafs.FileType.NotFound:
            self._fs.delete_dir(self._dir)
