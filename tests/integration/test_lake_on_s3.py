"""The lake on an object store (issue #19, item 4): moto's S3 server on 127.0.0.1, the lake
at `s3://…` for delta-rs, pyarrow and Polars and at `s3a://…` for Spark.

A generated demo-size day runs end to end (`livelake run`: every daily stage and gate) once on
local disk and then on S3 with each writer, from the same landing files, and every data table
must hold the same rows in each lake (content hashes without the columns naming the run:
`faults.py`). Eight delta-rs writers race for one version on S3 and lose no commit.
The lake contract's key cases run against S3 too, on both writers, in a pytest process of
their own (its Spark session has the S3A jars and settings).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from deltalake.transaction import CommitProperties

from livelake.config import settings
from livelake.generator import GeneratorConfig, generate
from livelake.lake.read import read_table
from tests.integration.faults import EMPTY, REPO, report, table_hashes
from tests.s3_server import S3Server

pytestmark = pytest.mark.integration

DAY = date(2026, 1, 1)
PII_KEY = "s3-suite-pii-key-not-secret"
# The contract's cases that hold whatever the store: partition replacement, reads with and
# without Spark, concurrent appends, conflicts, run metadata, reader agreement, time travel.
CONTRACT_CASES = (
    "test_rerunning_a_day_replaces_only_that_days_partition",
    "test_a_staged_write_reads_the_same_rows_with_and_without_spark",
    "test_file_statistics_come_from_the_log_and_count_every_published_row",
    "test_concurrent_appends_lose_and_duplicate_nothing",
    "test_conflicting_merges_fail_the_loser_with_a_clear_message",
    "test_a_commit_between_a_merges_read_and_its_staging_is_a_conflict_then_a_retry_merges",
    "test_every_commit_carries_run_metadata",
    "test_spark_delta_rs_and_polars_read_identical_rows",
    "test_time_travel_returns_the_older_rows",
)


@pytest.fixture
def on_s3(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """This process reads the S3 lakes as any client does: through the AWS variables."""
    for name, value in s3_server.environment().items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    yield s3_server
    settings.cache_clear()


def run_day(lake_root: str, landing: Path, reports: Path, env: dict[str, str], log: Path) -> None:
    child = {k: v for k, v in os.environ.items() if not k.startswith("LIVELAKE_")}
    child |= env | {
        "LIVELAKE_LAKE_ROOT": lake_root,
        "LIVELAKE_LANDING_ROOT": str(landing),
        "LIVELAKE_REPORTS_ROOT": str(reports),
        "LIVELAKE_PII_KEY": PII_KEY,
        "LIVELAKE_SPARK_MASTER": "local[1]",
        "LIVELAKE_DRIVER_MEMORY": "1g",
        "LIVELAKE_SHUFFLE_PARTITIONS": "1",
        "COLUMNS": "200",
    }
    command = [str(Path(sys.executable).with_name("livelake")), "run", "--day", DAY.isoformat()]
    with log.open("w") as out:
        done = subprocess.run(command, cwd=REPO, env=child, stdout=out, stderr=subprocess.STDOUT)
    assert done.returncode == 0, f"livelake run on {lake_root} failed:\n{log.read_text()[-4000:]}"


@dataclass(frozen=True)
class LocalDay:
    """The day's landing files and the lake one run of them on local disk published."""

    landing: Path
    lake_root: str
    hashes: dict[str, str]


@pytest.fixture(scope="module")
def local_day(tmp_path_factory: pytest.TempPathFactory) -> LocalDay:
    root = tmp_path_factory.mktemp("local-day")
    landing, lake_root = root / "landing", str(root / "lake")
    generate(GeneratorConfig(DAY, days=1, users=2_000, events_per_day=20_000, seed=7), landing)
    run_day(lake_root, landing, root / "reports", {}, root / "run.log")
    hashes = table_hashes(lake_root)
    published = {name for name, digest in hashes.items() if digest != EMPTY}
    assert {"silver/orders", "gold/user_features", "gold/training_examples"} <= published
    return LocalDay(landing, lake_root, hashes)


@pytest.mark.parametrize("writer", ["delta-rs", "delta-spark"])
def test_a_day_on_s3_publishes_the_same_tables_as_on_local_disk(on_s3, local_day, writer, tmp_path):
    """The local run commits with delta-rs; on S3 each writer commits the same rows."""
    s3_lake = on_s3.lake_root(f"day-{writer}")
    env = on_s3.environment() | {"LIVELAKE_DELTA_WRITER": writer}
    run_day(s3_lake, local_day.landing, tmp_path / "reports", env, tmp_path / "run.log")

    remote = table_hashes(s3_lake)
    assert remote == local_day.hashes, report(
        "tables that differ", {"local": local_day.hashes, f"s3 ({writer})": remote}
    )
    assert (tmp_path / "reports" / "reports" / "data_docs" / "index.html").is_file()
    # A reader without a JVM finds the S3 lake through the same AWS variables.
    views = read_table("silver/views", engine="polars", lake_root=s3_lake)
    local_views = read_table("silver/views", engine="polars", lake_root=local_day.lake_root)
    assert views.height == local_views.height > 0
    assert pl.read_delta(f"{s3_lake}/silver/views").height >= views.height


def test_delta_rs_writers_racing_from_one_version_lose_no_commit_on_s3(on_s3):
    """delta-rs writes a version's log file with `If-None-Match: *`: of the writers that
    race for one version exactly one gets it, the others see the conflict and retry on the
    next version. (A check-then-put would let two of them write the same version.)"""
    uri = f"{on_s3.lake_root('race')}/appends"
    write_deltalake(uri, pa.table({"writer": pa.array([], pa.int64())}))
    writers = 8
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def append(writer: int) -> None:
        stale = DeltaTable(uri)  # every writer starts from version 0
        start.wait()
        try:
            row = pa.table({"writer": [writer]})
            retries = CommitProperties(max_commit_retries=2 * writers)
            write_deltalake(stale, row, mode="append", commit_properties=retries)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert DeltaTable(uri).version() == writers
    assert sorted(pl.read_delta(uri)["writer"].to_list()) == list(range(writers))


def test_the_lake_contracts_key_cases_hold_on_s3(s3_server, tmp_path):
    env = os.environ | s3_server.environment()
    env["LIVELAKE_TEST_OBJECT_STORE"] = s3_server.lake_root("contract")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["tests/jobs/lake/test_lake_contract.py", "-k", " or ".join(CONTRACT_CASES)]
    command += ["--basetemp", str(tmp_path / "contract")]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert f"{2 * len(CONTRACT_CASES)} passed" in summary, done.stdout[-3000:]
