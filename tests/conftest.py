"""Shared fixtures: one local Spark session for the whole run, and a fresh lake per test.

Under `make test` (pytest-xdist, `--dist loadfile`) each test module runs on one worker, so
its module fixtures are built once, and the gold modules that read the shared `built` lake
(aggregates, features and training over three days, `tests/built_lake.py`) run on
one worker together, so that lake is built once rather than on both workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.s3_server import S3Server

os.environ.setdefault("LIVELAKE_PII_KEY", "test-pii-key-not-secret")
# Two xdist workers share two cores with their Spark JVMs: sklearn's OpenMP threads, one per
# core in each worker, spin against each other (a small training run: 21 s wall, 11 CPU s;
# with one thread each, 5 s and 3).
os.environ.setdefault("OMP_NUM_THREADS", "1")

# The built lake's fixtures (`built`, `built_ctx`, `copy_ctx`), one definition for every module.
pytest_plugins = ("tests.built_lake",)

BUILT_LAKE_FIXTURES = frozenset({"built", "built_ctx", "copy_ctx"})
BUILT_LAKE_MODULES = frozenset(
    {
        *(
            f"tests/jobs/gold/{name}.py"
            for name in (
                "test_exact_money",
                "test_features",
                "test_known_as_of",
                "test_late_data",
                "test_training",
                "test_training_set",
                "test_training_set_rebuild",
            )
        ),
        "tests/model/test_score.py",
    }
)
# Modules whose tests run once per lake writer: the delta-spark half is a unit of its own, so
# the two halves run on both workers at once.
PER_WRITER_MODULES = frozenset({"tests/jobs/lake/test_lake_contract.py"})


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile`, except that the modules of `BUILT_LAKE_MODULES` form one unit and
    the modules of `PER_WRITER_MODULES` two.

    (xdist's own `loadgroup` cannot do it under pytest 9: its group marks never reach the
    node ids.) The controller sees node ids only, hence a list of modules; the collection
    hook below fails when a module outside it asks for the built lake.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndBuiltLake(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module in BUILT_LAKE_MODULES:
                return "built-lake"
            if module in PER_WRITER_MODULES and "[delta-spark" in nodeid:
                return f"{module}[delta-spark]"
            return module

    return ModulesAndBuiltLake(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The built-lake modules first (the longest unit should not start last), each module's
    tests still together and in order."""
    for item in items:
        module = item.path.relative_to(item.config.rootpath).as_posix()
        if BUILT_LAKE_FIXTURES & set(item.fixturenames) and module not in BUILT_LAKE_MODULES:
            raise pytest.UsageError(
                f"{item.nodeid} reads the shared built lake: add {module} to "
                "BUILT_LAKE_MODULES in tests/conftest.py"
            )
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in BUILT_LAKE_MODULES)


# An `s3://bucket/prefix` here puts every test lake on that object store (the AWS variables
# name the server): tests/integration/test_lake_on_s3.py runs the lake contract's key cases so,
# in a pytest process of their own, against moto on 127.0.0.1.
OBJECT_STORE = os.environ.get("LIVELAKE_TEST_OBJECT_STORE")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--spark-connect",
        action="store_true",
        help="the `spark` fixture is a client of a Spark Connect server the run starts and "
        "stops (`livelake spark start`); tests/integration/test_connect.py runs it",
    )


@pytest.fixture(scope="session")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Spark Connect server on a free loopback port, started and stopped by the code
    of `livelake spark start|stop`; its `sc://` address."""
    from livelake import spark_server
    from livelake.config import load_settings
    from tests.integration.spark_cluster import free_port

    cfg = load_settings(
        run_dir=str(tmp_path_factory.mktemp("run")),
        spark_master="local[2]",
        shuffle_partitions=2,
        driver_memory="2g",
    )
    state = spark_server.start(cfg, port=free_port())
    yield state.remote
    spark_server.stop(cfg)


@pytest.fixture(scope="session")
def spark(request: pytest.FixtureRequest):
    """Local in-process Spark; with `--spark-connect`, a client of `connect_server` (a process
    is one or the other: `livelake.spark.get_spark`)."""
    from livelake.config import load_settings
    from livelake.spark import get_spark

    on_store = {"lake_root": OBJECT_STORE} if OBJECT_STORE else {}
    if request.config.getoption("--spark-connect"):
        remote = request.getfixturevalue("connect_server")
        # Child processes (the contract's crash test) and `settings()` connect to it too.
        os.environ["LIVELAKE_SPARK_REMOTE"] = remote
        session = get_spark(load_settings(spark_remote=remote, shuffle_partitions=2, **on_store))
    else:
        # One task thread: the two xdist workers already keep both cores busy, and two task
        # threads each only made their JVMs contend (shuffles still have two partitions).
        session = get_spark(
            load_settings(spark_master="local[1]", shuffle_partitions=2, **on_store)
        )
    yield session
    session.stop()


@pytest.fixture
def lake_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path | str]:
    """An empty lake; LIVELAKE_LAKE_ROOT points at it so JVM-free readers find it too. A
    local folder, or a fresh `s3://` prefix under `LIVELAKE_TEST_OBJECT_STORE`."""
    from livelake.config import settings

    root = f"{OBJECT_STORE}/{tmp_path.name}" if OBJECT_STORE else tmp_path / "lake"
    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", str(root))
    monkeypatch.setenv("LIVELAKE_LANDING_ROOT", str(tmp_path / "landing"))
    settings.cache_clear()
    yield root
    settings.cache_clear()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto's S3 server on a free port of 127.0.0.1 with one bucket, for the session."""
    from tests.s3_server import start

    server = start(tmp_path_factory.mktemp("s3") / "moto.log")
    server.create_bucket()
    yield server
    server.stop()


@pytest.fixture
def lake(spark, lake_root):
    from livelake.config import settings
    from livelake.lake import open_lake

    return open_lake(spark, settings())
