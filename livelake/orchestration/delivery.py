"""The daily DAG waits for the day's deliveries before it runs the day.

A source's delivery of day D is complete when `<landing_root>/<source>/dt=D/_manifest.json`
exists: every source writes its manifest last (`livelake.landing.Delivery.close`,
docs/landing-format.md). The sources a day waits for are `Settings.expected_sources`, each a
landing folder's name (`livelake.lake.tables.silver.SOURCE_NAME`).

`DeliverySensor` looks once, in the worker; a delivered day passes at that first look. A day
still missing a delivery defers to `DeliveryTrigger`, which polls from the triggerer (the
worker slot is free while it waits) every `delivery_poke_seconds` until the manifests are all
there or `delivery_timeout_minutes` have passed; then the task fails, without retry, naming
the missing sources, the day and what to do. With `allow_empty_days` a missing delivery does
not wait at all: the day passes through and bronze runs it as a day without data. The landing
root may be local or s3:// (`pyarrow.fs`, as bronze reads it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

from livelake.config import ConfigError, Settings, settings

if TYPE_CHECKING:
    from airflow.sdk import Context

MANIFEST = "_manifest.json"
# If the triggerer itself is down, the scheduler fails the task this long after the deadline.
BACKSTOP = timedelta(minutes=10)


def expected_sources(cfg: Settings) -> tuple[str, ...]:
    """The sources a day waits for, each a name a landing folder can have."""
    import re

    from livelake.lake.tables.silver import SOURCE_NAME

    unknown = [s for s in cfg.expected_sources if not re.fullmatch(SOURCE_NAME, s)]
    if unknown:
        raise ConfigError(
            f"invalid config: expected_sources: not a source name: {', '.join(unknown)}; "
            "a source is its landing folder's name: lower-case letters, digits and _"
        )
    return cfg.expected_sources


def manifest_path(landing_root: str, source: str, day: date) -> str:
    """Where `source` puts the manifest that completes its delivery of `day`."""
    return f"{landing_root.rstrip('/')}/{source}/dt={day.isoformat()}/{MANIFEST}"


def missing_deliveries(landing_root: str, day: date, sources: Sequence[str]) -> list[str]:
    """The sources (of `sources`, in order) whose delivery of `day` has no manifest yet."""
    import pyarrow.fs as pafs

    from livelake.lake import storage

    fs, root = storage.filesystem(landing_root)
    infos = fs.get_file_info([manifest_path(root, source, day) for source in sources])
    return [s for s, info in zip(sources, infos, strict=True) if info.type != pafs.FileType.File]


def missing_message(landing_root: str, day: date, missing: Sequence[str], minutes: float) -> str:
    """What the failed wait says: which sources, which day, what to do."""
    paths = ", ".join(manifest_path(landing_root, s, day) for s in missing)
    return (
        f"no delivery of {day} from source(s) {', '.join(missing)} after waiting "
        f"{minutes:g} minutes (missing: {paths}); nothing of {day} ran. Deliver the day's "
        "files (the manifest last) and clear this task to run the day, or, if the day really "
        f"had no data, rerun it with LIVELAKE_ALLOW_EMPTY_DAYS=true (`livelake run --day {day} "
        "--allow-empty`)."
    )


class DeliveryTrigger(BaseTrigger):
    """Polls for the manifests of `sources` for `day` until all exist or `deadline` passes.

    Fires once: `{"status": "delivered"}`, or `{"status": "timeout", "missing": [...]}`.
    """

    def __init__(
        self,
        landing_root: str,
        day: str,
        sources: Sequence[str],
        deadline: str,
        poke_seconds: float,
    ) -> None:
        super().__init__()
        self.landing_root = landing_root
        self.day = day
        self.sources = list(sources)
        self.deadline = deadline
        self.poke_seconds = poke_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "landing_root": self.landing_root,
                "day": self.day,
                "sources": self.sources,
                "deadline": self.deadline,
                "poke_seconds": self.poke_seconds,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        day = date.fromisoformat(self.day)
        deadline = datetime.fromisoformat(self.deadline)
        while True:
            missing = await asyncio.to_thread(
                missing_deliveries, self.landing_root, day, self.sources
            )
            if not missing:
                yield TriggerEvent({"status": "delivered", "missing": []})
                return
            remaining = (deadline - datetime.now(UTC)).total_seconds()
            if remaining <= 0:
                yield TriggerEvent({"status": "timeout", "missing": missing})
                return
            self.log.info("waiting for %s's delivery from %s", self.day, ", ".join(missing))
            await asyncio.sleep(min(self.poke_seconds, remaining))


class DeliverySensor(BaseSensorOperator):
    """Succeeds when every expected source has delivered `day`; always deferrable.

    The settings are read when the task runs, as every stage task reads them. Its XCom says
    which sources were expected, which were missing and whether it had to wait (`waited`).
    """

    template_fields: Sequence[str] = ("day",)

    def __init__(self, *, day: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.day = day

    def poke(self, context: Context) -> bool:
        cfg = settings()
        day = date.fromisoformat(self.day)
        return not missing_deliveries(cfg.landing_root, day, expected_sources(cfg))

    def execute(self, context: Context) -> dict[str, Any]:
        cfg = settings()
        day = date.fromisoformat(self.day)
        sources = expected_sources(cfg)
        missing = missing_deliveries(cfg.landing_root, day, sources)
        summary: dict[str, Any] = {
            "day": self.day,
            "sources": list(sources),
            "missing": missing,
            "waited": False,
        }
        if not missing:
            return summary
        if cfg.allow_empty_days:
            self.log.warning(
                "no delivery of %s from %s; allow_empty_days is set, so the day runs without "
                "waiting (bronze records it as a day with nothing delivered)",
                day,
                ", ".join(missing),
            )
            return summary | {"allow_empty": True}
        timeout = timedelta(minutes=cfg.delivery_timeout_minutes)
        self.timeout, self.poke_interval = timeout.total_seconds(), cfg.delivery_poke_seconds
        self.log.info("waiting up to %s for %s's delivery from %s", timeout, day, missing)
        self.defer(
            trigger=DeliveryTrigger(
                landing_root=cfg.landing_root,
                day=self.day,
                sources=sources,
                deadline=(datetime.now(UTC) + timeout).isoformat(),
                poke_seconds=cfg.delivery_poke_seconds,
            ),
            method_name="execute_complete",
            timeout=timeout + BACKSTOP,
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        """Back from the trigger: succeed, or fail (no retry) naming what never arrived."""
        from airflow.sdk.exceptions import AirflowFailException

        if event["status"] != "delivered":
            cfg = settings()
            day = date.fromisoformat(self.day)
            minutes = cfg.delivery_timeout_minutes
            raise AirflowFailException(
                missing_message(cfg.landing_root, day, event["missing"], minutes)
            )
        sources = list(expected_sources(settings()))
        return {"day": self.day, "sources": sources, "missing": [], "waited": True}

    def resume_execution(
        self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context
    ) -> Any:
        """The backstop (the triggerer never answered in time) fails in the same words."""
        from airflow.sdk.exceptions import AirflowFailException, AirflowSensorTimeout

        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except AirflowSensorTimeout as exc:
            cfg = settings()
            day = date.fromisoformat(self.day)
            missing = missing_deliveries(cfg.landing_root, day, expected_sources(cfg))
            message = (
                missing_message(cfg.landing_root, day, missing, cfg.delivery_timeout_minutes)
                if missing
                else f"the wait for {day}'s deliveries timed out, but they are all there "
                "now: clear this task to run the day"
            )
            raise AirflowFailException(message) from exc
