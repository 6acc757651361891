"""Where models live: one folder per trained model (rejected ones too, for inspection) under
`<models_root>/conversion_baseline/`, and `current.json` naming the published one. The root
may be a local path or s3:// / hdfs:// (pyarrow.fs)."""

from __future__ import annotations

import io
import json
from typing import Any

MODEL_NAME = "conversion_baseline"
MODEL_FILE = "model.joblib"


class ModelStore:
    """Files under the models root (local path or s3:// / hdfs:// via pyarrow.fs)."""

    def __init__(self, root: str) -> None:
        from livelake.lake import storage

        self.root = root.rstrip("/")
        self.fs, self.base = storage.filesystem(self.root)

    def path(self, *parts: str) -> str:
        return "/".join([self.root, MODEL_NAME, *parts])

    def _inner(self, *parts: str) -> str:
        return "/".join([self.base.rstrip("/"), MODEL_NAME, *parts])

    def write(self, data: bytes, *parts: str) -> str:
        inner = self._inner(*parts)
        self.fs.create_dir(inner.rsplit("/", 1)[0], recursive=True)
        with self.fs.open_output_stream(inner) as out:
            out.write(data)
        return self.path(*parts)

    def read(self, *parts: str) -> bytes | None:
        from pyarrow.fs import FileType

        inner = self._inner(*parts)
        if self.fs.get_file_info(inner).type != FileType.File:
            return None
        with self.fs.open_input_stream(inner) as handle:
            return handle.read()

    def read_json(self, *parts: str) -> dict[str, Any] | None:
        data = self.read(*parts)
        return None if data is None else json.loads(data)

    def newest_card(self) -> dict[str, Any] | None:
        """The card of the newest model trained, published or rejected (ids sort by time)."""
        from pyarrow.fs import FileSelector, FileType

        selector = FileSelector(self._inner(), allow_not_found=True)
        found = self.fs.get_file_info(selector)
        folders = [i.base_name for i in found if i.type == FileType.Directory]
        return self.read_json(max(folders), "model_card.json") if folders else None

    def published_card(self) -> dict[str, Any] | None:
        """The card of the model `current.json` names (the metric gate accepted it), or None."""
        pointer = self.read_json("current.json")
        return None if pointer is None else self.read_json(pointer["model_id"], "model_card.json")

    def load_model(self, model_id: str) -> dict[str, Any] | None:
        """`{"model": ..., "features": [...]}` as written by the trainer, or None."""
        import joblib

        data = self.read(model_id, MODEL_FILE)
        return None if data is None else joblib.load(io.BytesIO(data))

    def publish(self, card: dict[str, Any]) -> None:
        """Point current.json at the model (write then move: readers never see half)."""
        pointer = {
            "model_id": card["model_id"],
            "auc": card["metrics"]["auc"],
            "log_loss": card["metrics"]["log_loss"],
            "published_at": card["created_at"],
        }
        tmp = self.write(json.dumps(pointer).encode(), f".current-{card['model_id']}.json")
        self.fs.move(self._inner(tmp.rsplit("/", 1)[1]), self._inner("current.json"))
