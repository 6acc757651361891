"""The one place a SparkSession is made, and the one module that reaches into a driver's JVM.

Local and cluster runs share this code path: only `Settings.spark_master` differs, or
`Settings.spark_remote` makes the session a Spark Connect client (`livelake.connect`) whose
server got the same driver settings (`driver_conf`, `livelake.spark_server`). Local defaults
are tuned for a small machine (few shuffle partitions, UTC, Arrow on); on a cluster,
`spark-defaults.conf` from `infra/` supplies the rest. A driver whose lake is on S3 also gets
the S3A jars and its S3A settings from the standard AWS variables, the ones delta-rs, pyarrow
and Polars read, so every client of the lake is configured by one set.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import uuid4

from livelake.config import Settings, settings
from livelake.connect import connect, is_connect

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

LOG4J_CONFIG = Path(__file__).parent / "resources" / "log4j2.properties"
DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
ADAPTIVE = "spark.sql.adaptive.enabled"
SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"
DATAFRAME_DEBUGGING = "spark.python.sql.dataFrameDebugging.enabled"
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


def spark_home() -> Path:
    """`$SPARK_HOME`, else the Spark distribution inside the installed pyspark package."""
    if os.environ.get("SPARK_HOME"):
        return Path(os.environ["SPARK_HOME"])
    import pyspark

    return Path(pyspark.__file__).parent


def delta_jars_present(spark: SparkSession) -> bool:
    """True when the session's driver (in-process or a Connect server) can load Delta's data
    source: asking it for a table that does not exist fails on the path, not the format."""
    try:
        spark.read.format("delta").load(f"/nonexistent/livelake-{uuid4().hex}").schema  # noqa: B018
    except Exception as exc:  # in-process: a Py4JJavaError; over Connect: a PySparkException
        return "DATA_SOURCE_NOT_FOUND" not in str(exc)
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
def tagged_jobs(spark: SparkSession) -> Iterator[Callable[[], int | None]]:
    """Tag the Spark jobs the block starts; yields how to count them once it has ended.

    Only an in-process driver can count: a Connect session's jobs run in its server's JVM,
    whose status tracker no client reaches, so its count is None."""
    if is_connect(spark):
        yield lambda: None
        return
    context = spark.sparkContext
    tag = f"livelake-{uuid4().hex[:12]}"
    context.addJobTag(tag)

    def count() -> int:
        tracker = context._jsc.sc()  # type: ignore[union-attr]
        # Job events reach the status store through the listener bus: let it catch up first.
        tracker.listenerBus().waitUntilEmpty()
        return len(list(tracker.statusTracker().getJobIdsForTag(tag)))

    try:
        yield count
    finally:
        context.removeJobTag(tag)


_PERSISTED: ContextVar[list[DataFrame] | None] = ContextVar("livelake_persisted", default=None)


def persist(df: DataFrame) -> DataFrame:
    """`df.persist()`, unpersisted when the enclosing `persisted_frames` block ends."""
    kept = df.persist()
    frames = _PERSISTED.get()
    if frames is not None:
        frames.append(kept)
    return kept


@contextmanager
def persisted_frames() -> Iterator[None]:
    """Unpersist what `persist` kept inside the block, and only that, when it ends.

    Not `catalog.clearCache()`: on a Spark Connect server that tasks share it drops every
    session's cache, and what a task leaves cached stays after its session ends."""
    frames: list[DataFrame] = []
    token = _PERSISTED.set(frames)
    try:
        yield
    finally:
        _PERSISTED.reset(token)
        with suppress(Exception):  # a server that cannot answer has lost its cache with it
            for frame in frames:
                frame.unpersist()


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
    with session_settings(spark, {} if adaptive else SMALL_INPUT_PLAN):
        yield adaptive


@contextmanager
def session_settings(spark: SparkSession, wanted: Mapping[str, str]) -> Iterator[None]:
    """The session's SQL settings `wanted` for the block, then its own again."""
    before = {key: spark.conf.get(key) for key in wanted}
    for key, value in wanted.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.set(key, value)


def session_conf(cfg: Settings) -> dict[str, str]:
    """SQL settings of every session, in-process or a Connect client's session on its server."""
    return {
        "spark.sql.session.timeZone": "UTC",
        SHUFFLE_PARTITIONS: str(cfg.shuffle_partitions),
        ADAPTIVE: "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # A landed JSON line may repeat a key (or repeat it in another case, which silver
        # matches case-insensitively): the last one wins, as in most JSON readers.
        "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
        # delta-spark rebuilds a table's state from its log in this many tasks (Delta's
        # default, 50, is sized for logs of millions of files; ours hold a file or few per
        # partition and day): three delta-spark contract tests took 68 s instead of 154 s.
        "spark.databricks.delta.snapshotPartitions": str(cfg.shuffle_partitions),
    }


def driver_conf(cfg: Settings) -> dict[str, str]:
    """Settings fixed when a driver JVM starts: this process's own, or a Connect server's
    (`spark_server.py`); the Delta jars and extension go here, so both drivers have them."""
    conf = {
        "spark.ui.showConsoleProgress": "false",
        # The throughput collector: a batch driver keeps nobody waiting on its pauses, and
        # G1's concurrent work cost the 2M day's largest silver jobs about 10% more CPU.
        "spark.driver.extraJavaOptions": (
            "-XX:+UseParallelGC -Duser.timezone=UTC "
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}"
        ),
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        # Spark 4 records the Python call site of every DataFrame call for its error
        # messages: a stack walk and five JVM round trips each (`F.col`: 1.1 ms instead of
        # 0.37). The jobs build plans of thousands of expressions. Errors still name the
        # expression and the plan; set it true while debugging a transform. (A static
        # setting: a Connect client captures call sites locally, without round trips.)
        DATAFRAME_DEBUGGING: "false",
    }
    if cfg.is_local:
        conf |= {
            "spark.driver.memory": cfg.driver_memory,
            "spark.ui.enabled": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
        }
    jars = delta_jars(cfg)
    on_classpath = jars + object_store_jars(cfg)
    if on_classpath:
        conf["spark.jars"] = ",".join(str(p) for p in on_classpath)
    if on_s3(cfg):
        conf |= s3a_settings(os.environ)
    if jars or cfg.delta_writer == "delta-spark":
        conf["spark.sql.extensions"] = DELTA_EXTENSION
        conf["spark.sql.catalog.spark_catalog"] = DELTA_CATALOG
    return conf


def get_spark(cfg: Settings | None = None, app_name: str = "livelake") -> SparkSession:
    """Return the process's SparkSession, creating it from settings on first use: a client of
    `cfg.spark_remote` (a Spark Connect server), else an in-process driver on `spark_master`.

    A process is one or the other: pyspark picks the Column and function implementations by
    a process-wide switch that a Connect session turns on."""
    from pyspark.sql import SparkSession

    cfg = cfg or settings()
    if cfg.spark_remote:
        return connect(cfg.spark_remote, session_conf(cfg))
    require_java()
    # Executors must run the same Python as the driver (venvs, cluster workers).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if cfg.is_local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name).master(cfg.spark_master)
    for key, value in (driver_conf(cfg) | session_conf(cfg)).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
