"""Import Great Expectations in the background while a stage's Spark work runs.

Importing GE costs about 14 CPU seconds on this project's machines (it pulls in scipy,
sqlalchemy, altair and pandas), once per process, before its first gate can start. While a
stage's Spark jobs run the interpreter mostly waits on the JVM, so a thread can pay for the
import meanwhile. The gate's own `import great_expectations` then finds it loaded, or waits
for the thread to finish (Python locks imports per module), so nothing can see half a module.
"""

from __future__ import annotations

import contextlib
import sys
import threading

_THREAD: threading.Thread | None = None


def preload_great_expectations() -> None:
    """Start importing GE in a daemon thread, once per process."""
    global _THREAD
    if _THREAD is not None or "great_expectations" in sys.modules:
        return
    _THREAD = threading.Thread(target=_import, name="preload-great-expectations", daemon=True)
    _THREAD.start()


def _import() -> None:
    # A failed import is the gate's to report: its own `import` raises the same error.
    with contextlib.suppress(Exception):
        import great_expectations  # noqa: F401
