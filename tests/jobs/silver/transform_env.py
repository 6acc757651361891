"""The delivery day and PII key the silver transform tests run with.

The `env` fixture in conftest.py is built from them; tests import them from here to build
rows for that day and to compute the pseudonyms they expect.
"""

from __future__ import annotations

from datetime import date

DAY = date(2026, 1, 2)
KEY = "test-pii-key-not-secret"
