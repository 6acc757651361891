"""A real S3 server on 127.0.0.1 for the lake-on-an-object-store tests: moto's, started as a
child process on a free port, with one bucket, and stopped with the test session.

`S3Server.environment()` is what a livelake process needs to reach it: the standard AWS
variables every client of the lake reads (delta-rs, pyarrow, Polars; `get_spark` turns them
into S3A settings).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
BUCKET = "livelake"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    process: subprocess.Popen
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "moto-test-key",
            "AWS_SECRET_ACCESS_KEY": "moto-test-secret",
            "AWS_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",
        }

    def lake_root(self, name: str) -> str:
        """A fresh lake in the bucket, as livelake's settings name it (`s3://`)."""
        return f"s3://{BUCKET}/{name}"

    def create_bucket(self, bucket: str = BUCKET) -> None:
        request = urllib.request.Request(f"{self.endpoint}/{bucket}", method="PUT")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start(log: Path, timeout: float = 60) -> S3Server:
    """Start `python -m moto.server` on a free port of 127.0.0.1 and wait until it answers."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = S3Server(process, port)
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=2).close()
            return server
        except OSError:
            started = process.poll() is None and time.monotonic() < deadline
        if not started:
            server.stop()
            raise RuntimeError(f"moto's S3 server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
