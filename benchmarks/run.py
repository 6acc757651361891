"""The benchmark runner: `make bench` (full) or `python -m benchmarks.run --quick`.

Every figure comes from one run on one machine, and what matters is the ratios between
engines measured side by side, not absolute seconds (this machine is shared and noisy).
Writes BENCHMARKS.md (tables + command, machine, versions, date) and benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"
FEAST_VENV = ROOT / "benchmarks" / ".venv-feast"

Section = Callable[[Path, bool], dict]


def run_json(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a measurement subprocess and parse the JSON line it prints last."""
    done = subprocess.run(
        cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ensure_feast_venv() -> Path:
    """Feast pins its own dependencies: give it a venv of its own, from its lock file."""
    python = FEAST_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(FEAST_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "uv==0.13.8"], check=True)
        subprocess.run(
            [
                str(FEAST_VENV / "bin" / "uv"),
                "pip",
                "sync",
                "-q",
                "--python",
                str(python),
                str(ROOT / "benchmarks" / "requirements-feast.lock"),
            ],
            check=True,
        )
    return python


def pit_join(work: Path, quick: bool) -> dict:
    """1M labels x 30 daily snapshots of 200k users (quick: 20k labels x 2k users)."""
    import polars as pl

    from benchmarks.pit_data import make
    from benchmarks.pit_engines import ENGINES

    users, labels = (2_000, 20_000) if quick else (200_000, 1_000_000)
    data = work / "pit"
    make(data, users=users, days=30, labels=labels)
    figures: dict[str, dict] = {}
    outputs: dict[str, Path] = {}
    for engine in ENGINES:
        outputs[engine] = data / f"{engine}.parquet"
        figures[engine] = run_json(
            [
                sys.executable,
                "-m",
                "benchmarks.pit_engines",
                engine,
                str(data),
                str(outputs[engine]),
            ]
        )
    if not quick:
        python = ensure_feast_venv()
        outputs["feast"] = data / "feast.parquet"
        figures["feast"] = run_json(
            [
                str(python),
                str(ROOT / "benchmarks" / "feast_engine.py"),
                str(data),
                str(outputs["feast"]),
            ]
        )
    reference = pl.read_parquet(outputs["duckdb_asof"]).sort("label_id")
    for engine, path in outputs.items():
        other = pl.read_parquet(path).select(reference.columns).sort("label_id")
        if not reference.equals(other):
            raise AssertionError(f"point-in-time join results differ: {engine} vs duckdb_asof")
        figures[engine]["identical_to_duckdb"] = True
    base = figures["duckdb_asof"]["seconds"]
    for f in figures.values():
        f["vs_duckdb"] = f["seconds"] / base
    return {"users": users, "days": 30, "labels": labels, "engines": figures}


SECTIONS: dict[str, Section] = {"pit_join": pit_join}


def machine() -> dict:
    packages = ["pyspark", "deltalake", "polars", "duckdb", "pyarrow", "great-expectations"]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "versions": {p: version(p) for p in packages},
    }


def render(results: dict, command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Command: `{command}` · {results['machine']['date']} · {results['machine']['cpus']} cores"
        f" · Python {results['machine']['python']}",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in results["machine"]["versions"].items()),
        "",
        "Times are wall-clock seconds from one run; compare the ratios, not the absolutes.",
        "",
    ]
    pit = results["sections"].get("pit_join")
    if pit:
        lines += [
            f"## Point-in-time join: {pit['labels']:,} labels × {pit['days']} daily snapshots "
            f"of {pit['users']:,} users",
            "",
            "| engine | seconds | × DuckDB ASOF | peak MB | same rows as DuckDB |",
            "|---|---:|---:|---:|---|",
        ]
        for engine, f in pit["engines"].items():
            lines.append(
                f"| {engine} | {f['seconds']:.2f} | {f['vs_duckdb']:.2f} | {f['peak_mb']:.0f} |"
                f" {'yes' if f['identical_to_duckdb'] else 'NO'} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to keep it from rotting")
    parser.add_argument("--only", action="append", choices=sorted(SECTIONS), help="sections")
    parser.add_argument("--out", type=Path, default=None, help="write the report here instead")
    args = parser.parse_args(argv)
    chosen = args.only or list(SECTIONS)
    results = {"machine": machine(), "quick": args.quick, "sections": {}}
    with tempfile.TemporaryDirectory(prefix="livelake-bench-") as tmp:
        for name in chosen:
            print(f"== {name}", flush=True)
            results["sections"][name] = SECTIONS[name](Path(tmp), args.quick)
            print(json.dumps(results["sections"][name], indent=1), flush=True)
    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    report = args.out or REPORT
    report.write_text(render(results, command))
    results_path = RESULTS if args.out is None else args.out.with_suffix(".json")
    results_path.write_text(json.dumps(results, indent=1))
    print(f"wrote {report} and {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
