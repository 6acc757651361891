"""One typed configuration for every livelake process.

Values come from, in rising priority: the defaults below, a `livelake.toml` file (the one
named by `LIVELAKE_CONFIG`, else `./livelake.toml` if present), and `LIVELAKE_*` environment
variables (`LIVELAKE_LAKE_ROOT`, `LIVELAKE_SPARK_MASTER`, ...). Laptop vs cluster, and
in-process Spark vs a Spark Connect server (`LIVELAKE_SPARK_REMOTE`), is this object and nothing
else: the jobs never look at the environment themselves.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DeltaWriter = Literal["auto", "delta-rs", "delta-spark"]
REMOTE_SCHEMES = ("s3://", "s3a://", "hdfs://", "gs://", "abfss://", "file://")


class ConfigError(ValueError):
    """A configuration value is invalid; the message is one line naming the key."""


class Settings(BaseSettings):
    """Every knob a deployment may turn. Field names map to `LIVELAKE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="LIVELAKE_", extra="forbid")

    lake_root: str = Field("lake", description="Lake root: a local path, or s3://, hdfs://… URI")
    landing_root: str = Field("landing", description="Where sources deliver files")
    spark_master: str = Field("local[*]", description="local[*], spark://host:port, yarn, k8s://…")
    spark_remote: str | None = Field(
        None,
        description="sc://host:port of a Spark Connect server: every process is then its thin "
        "client (no JVM of its own); unset, each process runs its own in-process Spark",
    )
    spark_connect_port: int = Field(
        15002, ge=1, le=65535, description="Port of the server `livelake spark start` runs"
    )
    spark_connect_host: str = Field(
        "127.0.0.1",
        description="Address that server listens on: 127.0.0.1 on one machine; 0.0.0.0 in a "
        "container that a Service fronts (infra/k8s/spark-connect-server.yaml)",
    )
    run_dir: str = Field(
        ".livelake/run", description="Where `livelake spark start` keeps its pid, state and log"
    )
    delta_writer: DeltaWriter = Field("auto", description="Which Delta writer commits tables")
    delta_jars_dir: str | None = Field(
        None,
        description="Folder of the Delta Spark jars put on a local session's classpath "
        "(default: the venv's, which `make install` fills from jars.lock)",
    )
    shuffle_partitions: int = Field(4, ge=1, description="spark.sql.shuffle.partitions")
    adaptive_min_rows: int = Field(
        100_000,
        ge=0,
        description="Inputs smaller than this (a bronze delivery's estimated lines, a silver "
        "table's landed lines, a gold day's silver rows) plan statically on one shuffle "
        "partition and interpret their expressions: adaptive query execution re-plans every "
        "shuffle stage as a Spark job of its own, and compiling generated code costs seconds, "
        "both more than they save on a small input; 0 keeps the adaptive, compiled plan for "
        "every input",
    )
    driver_memory: str = Field("4g", description="spark.driver.memory for local runs")
    gate_frame_mb: float = Field(
        1024,
        gt=0,
        description="How much of a staged table a quality gate holds in memory at once (8 "
        "bytes a cell): a wider table is validated a group of columns at a time, each group a "
        "GE validation of its own (`<suite>.part<i>`), so a large day's gate stays in memory",
    )
    pii_key: str | None = Field(None, description="HMAC key that pseudonymises PII in silver")
    watermark_days: int = Field(3, ge=0, description="How late an event may arrive and be kept")
    clock_skew_minutes: int = Field(15, ge=0, description="How far in the future an event may be")
    max_active_tasks: int = Field(
        2,
        ge=1,
        description="Tasks of one daily DAG run at once: each local task starts its own Spark "
        "driver (~4 GB, both cores busy), so a 2-core laptop runs two; raise it on a cluster",
    )
    allow_empty_days: bool = Field(
        False,
        description="Run a day that has no delivered file (else bronze refuses: a missing or "
        "late delivery must not publish gold tables built from no data)",
    )
    expected_sources: Annotated[tuple[str, ...], NoDecode] = Field(
        ("platform",),
        min_length=1,
        description="Sources whose delivery (`<landing_root>/<source>/dt=<day>/_manifest.json`) "
        "the daily DAG waits for before it runs a day; comma-separated in the environment "
        "(`LIVELAKE_EXPECTED_SOURCES=platform,taobao`)",
    )
    delivery_timeout_minutes: float = Field(
        360,
        gt=0,
        description="How long the daily DAG waits for the day's deliveries before it fails, "
        "naming the missing sources (the run for D starts at D+1 02:00 UTC: 6 hours)",
    )
    delivery_poke_seconds: float = Field(
        60, ge=1, le=3600, description="How often the triggerer looks for missing deliveries"
    )
    expectations_dir: str | None = Field(None, description="Override the bundled suites folder")
    models_root: str | None = Field(
        None, description="Where trained models and cards go (default: <lake_root>/../models)"
    )
    reports_root: str | None = Field(
        None,
        description="A local (or mounted) folder for what the gates and audits write beside "
        "the lake: the Great Expectations project, Data Docs, evidence pages, the audit index "
        "and the stage locks (default: inside a lake on local disk; a lake on an object store "
        "needs it)",
    )

    @field_validator("lake_root", "landing_root", "models_root", "reports_root", "run_dir")
    @classmethod
    def _normalise_root(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith(REMOTE_SCHEMES):
            return value.rstrip("/")
        return str(Path(value).expanduser().resolve())

    @field_validator("reports_root")
    @classmethod
    def _local_reports(cls, value: str | None) -> str | None:
        if value is not None and "://" in value and not value.startswith("file://"):
            raise ValueError("expected a local or mounted folder (GE writes it as files)")
        return value

    @field_validator("expected_sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("spark_master")
    @classmethod
    def _known_master(cls, value: str) -> str:
        if not (
            value.startswith(("local", "spark://", "k8s://", "yarn", "mesos://")) or value == "yarn"
        ):
            raise ValueError("expected local[*], local[N], spark://host:port, yarn or k8s://…")
        return value

    @field_validator("spark_remote")
    @classmethod
    def _connect_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"sc://[^/:]+:\d+(/.*)?", value):
            raise ValueError("expected sc://host:port (a Spark Connect server)")
        return value

    @property
    def resolved_models_root(self) -> str:
        """`models_root`, else a `models` folder next to the lake root."""
        if self.models_root:
            return self.models_root
        return self.lake_root.rsplit("/", 1)[0] + "/models"

    @property
    def is_local(self) -> bool:
        return self.spark_master.startswith("local")

    @property
    def runs_in_process(self) -> bool:
        """Whether this process drives a stage's Spark work (in-process Spark, or a client of
        a Connect server) rather than `spark-submit` it to a cluster."""
        return self.spark_remote is not None or self.is_local

    @property
    def lake_is_local(self) -> bool:
        return not self.lake_root.startswith(REMOTE_SCHEMES) or self.lake_root.startswith("file://")


def _config_file() -> Path | None:
    named = os.environ.get("LIVELAKE_CONFIG")
    if named:
        return Path(named)
    default = Path("livelake.toml")
    return default if default.exists() else None


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "config"
    return f"invalid config: {key}: {first['msg']} (got {first.get('input')!r})"


def load_settings(**overrides: object) -> Settings:
    """Build settings from file + environment (+ explicit overrides, e.g. from CLI flags)."""
    file_values: dict[str, object] = {}
    path = _config_file()
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text()).get("livelake", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"invalid config: cannot read {path}: {exc}") from None
    env_keys = {name for name in Settings.model_fields if f"LIVELAKE_{name.upper()}" in os.environ}
    # Environment beats file: drop file values that the environment sets.
    values = {k: v for k, v in file_values.items() if k not in env_keys}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings (cached; call `settings.cache_clear()` after changing env)."""
    return load_settings()
