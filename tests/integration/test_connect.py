"""Spark Connect (issue #24): the same jobs as clients of one long-lived server.

A process is either an in-process Spark driver or a Connect client (pyspark switches its
Column and function implementations process-wide), so the lake contract and the GE checks
run over Connect in a child pytest (`--spark-connect`), whose session fixture starts a real
server with `livelake spark start`'s code. The fault scenario runs `livelake run` in child
processes against a server this test starts and kills.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psutil
import pytest

from livelake import spark_server
from livelake.config import load_settings
from livelake.generator import GeneratorConfig, generate
from tests.integration.faults import (
    EMPTY,
    REPO,
    Child,
    child_env,
    report,
    stage_runs,
    table_hashes,
    third_states,
)
from tests.integration.spark_cluster import free_port
from tests.jobs.lake import test_lake_contract

pytestmark = pytest.mark.integration

DAY = date(2026, 1, 1)
PII_KEY = "connect-suite-pii-key-not-secret"
LANDING_STAGES = ("run", "--day", DAY.isoformat(), "--stage", "bronze", "--stage", "silver")
# Issue #24: a task process that is only a Connect client starts no JVM and stays small.
MAX_CLIENT_RSS_MB = 600


def test_the_lake_contract_and_ge_hold_over_spark_connect(tmp_path):
    contract = sum(1 for name in dir(test_lake_contract) if name.startswith("test_"))
    expected = contract * 2 + 2  # both writers; the two GE-over-Connect tests
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--spark-connect",
            "-m",
            "not integration",
            f"--basetemp={tmp_path / 'child'}",
            "tests/jobs/lake/test_lake_contract.py",
            "tests/jobs/quality/test_ge_over_connect.py",
        ],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("LIVELAKE_")},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert re.match(rf"{expected} passed\b", summary), summary


class ClientPeak:
    """The largest resident set the child's process tree reached, and whether it ran java."""

    def __init__(self) -> None:
        self.rss_mb = 0.0
        self.commands: set[str] = set()

    def watch(self, child: Child, timeout: float = 900) -> int:
        deadline = time.monotonic() + timeout
        while child.proc.poll() is None and time.monotonic() < deadline:
            try:
                root = psutil.Process(child.proc.pid)
                tree = [root, *root.children(recursive=True)]
                self.rss_mb = max(self.rss_mb, sum(p.memory_info().rss for p in tree) / 2**20)
                self.commands |= {p.name() for p in tree}
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.2)
        return child.wait(60).returncode


def test_a_server_dying_mid_task_fails_it_as_retryable_and_publishes_nothing(tmp_path):
    """Kill -9 the server while a silver job is about to write: the run fails with a one-line,
    retryable error (exit 75, not a failed gate), silver stays as before; a run started while
    it is down says so; once it is back the rerun ends where an in-process run ends."""
    landing = tmp_path / "landing"
    generate(GeneratorConfig(start=DAY, days=1, users=150, events_per_day=1_500, seed=5), landing)
    local, remote_lake = tmp_path / "local", tmp_path / "connect"
    done = Child(list(LANDING_STAGES), child_env(local, landing, PII_KEY), tmp_path / "local.log")
    assert done.wait().returncode == 0, done.output()[-4000:]
    clean = table_hashes(local)
    before = {name: EMPTY for name in clean}

    cfg = load_settings(run_dir=str(tmp_path / "run"), spark_master="local[2]", driver_memory="1g")
    port = free_port()
    server = spark_server.start(cfg, port)
    env = child_env(remote_lake, landing, PII_KEY) | {"LIVELAKE_SPARK_REMOTE": server.remote}
    try:
        child = Child(
            list(LANDING_STAGES),
            env,
            tmp_path / "lost.log",
            kill_at="stage:silver/views",
            hold=True,
        )
        child.reached()
        os.killpg(server.pid, signal.SIGKILL)
        child.release()
        lost = child.wait()
        assert lost.returncode == 75, lost.output[-4000:]
        errors = [line for line in lost.output.splitlines() if line.startswith("error:")]
        assert errors == [
            f"error: the Spark Connect server at {server.remote} stopped answering during stage "
            f"silver for {DAY}: the task failed before publishing anything and can be retried "
            "once the server is up (`livelake spark status`; its log is in the run folder)"
        ], lost.output[-4000:]
        now = table_hashes(remote_lake)
        assert third_states(now, before, clean) == {}, report("lost", {"now": now, "clean": clean})
        assert {n: h for n, h in now.items() if n.startswith(("silver/", "quarantine/"))} == {
            n: EMPTY for n in now if n.startswith(("silver/", "quarantine/"))
        }
        runs = sorted(stage_runs(remote_lake, DAY), key=lambda r: r["finished_at"])
        outcome = [r["status"] for r in runs if r["stage"] == "silver"]
        assert outcome == ["started", "error"]

        down = Child(["run", "--day", DAY.isoformat()], env, tmp_path / "down.log").wait(120)
        assert down.returncode == 75
        assert [line for line in down.output.splitlines() if line.strip()] == [
            f"error: no Spark Connect server answers at {server.remote}: start it with "
            "`livelake spark start` (or unset LIVELAKE_SPARK_REMOTE)"
        ]

        spark_server.start(cfg, port)
        peak = ClientPeak()
        rerun = Child(list(LANDING_STAGES), env, tmp_path / "rerun.log")
        assert peak.watch(rerun) == 0, rerun.output()[-4000:]
        after = table_hashes(remote_lake)
        assert after == clean, report("connect vs local", {"connect": after, "local": clean})
        assert "java" not in peak.commands
        assert peak.rss_mb <= MAX_CLIENT_RSS_MB, f"client tree peaked at {peak.rss_mb:.0f} MB"
        print(f"Connect client peak RSS (process tree): {peak.rss_mb:.0f} MB")
    finally:
        spark_server.stop(cfg)


def test_spark_start_status_stop_run_a_server_clients_reach(tmp_path):
    """The CLI's lifecycle, end to end: start, status, a second start keeps it, stop."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVELAKE_")}
    env |= {"LIVELAKE_RUN_DIR": str(tmp_path / "run"), "COLUMNS": "200"}
    port = free_port()
    livelake = [str(Path(sys.executable).with_name("livelake")), "spark"]

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*livelake, *args], env=env, capture_output=True, text=True, timeout=300
        )

    try:
        started = cli("start", "--port", str(port))
        assert started.returncode == 0, started.stdout + started.stderr
        assert f"running at sc://127.0.0.1:{port}" in started.stdout
        status = cli("status")
        assert status.returncode == 0 and f"LIVELAKE_SPARK_REMOTE=sc://127.0.0.1:{port}" in (
            status.stdout
        )
        pid = int(re.search(r"pid (\d+)", status.stdout).group(1))
        assert f"pid {pid}" in cli("start", "--port", str(port)).stdout  # kept, not a second
        assert (tmp_path / "run" / "spark-connect" / "server.log").exists()
    finally:
        stopped = cli("stop")
    assert stopped.returncode == 0 and f"stopped (pid {pid})" in stopped.stdout
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert cli("status").returncode == 3
