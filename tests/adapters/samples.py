"""The public log samples the adapter tests read, kept in tests/data (see its README.md)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
TAOBAO = DATA / "taobao_userbehavior" / "UserBehavior_sample.csv"
RETAILROCKET = DATA / "retailrocket" / "events_sample.csv"
OLIST = DATA / "olist"
