"""What a model was made from besides its data: the code, the configuration and the libraries
whose versions change its numbers. Recorded in the card so a result can be reproduced."""

from __future__ import annotations

import platform
from dataclasses import asdict
from importlib.metadata import version
from typing import Any

from livelake.model.config import TrainingConfig
from livelake.version import code_version

# The libraries on the path from the Delta table to the model's predictions.
LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "polars", "pyarrow", "deltalake", "joblib")


def provenance(config: TrainingConfig) -> dict[str, Any]:
    return {
        "code_version": code_version(),
        "seed": config.seed,
        "config": asdict(config),
        "python": platform.python_version(),
        "libraries": {name: version(name) for name in LIBRARIES},
    }
