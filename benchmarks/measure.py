"""How the benchmarks measure: child processes that print one JSON line, and peak memory.

Each measured engine or pipeline runs in a process of its own, so its wall time and peak
resident memory are its own and not the runner's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def run_json(
    cmd: list[str], env: dict[str, str] | None = None, timeout: float | None = None
) -> dict:
    """Run a measurement subprocess and parse the JSON line it prints last.

    The child gets a process group of its own: on timeout the whole group is killed, JVM
    included (a Spark JVM outlives its Python driver otherwise).
    """
    child = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise
    if child.returncode != 0:
        how = "was killed (SIGKILL: out of memory?)" if child.returncode == -9 else "failed"
        raise RuntimeError(f"{' '.join(cmd)} {how}, exit {child.returncode}:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def run_module(module: str, *args: object, timeout: float | None = None) -> dict:
    """`python -m benchmarks.<module> args...` with this interpreter."""
    return run_json(
        [sys.executable, "-m", f"benchmarks.{module}", *map(str, args)], timeout=timeout
    )


def emit(figures: dict) -> None:
    """What a measurement child prints last (see `run_json`)."""
    print(json.dumps(figures, default=str), flush=True)


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory (VmHWM) of this process and of its live descendants (the JVM).

    The sum bounds the combined peak from above: the processes need not peak together.
    """
    me = psutil.Process()
    peaks = {"driver_python": _hwm_mb(me.pid)}
    for child in me.children(recursive=True):
        name = "jvm" if "java" in child.name() else f"child_{child.name()}"
        peaks[name] = peaks.get(name, 0.0) + _hwm_mb(child.pid)
    peaks["total"] = sum(peaks.values())
    return peaks


def cpu_seconds(reaped: bool = False) -> float:
    """CPU time (user + system) used so far by this process and its live descendants;
    `reaped` adds descendants that already ended and were waited for (a scheduler's tasks).

    Unlike wall time it barely depends on how busy the shared machine is.
    """
    fields = 4 if reaped else 2  # user, system[, children_user, children_system]
    me = psutil.Process()
    total = sum(me.cpu_times()[:fields])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:fields])
        except psutil.NoSuchProcess:
            continue
    return total


def _hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    """`uptime`'s load averages: how busy the shared machine was."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"
