"""The public log samples the adapter tests read."""

from __future__ import annotations

from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TAOBAO = SHARED_DATA / "taobao_userbehavior" / "UserBehavior_sample.csv"
RETAILROCKET = SHARED_DATA / "retailrocket" / "events_sample.csv"
OLIST = SHARED_DATA / "olist"
