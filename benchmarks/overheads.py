"""Section `overheads`: fixed costs that every process, gate and test run pays, each measured
both ways side by side, alternating, in child processes of this runner.

- `imports`: the stack a task imports (Great Expectations, Spark, sklearn, pandas, Polars,
  DuckDB, delta-rs, the CLI) with the bytecode `make install` compiles, against compiling it
  from source at every start, which is what PYTHONDONTWRITEBYTECODE (set in CI images and
  containers) did to every process before;
- `training`: two small training runs at once, as two test workers run them, with sklearn's
  OpenMP threads at their default (one per core in each process) against one each;
- `ge_variables`: look-ups of GE context variables, hundreds per gate, with GE's
  config-variables template in the project against without it (`jobs/quality/gx_context.py`);
- `delta_log`: delta-spark appends and reads of a small partitioned table with its log state
  rebuilt in Delta's default 50 tasks against as many as a shuffle (`livelake.spark`);
- `json_check`: silver's strict JSON syntax rule over view-like lines, every line through all
  of its regular expressions against flat lines skipping the four that cannot apply to them
  (`jobs/silver/parsing._FLAT`).

Usage of a child: python -m benchmarks.overheads PART WAY WORK_DIR
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.measure import ROOT, cpu_seconds, emit, run_module

STACK = (
    "import great_expectations, pyspark.sql, sklearn.ensemble, pandas, polars, duckdb, "
    "deltalake, livelake.cli"
)
WAYS = {
    "imports": ("source", "compiled"),
    "training": ("openmp-default", "openmp-1"),
    "ge_variables": ("template", "removed"),
    "delta_log": ("50-tasks", "shuffle-tasks"),
    "json_check": ("full-check", "flat-fast-path"),
}
TRAINING_ROWS = 10_000
GE_LOOKUPS = 300
DELTA_ROUNDS = 6
JSON_LINES = 1_000_000


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(commands: list[list[str]], env: dict[str, str | None]) -> dict:
    """Wall and CPU seconds of `commands` run at once (CPU of every child, JVMs included);
    `env` overrides the runner's environment, a None unsets."""
    merged = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    cpu, started = _children_cpu(), time.monotonic()
    children = [
        subprocess.Popen(c, cwd=ROOT, env=merged, stdout=subprocess.DEVNULL) for c in commands
    ]
    if any(child.wait() != 0 for child in children):
        raise RuntimeError(f"{commands[0]} failed")
    return {"seconds": time.monotonic() - started, "cpu_seconds": _children_cpu() - cpu}


def _imports(way: str, work: Path) -> dict:
    env: dict[str, str | None] = {"PYTHONDONTWRITEBYTECODE": "1"}
    if way == "source":
        # An empty cache prefix: Python finds no bytecode, compiles every module, writes none.
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(dir=work)
    return _timed([[sys.executable, "-c", STACK]], env)


def _training(way: str, work: Path) -> dict:
    env = {"OMP_NUM_THREADS": "1" if way == "openmp-1" else None}
    child = [sys.executable, "-m", "benchmarks.overheads", "fit", way, str(work)]
    return _timed([child, child], env)


