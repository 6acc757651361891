"""Submit one stage to a Spark cluster with the `spark-submit` that ships with pyspark.

The driver runs `spark_entry.py` (client deploy mode), which runs exactly what a local task
runs and writes the StageReport as JSON for us to read back. Cluster settings come from
`$SPARK_CONF_DIR/spark-defaults.conf` (examples in `infra/spark/`); the lake root and every
other livelake setting reach the driver through the inherited `LIVELAKE_*` environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import deque
from datetime import date
from pathlib import Path

from livelake.config import Settings
from livelake.jobs.report import StageReport
from livelake.spark import spark_home

ENTRY_FILE = Path(__file__).with_name("spark_entry.py")
# spark_entry exits with this code when the stage reported `failed` (vs. 1 for a crash).
STAGE_FAILED_EXIT = 3
TAIL_LINES = 40


class SparkSubmitError(RuntimeError):
    """spark-submit itself or the driver crashed: a transient failure, worth a retry."""


def spark_submit_command(cfg: Settings, stage: str, day: date, report_path: Path) -> list[str]:
    return [
        str(spark_home() / "bin" / "spark-submit"),
        "--master",
        cfg.spark_master,
        "--deploy-mode",
        "client",
        "--name",
        f"livelake-{stage}-{day.isoformat()}",
        "--conf",
        f"spark.pyspark.python={sys.executable}",
        "--conf",
        f"spark.pyspark.driver.python={sys.executable}",
        str(ENTRY_FILE),
        "--stage",
        stage,
        "--day",
        day.isoformat(),
        "--report",
        str(report_path),
    ]


def settings_env(cfg: Settings) -> dict[str, str]:
    """`cfg` as LIVELAKE_* variables, so the submitted driver resolves the same settings."""
    return {
        f"LIVELAKE_{name.upper()}": str(value)
        for name, value in cfg.model_dump().items()
        if value is not None
    }


def submit_stage(cfg: Settings, stage: str, day: date) -> StageReport:
    """Run `stage` for `day` on `cfg.spark_master`; stream the driver's log to ours."""
    from livelake.orchestration.report_json import loads

    with tempfile.TemporaryDirectory(prefix="livelake-submit-") as scratch:
        report_path = Path(scratch) / "report.json"
        command = spark_submit_command(cfg, stage, day, report_path)
        print("livelake: " + " ".join(command), flush=True)
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        env = {**os.environ, **settings_env(cfg), "PYSPARK_PYTHON": sys.executable}
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                print(line, end="", flush=True)
                tail.append(line)
            code = proc.wait()
        if code in (0, STAGE_FAILED_EXIT) and report_path.exists():
            return loads(report_path.read_text())
        raise SparkSubmitError(
            f"spark-submit of stage {stage} for {day} on {cfg.spark_master} exited with {code}; "
            "last lines:\n" + "".join(tail)
        )
