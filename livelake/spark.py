"""The one place a SparkSession is made.

Local and cluster runs share this code path: only `Settings.spark_master` differs. Local
defaults are tuned for a small machine (few shuffle partitions, UTC, Arrow on); on a cluster,
`spark-defaults.conf` from `infra/` supplies the rest. A local session whose lake is on S3
also gets the S3A jars and its S3A settings from the standard AWS variables, the ones
delta-rs, pyarrow and Polars read, so every client of the lake is configured by one set.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from livelake.config import Settings, settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG4J_CONFIG = Path(__file__).parent / "resources" / "log4j2.properties"
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
ADAPTIVE = "spark.sql.adaptive.enabled"
SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"
WHOLE_STAGE_CODEGEN = "spark.sql.codegen.wholeStage"
# Which of Catalyst's code generators compile Java (`FALLBACK`, the default) or evaluate the
# expression tree directly (`NO_CODEGEN`). An internal setting Spark's own test suites run in
# both modes; there is no public switch for expression (not whole-stage) code generation.
CODEGEN_FACTORY = "spark.sql.codegen.factoryMode"
S3A = "spark.hadoop.fs.s3a"
SMALL_INPUT_PLAN = {
    ADAPTIVE: "false",
    SHUFFLE_PARTITIONS: "1",
    WHOLE_STAGE_CODEGEN: "false",
    CODEGEN_FACTORY: "NO_CODEGEN",
}


class JarsMissingError(RuntimeError):
    """A jar group the configuration needs is not installed; the message names the command."""


class JavaMissingError(RuntimeError):
    """Spark needs a JVM; say so in one line instead of a py4j traceback."""


def require_java() -> None:
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return
    raise JavaMissingError(
        "livelake needs Java 17 for Spark: install it (e.g. apt-get install "
        "openjdk-17-jre-headless) or set JAVA_HOME."
    )


def delta_jars_present(spark: SparkSession) -> bool:
    """True when the Delta Spark classes can be loaded by this session's JVM (through Spark's
    class loader, which holds `spark.jars`; py4j's own `Class.forName` does not see them)."""
    try:
        utils = spark._jvm.org.apache.spark.util.Utils  # type: ignore[union-attr]
        utils.classForName(DELTA_EXTENSION, True, False)
    except Exception:
        return False
    return True


def on_s3(cfg: Settings) -> bool:
    """Whether Spark reaches S3: the lake, or the landing area it ingests, is there."""
    return any(root.startswith(("s3://", "s3a://")) for root in (cfg.lake_root, cfg.landing_root))


def object_store_jars(cfg: Settings) -> list[Path]:
    """The S3A jars (`jars.lock`'s object-store group) for a local session that reaches S3;
    a cluster has its own. Refuses, naming the command, when they are not installed."""
    from livelake import jars

    if not (cfg.is_local and on_s3(cfg)):
        return []
    found = jars.installed(jars.default_dir(jars.OBJECT_STORE))
    if not found:
        raise JarsMissingError(
            f"the lake or its landing area is on S3 ({cfg.lake_root}, {cfg.landing_root}) but "
            "Spark's S3A jars are not installed: run "
            f".venv/bin/python -m livelake.jars install --with {jars.OBJECT_STORE} (needs Maven)"
        )
    return found


def s3a_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Spark's S3A settings from the AWS variables every other client of the lake reads
    (delta-rs, pyarrow, Polars): the endpoint of an S3-compatible store, addressed
    by path unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`, and the region. Credentials stay
    in the environment, where S3A's default chain reads `AWS_ACCESS_KEY_ID` /
    `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` (never copied into Spark's conf)."""
    conf: dict[str, str] = {}
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        virtual = environ.get("AWS_VIRTUAL_HOSTED_STYLE_REQUEST", "").lower() == "true"
        conf[f"{S3A}.endpoint"] = endpoint
        conf[f"{S3A}.path.style.access"] = str(not virtual).lower()
        conf[f"{S3A}.connection.ssl.enabled"] = str(endpoint.startswith("https://")).lower()
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region:
        conf[f"{S3A}.endpoint.region"] = region
    return conf


def delta_jars(cfg: Settings) -> list[Path]:
    """The Delta Spark jars `make install` verified, for a local session that may use the
    native writer (a cluster's own jars come from its spark-defaults instead)."""
    from livelake import jars

    if cfg.delta_writer == "delta-rs" or not cfg.is_local:
        return []
    return jars.installed(Path(cfg.delta_jars_dir) if cfg.delta_jars_dir else None)


@contextmanager
def planned_for(spark: SparkSession, rows: int, cfg: Settings) -> Iterator[bool]:
    """Plan the block's queries for an input of `rows` rows, then restore the session's
    settings; yields whether the input counts as large (adaptive, compiled plan).

    From `cfg.adaptive_min_rows` rows on, the session's adaptive plan with generated code.
    Below, `SMALL_INPUT_PLAN`: a static plan with one shuffle partition (what AQE would
    coalesce so small an input to, without the Spark job AQE spends re-planning each shuffle
    stage) whose expressions are interpreted, not compiled: Janino compiling the generated
    Java of a wide silver projection costs seconds, interpreting it over 20k rows costs
    milliseconds (a demo-size day's silver jobs: 38 s compiled, 23 s interpreted; BENCHMARKS.md).
    """
    adaptive = rows >= cfg.adaptive_min_rows
    wanted = {} if adaptive else SMALL_INPUT_PLAN
    before = {key: spark.conf.get(key) for key in wanted}
    for key, value in wanted.items():
        spark.conf.set(key, value)
    try:
        yield adaptive
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def get_spark(cfg: Settings | None = None, app_name: str = "livelake") -> SparkSession:
    """Return the process's SparkSession, creating it from settings on first use."""
    from pyspark.sql import SparkSession

    cfg = cfg or settings()
    require_java()
    # Executors must run the same Python as the driver (venvs, cluster workers).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName(app_name)
        .master(cfg.spark_master)
        .config("spark.sql.session.timeZone", "UTC")
        .config(SHUFFLE_PARTITIONS, str(cfg.shuffle_partitions))
        .config(ADAPTIVE, "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        # A landed JSON line may repeat a key (or repeat it in another case, which silver
        # matches case-insensitively): the last one wins, as in most JSON readers.
        .config("spark.sql.mapKeyDedupPolicy", "LAST_WIN")
        .config("spark.ui.showConsoleProgress", "false")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Duser.timezone=UTC -Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}",
        )
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
    )
    if cfg.is_local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.config("spark.driver.memory", cfg.driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
        )
    jars = delta_jars(cfg)
    on_classpath = jars + object_store_jars(cfg)
    if on_classpath:
        builder = builder.config("spark.jars", ",".join(str(p) for p in on_classpath))
    if on_s3(cfg):
        for key, value in s3a_settings(os.environ).items():
            builder = builder.config(key, value)
    if jars or cfg.delta_writer == "delta-spark":
        builder = builder.config("spark.sql.extensions", DELTA_EXTENSION).config(
            "spark.sql.catalog.spark_catalog", DELTA_CATALOG
        )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