def _fit() -> None:
    """The production fit (boost, early stopping, calibration) on planted rare-event rows."""
    import numpy as np
    import pandas as pd

    from livelake.model.config import TrainingConfig
    from livelake.model.fit import fit_calibrated

    rng = np.random.default_rng(7)

    def rows(n: int) -> tuple[pd.DataFrame, np.ndarray]:
        x = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"f{i}" for i in range(6)])
        logit = -4.0 + 2.0 * x["f0"] + 1.2 * x["f1"] + 0.6 * x["f2"]
        return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype("int64")

    train, val, cal = rows(TRAINING_ROWS), rows(TRAINING_ROWS // 4), rows(TRAINING_ROWS // 4)
    fit_calibrated(*train, *val, *cal, TrainingConfig())


def _ge_variables(way: str, work: Path) -> dict:
    import great_expectations as gx

    project = Path(tempfile.mkdtemp(dir=work))
    context = gx.get_context(mode="file", project_root_dir=str(project))
    if way == "removed":
        (Path(context.root_directory) / "uncommitted" / "config_variables.yml").unlink()
    cpu, started = cpu_seconds(), time.monotonic()
    for _ in range(GE_LOOKUPS):
        context.variables.progress_bars  # noqa: B018
    return {"seconds": time.monotonic() - started, "cpu_seconds": cpu_seconds() - cpu}


def _delta_log(work: Path) -> dict:
    """Both ways in one session (the JVM's start paid by neither), alternating."""
    from livelake.config import load_settings
    from livelake.spark import get_spark

    spark = get_spark(
        load_settings(spark_master="local[2]", shuffle_partitions=2, delta_writer="delta-spark")
    )
    spark.range(1).count()
    ways: dict[str, list[dict]] = {way: [] for way in WAYS["delta_log"]}
    for i, way in enumerate(WAYS["delta_log"] * 2):
        tasks = "50" if way == "50-tasks" else spark.conf.get("spark.sql.shuffle.partitions")
        spark.conf.set("spark.databricks.delta.snapshotPartitions", tasks)
        path = str(work / f"delta-{i}-{way}")
        cpu, started = cpu_seconds(), time.monotonic()
        for n in range(DELTA_ROUNDS):
            rows = spark.range(100).selectExpr("id", f"date_add(date'2026-01-01', {n}) AS day")
            rows.write.format("delta").mode("append").partitionBy("day").save(path)
            assert spark.read.format("delta").load(path).count() == 100 * (n + 1)
        ways[way].append(
            {"seconds": time.monotonic() - started, "cpu_seconds": cpu_seconds() - cpu}
        )
    return {way: min(runs, key=lambda r: r["seconds"]) for way, runs in ways.items()}


def _json_check(lines: int) -> dict:
    """Both ways in one session over the same cached lines, alternating."""
    from pyspark.sql import functions as F

    from livelake.config import load_settings
    from livelake.jobs.silver import parsing
    from livelake.lake.registry import table
    from livelake.spark import get_spark

    spark = get_spark(load_settings(spark_master="local[2]"))
    raw = F.format_string(
        '{"event_id":"vw20260302-%09d","event_type":"enter","event_time":'
        '"2026-03-02T00:00:16.800Z","user_id":"u%08d","session_id":"s20260302-%05d",'
        '"visit_id":"v20260302-%08d","dwell_seconds":%d,"channel":"feed",'
        '"device_id":"dev-%08d","ip":"10.0.%d.%d"}',
        *(F.col("id") % m for m in (10**9, 10**5, 10**3, 10**7, 600, 10**5, 256, 251)),
    )
    rows = spark.range(lines).select(raw.alias("raw")).cache()
    rows.count()
    declared = list(table("silver/views").landed_names)
    ways: dict[str, list[dict]] = {way: [] for way in WAYS["json_check"]}
    for way in WAYS["json_check"] * 2:
        flat = parsing._FLAT if way == "flat-fast-path" else "(?!)"  # (?!): matches nothing
        text = F.col("raw")
        parsed = rows.select("raw", *parsing.json_columns(text, flat))
        problems = parsing._syntax_problems(
            text, F.col("_names"), F.col("_fields"), F.col("_flat"), declared
        )
        rule = F.lit(None).cast("string")
        for broken, says in reversed(problems):
            rule = F.when(broken, says).otherwise(rule)
        cpu, started = cpu_seconds(), time.monotonic()
        broken_lines = parsed.where(rule.isNotNull()).count()
        seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu
        assert broken_lines == 0, f"{broken_lines} generated lines broke a rule ({way})"
        ways[way].append({"seconds": seconds, "cpu_seconds": cpu})
    return {way: min(runs, key=lambda r: r["seconds"]) for way, runs in ways.items()}


def run(work: Path, quick: bool) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    rounds = 1 if quick else 2
    result: dict[str, dict] = {}
    for part, measure in (("imports", _imports), ("training", _training)):
        runs = [(way, measure(way, work)) for _ in range(rounds) for way in WAYS[part]]
        result[part] = {
            way: min((r for w, r in runs if w == way), key=lambda r: r["seconds"])
            for way in WAYS[part]
        }
    result["ge_variables"] = {
        way: run_module("overheads", "ge_variables", way, work) for way in WAYS["ge_variables"]
    }
    result["delta_log"] = run_module("overheads", "delta_log", "both", work)
    lines = 20_000 if quick else JSON_LINES
    result["json_check"] = run_module("overheads", "json_check", str(lines), work)
    return result


def render(r: dict) -> list[str]:
    what = {
        "imports": "importing the stack (one process start)",
        "training": f"two small training runs at once ({TRAINING_ROWS:,} rows each)",
        "ge_variables": f"{GE_LOOKUPS} look-ups of GE context variables",
        "delta_log": f"{DELTA_ROUNDS} delta-spark appends and reads of a small table",
        "json_check": f"silver's JSON syntax rule over {JSON_LINES:,} view lines (--quick: 20,000)",
    }
    lines = [
        "## Overheads: fixed costs of every process, gate and test, each both ways",
        "",
        "| cost | before | s | CPU s | after | s | CPU s | wall ratio |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for part, (before, after) in WAYS.items():
        b, a = r[part][before], r[part][after]
        lines.append(
            f"| {what[part]} | {before} | {b['seconds']:.2f} | {b['cpu_seconds']:.2f} |"
            f" {after} | {a['seconds']:.2f} | {a['cpu_seconds']:.2f} |"
            f" {a['seconds'] / b['seconds']:.2f}× |"
        )
    lines += [
        "",
        "- imports: `make install` compiles the venv's bytecode (`uv pip sync"
        " --compile-bytecode`); without it, where PYTHONDONTWRITEBYTECODE is set, every"
        " process compiled what it imported. Each Airflow task, CLI call and test worker pays it.",
        "- training: the test suite's workers run one OpenMP thread each (tests/conftest.py);"
        " the training stage in production keeps sklearn's default.",
        "- ge_variables: GE parses `uncommitted/config_variables.yml` at every look-up; the"
        " gates use no config variables, so the lake's GE project has none.",
        "- delta_log: `spark.databricks.delta.snapshotPartitions` follows `shuffle_partitions`.",
        "- json_check: a line with no backslash, control character or inner brace / bracket"
        " cannot break the surrogate, nesting, trailing-text or nested-field rules;"
        " tests/jobs/silver/test_flat_fast_path.py checks that no verdict changes.",
        "",
    ]
    return lines


def main(part: str, way: str, work: Path) -> None:
    if part == "fit":
        _fit()
    elif part == "ge_variables":
        emit(_ge_variables(way, work))
    elif part == "json_check":
        emit(_json_check(int(way)))
    else:
        emit(_delta_log(work))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
