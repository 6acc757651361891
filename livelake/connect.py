"""A Spark Connect client session, and what a task says when its server is not there.

With `LIVELAKE_SPARK_REMOTE=sc://host:port` every livelake process is a thin client of one
long-lived Spark Connect server (`livelake spark start`, or one on a cluster): no JVM of its
own, no Spark start-up per task. A server that is down, or dies mid-task, is a transient
failure: the task raises `SparkServerUnavailableError` (one line), Airflow retries it, and
nothing it staged was published (`publish()` aborts staged writes on any error).
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

START_HINT = "start it with `livelake spark start` (or unset LIVELAKE_SPARK_REMOTE)"
# How long a client keeps retrying a server that stopped answering: ~15 s (0.5+1+2+4+8), not
# pyspark's default of at least 10 minutes. A restarted server has lost the task's session
# anyway; the task's own retry (Airflow's) starts over on a fresh one.
LOST_SERVER_RETRIES = {
    "max_retries": 5,
    "initial_backoff": 500,
    "backoff_multiplier": 2.0,
    "max_backoff": 8000,
}
# What the client raises when its server is gone: gRPC's status names, and pyspark's error
# conditions for an exhausted retry budget and a session the (restarted) server never knew.
LOST_SIGNS = ("StatusCode.UNAVAILABLE", "RETRIES_EXCEEDED", "INVALID_HANDLE.SESSION_NOT_FOUND")


class SparkServerUnavailableError(RuntimeError):
    """The Spark Connect server is down or stopped answering: retry the task once it is up."""


def address(remote: str) -> tuple[str, int]:
    """`sc://host:port/;params` -> (host, port)."""
    host, _, port = remote.removeprefix("sc://").split("/", 1)[0].rpartition(":")
    return host, int(port)


def listening(remote: str, timeout_seconds: float = 2.0) -> bool:
    """Whether something accepts connections at the server's address."""
    try:
        with socket.create_connection(address(remote), timeout=timeout_seconds):
            return True
    except OSError:
        return False


def connect(remote: str, conf: dict[str, str]) -> SparkSession:
    """A client session of the server at `remote` with the runtime settings `conf`."""
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.client.retries import DefaultPolicy

    if not listening(remote):
        raise SparkServerUnavailableError(
            f"no Spark Connect server answers at {remote}: {START_HINT}"
        )
    builder = SparkSession.builder.remote(remote)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    if not is_connect(spark):
        raise RuntimeError(
            f"this process already runs an in-process Spark driver; it cannot also be a client "
            f"of {remote} (pyspark allows one kind of session per process)"
        )
    spark.client.set_retry_policies([DefaultPolicy(**LOST_SERVER_RETRIES)])
    return spark


def is_connect(spark: SparkSession) -> bool:
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    return isinstance(spark, ConnectSession)


def server_lost(exc: BaseException) -> bool:
    """Whether `exc`, or an exception it was raised from, is a client losing its server."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SparkServerUnavailableError) or any(
            sign in f"{type(seen).__name__} {seen}" for sign in LOST_SIGNS
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def lost_server_error(remote: str, doing: str) -> SparkServerUnavailableError:
    return SparkServerUnavailableError(
        f"the Spark Connect server at {remote} stopped answering during {doing}: the task "
        f"failed before publishing anything and can be retried once the server is up "
        f"(`livelake spark status`; its log is in the run folder)"
    )
