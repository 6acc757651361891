"""What code is running: the package version, and the git commit in a checkout.

Stage runs and model cards record it, so a result can be traced to the code that made it.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

# pyproject.toml declares the version; the installed metadata is its only copy here.
__version__ = version("livelake")


@lru_cache(maxsize=1)
def code_version() -> str:
    """`<package version>+<git commit>` in a checkout, else the package version."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+{commit}" if commit else __version__
