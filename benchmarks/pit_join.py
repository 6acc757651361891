"""Section `pit_join`: 1M labels × 30 daily snapshots of 200k users, every engine on the
same data, each in its own process; results must be identical to DuckDB's ASOF JOIN.

Engines: DuckDB ASOF JOIN and Polars join_asof written by hand over Parquet (int64 user
ids), and over the lake's Parquet files; livelake's `training_set` without a JVM and on Spark,
both reading `gold/user_features` (string user ids, as the lake declares them); Feast's
offline `get_historical_features` (file offline store, own venv; full run only).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from benchmarks import pit_lake
from benchmarks.measure import ROOT, run_json, run_module
from benchmarks.pit_data import FEATURES
from benchmarks.pit_engines import ENGINES

FEAST_VENV = ROOT / "benchmarks" / ".venv-feast"
TARGET_VS_FEAST = 10.0
TARGET_VS_DUCKDB = 1.3
TARGET_SPARK_SECONDS = 10.0
# The JVM-free engines take about a second, where one run varies by a third here: each is
# run in turns with the others, in a fresh process each time, and its median run is kept.
ROUNDS = 3


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


def measured(data: Path, engine: str, measure) -> dict:
    """An engine's figures, kept beside its output so a rerun in the same folder reuses them."""
    kept = data / f"{engine}.json"
    if kept.exists():
        return json.loads(kept.read_text())
    figures = measure()
    kept.write_text(json.dumps(figures))
    return figures


def in_turns(data: Path, outputs: dict[str, Path]) -> dict[str, dict]:
    """Each JVM-free engine's median of `ROUNDS` runs, the engines taking turns."""
    runs: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
    for _ in range(ROUNDS):
        for engine in ENGINES:
            runs[engine].append(run_module("pit_engines", engine, data, outputs[engine]))
    return {
        engine: sorted(done, key=lambda f: f["seconds"])[ROUNDS // 2]
        | {"runs_seconds": [f["seconds"] for f in done]}
        for engine, done in runs.items()
    }


def run(work: Path, quick: bool) -> dict:
    users, labels = (2_000, 20_000) if quick else (200_000, 1_000_000)
    data = work / f"pit-{users}-{labels}"
    if not (data / pit_lake.LABELS_FILE).exists():
        run_module("pit_lake", data, users, labels)
    figures: dict[str, dict] = {}
    outputs: dict[str, Path] = {}
    for engine in ENGINES:
        outputs[engine] = data / f"{engine}.parquet"
    figures |= measured(data, "jvm_free", lambda: in_turns(data, outputs))
    outputs["livelake_spark"] = data / "livelake_spark.parquet"
    figures["livelake_spark"] = measured(
        data, "livelake_spark", lambda: run_module("pit_spark", data, outputs["livelake_spark"])
    )
    feast_error = None
    if not quick:
        python = ensure_feast_venv()
        script = str(ROOT / "benchmarks" / "feast_engine.py")
        try:
            figures["feast"] = measured(
                data,
                "feast",
                lambda: run_json([str(python), script, str(data), str(data / "feast.parquet")]),
            )
            outputs["feast"] = data / "feast.parquet"
        except RuntimeError as crash:  # e.g. killed for memory on the shared machine
            how = str(crash).split(":\n")[0].split("feast.parquet")[-1].strip()
            feast_error = f"its process {how}"
    reference = pl.read_parquet(outputs["duckdb_asof"]).sort("label_id")
    for engine, path in outputs.items():
        other = pl.read_parquet(path).select(reference.columns).sort("label_id")
        dropped = reference.height - other.height
        if engine == "feast" and dropped > 0:
            # Feast leaves out the labels no snapshot precedes (the others return them with
            # null features): check that those are exactly the missing rows.
            kept = reference.join(other.select("label_id"), on="label_id", how="semi")
            missing = reference.join(other.select("label_id"), on="label_id", how="anti")
            if not missing.drop("label_id").null_count().row(0) == (dropped,) * len(FEATURES):
                raise AssertionError("Feast left out labels that have a snapshot")
            reference_rows = kept
        else:
            reference_rows = reference
        if not reference_rows.equals(other):
            raise AssertionError(f"point-in-time join results differ: {engine} vs duckdb_asof")
        figures[engine]["identical_to_duckdb"] = True
        figures[engine]["labels_left_out"] = dropped
    base = figures["duckdb_asof"]["seconds"]
    for f in figures.values():
        f["vs_duckdb"] = f["seconds"] / base
    ours = figures["livelake_training_set"]["seconds"]
    targets = {
        "jvm_free_vs_duckdb": ours / base <= TARGET_VS_DUCKDB,
        "spark_le_10_s": figures["livelake_spark"]["seconds"] <= TARGET_SPARK_SECONDS,
    }
    if "feast" in figures:
        targets["jvm_free_10x_faster_than_feast"] = (
            figures["feast"]["seconds"] / ours >= TARGET_VS_FEAST
        )
    return {
        "users": users,
        "days": 30,
        "labels": labels,
        "engines": figures,
        "targets": targets,
        "feast_error": feast_error,
    }


def render(r: dict) -> list[str]:
    lines = [
        f"## Point-in-time join: {r['labels']:,} labels × {r['days']} daily snapshots "
        f"of {r['users']:,} users",
        "",
        "| engine | seconds | × DuckDB ASOF | CPU s | peak MB | same rows as DuckDB |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for engine, f in r["engines"].items():
        lines.append(
            f"| {engine} | {f['seconds']:.2f} | {f['vs_duckdb']:.2f} |"
            f" {_cpu(f)} | {f['peak_mb']:.0f} | {_same(f)} |"
        )
    spark = r["engines"]["livelake_spark"]
    lines += [
        "",
        f"JVM-free engines: the median of {ROUNDS} runs, each in a fresh process, the engines"
        " taking turns (one run varies by about a third here).",
        f"Spark path: session start + first action {spark['spark_start_seconds']:.1f} s, not"
        " included above (seconds = read labels, join, collect to Arrow, the first such call"
        f" in the session); the same call again: {_repeat(spark)}.",
        *([f"Feast did not finish: {r['feast_error']}"] if r.get("feast_error") else []),
        "Targets: " + ", ".join(f"{k} {'met' if v else 'missed'}" for k, v in r["targets"].items()),
        "",
    ]
    return lines


def _repeat(spark: dict) -> str:
    """Results measured before the repeat call was timed have no figure for it."""
    return f"{spark['repeat_seconds']:.1f} s" if "repeat_seconds" in spark else "not measured"


def _cpu(figures: dict) -> str:
    """Feast's script reports wall time only; Spark's CPU is mostly in its JVM."""
    return f"{figures['cpu_seconds']:.2f}" if "cpu_seconds" in figures else "–"


def _same(figures: dict) -> str:
    left_out = figures.get("labels_left_out", 0)
    if left_out:
        return f"yes, but leaves out the {left_out:,} labels no snapshot precedes"
    return "yes" if figures["identical_to_duckdb"] else "NO"
