"""What the daily DAG waits for: each expected source's `_manifest.json` of the day, polled by
a real trigger (run here as the triggerer runs it: `serialize`, rebuild, iterate `run`)."""

from __future__ import annotations

import asyncio
import importlib
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from livelake.config import ConfigError, load_settings
from livelake.orchestration.delivery import (
    DeliveryTrigger,
    expected_sources,
    missing_deliveries,
    missing_message,
)

DAY = date(2026, 1, 5)


def manifest(landing: Path, source: str, day: date = DAY) -> Path:
    folder = landing / source / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_manifest.json").write_text("{}\n")
    return folder


def first_event(trigger: DeliveryTrigger) -> dict:
    """The trigger's one event, after a trip through `serialize` as the triggerer makes it."""
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)

    async def first():
        return await anext(rebuilt.run())

    return asyncio.run(first()).payload


def trigger(landing: Path, sources: list[str], seconds: float, poke: float) -> DeliveryTrigger:
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    return DeliveryTrigger(str(landing), DAY.isoformat(), sources, deadline.isoformat(), poke)


def test_a_source_without_its_manifest_for_the_day_is_missing(tmp_path):
    manifest(tmp_path, "platform")
    manifest(tmp_path, "taobao", DAY - timedelta(days=1))  # yesterday's does not count
    (tmp_path / "olist" / f"dt={DAY}" / "exports").mkdir(parents=True)  # files, no manifest

    missing = missing_deliveries(str(tmp_path), DAY, ["platform", "taobao", "olist"])

    assert missing == ["taobao", "olist"]


def test_a_landing_root_that_does_not_exist_misses_every_source(tmp_path):
    assert missing_deliveries(str(tmp_path / "nowhere"), DAY, ["platform"]) == ["platform"]


def test_a_delivered_day_fires_at_the_first_look(tmp_path):
    manifest(tmp_path, "platform")
    started = time.monotonic()

    event = first_event(trigger(tmp_path, ["platform"], seconds=60, poke=30))

    assert event == {"status": "delivered", "missing": []}
    assert time.monotonic() - started < 5, "a delivered day must not wait a poke interval"


def test_a_manifest_that_lands_while_waiting_ends_the_wait(tmp_path):
    waiting = trigger(tmp_path, ["platform"], seconds=30, poke=0.2)

    async def deliver_later():
        await asyncio.sleep(0.5)
        manifest(tmp_path, "platform")

    async def both():
        late = asyncio.create_task(deliver_later())
        event = await anext(waiting.run())
        await late
        return event.payload

    assert asyncio.run(both()) == {"status": "delivered", "missing": []}


def test_the_wait_ends_at_the_deadline_naming_the_missing_sources(tmp_path):
    manifest(tmp_path, "platform")
    started = time.monotonic()

    event = first_event(trigger(tmp_path, ["platform", "taobao"], seconds=1, poke=0.3))

    assert event == {"status": "timeout", "missing": ["taobao"]}
    assert 0.9 < time.monotonic() - started < 5


def test_the_failure_names_the_source_the_day_and_what_to_do():
    message = missing_message("/landing", DAY, ["taobao"], 360)

    assert message.startswith("no delivery of 2026-01-05 from source(s) taobao after waiting 360")
    assert "/landing/taobao/dt=2026-01-05/_manifest.json" in message
    assert "LIVELAKE_ALLOW_EMPTY_DAYS=true" in message and "--allow-empty" in message


def test_expected_sources_come_from_config_and_must_be_landing_folder_names(monkeypatch):
    monkeypatch.setenv("LIVELAKE_EXPECTED_SOURCES", "platform, taobao, online_retail")
    assert expected_sources(load_settings()) == ("platform", "taobao", "online_retail")
    assert load_settings().delivery_timeout_minutes == 360
    monkeypatch.setenv("LIVELAKE_EXPECTED_SOURCES", "platform,Shop-ify")
    with pytest.raises(ConfigError, match=r"not a source name: Shop-ify; a source is its landing"):
        expected_sources(load_settings())
