"""The Delta Spark jars: installed from jars.lock, verified, and optional (delta-rs without)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pyspark
import pytest

from livelake import jars

# A small jar of the lock, so Maven (or its local cache) serves it quickly.
SMALL = "javax.annotation:javax.annotation-api:1.3.2"


def small_jar_lock(tmp_path, sha256):
    lock = tmp_path / "jars.lock"
    lock.write_text(f"# test\n{SMALL} sha256={sha256}\n")
    return lock


def locked_sha256(coordinate):
    return next(j.sha256 for j in jars.read_lock() if j.coordinate == coordinate)


def test_the_python_package_and_the_jars_are_one_delta_release_for_the_locked_spark():
    delta = next(j for j in jars.read_lock() if j.coordinate.startswith("io.delta:delta-spark_"))
    _, artifact, jar_version = delta.coordinate.split(":")
    assert version("delta-spark") == jar_version
    spark_minor = ".".join(pyspark.__version__.split(".")[:2])
    assert artifact == f"delta-spark_{spark_minor}_2.13"
    assert {"io.delta:delta-storage:" + jar_version} <= {j.coordinate for j in jars.read_lock()}


def test_the_object_store_group_is_s3a_for_pysparks_hadoop_without_the_sdk_bundle():
    store = {j.coordinate for j in jars.read_lock(group=jars.OBJECT_STORE)}
    hadoop = next((Path(pyspark.__file__).parent / "jars").glob("hadoop-client-api-*.jar"))
    assert f"org.apache.hadoop:hadoop-aws:{hadoop.name.split('-')[-1][:-4]}" in store
    modules = {f"software.amazon.awssdk:{m}:{jars.AWS_SDK_VERSION}" for m in jars.AWS_SDK_MODULES}
    assert modules <= store
    assert not any(c.startswith(jars.AWS_SDK_BUNDLE + ":") for c in store)
    delta = {c.rsplit(":", 1)[0] for c in (j.coordinate for j in jars.read_lock())}
    assert not delta & {c.rsplit(":", 1)[0] for c in store}, "each jar in one group only"
    assert not any("hadoop-aws" in j.coordinate for j in jars.read_lock())


def test_install_puts_only_verified_jars_in_place(tmp_path):
    target = tmp_path / "jars"
    lock = small_jar_lock(tmp_path, locked_sha256(SMALL))
    assert "1 verified and installed" in jars.install(lock, target)
    assert [p.name for p in jars.installed(target)] == ["javax.annotation-api-1.3.2.jar"]
    assert "already installed" in jars.install(lock, target)


def test_a_jar_that_does_not_match_its_checksum_is_refused(tmp_path):
    target = tmp_path / "jars"
    with pytest.raises(jars.JarsError, match=r"javax.annotation-api:1.3.2: sha256 \w+ is not"):
        jars.install(small_jar_lock(tmp_path, "0" * 64), target)
    assert jars.installed(target) == []


def test_without_maven_install_says_so_once_and_installs_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn here
    target = tmp_path / "jars"
    message = jars.install(small_jar_lock(tmp_path, "0" * 64), target)
    assert message.startswith("Delta Spark jars not installed: Maven (mvn) is not on PATH")
    assert "delta-rs writer will commit" in message
    assert jars.installed(target) == []


def test_a_failed_download_says_so_once_and_installs_nothing(tmp_path):
    lock = tmp_path / "jars.lock"
    lock.write_text(f"io.delta:no-such-artifact:0.0.1 sha256={'0' * 64}\n")
    message = jars.install(lock, tmp_path / "jars")
    assert message.startswith("Delta Spark jars not installed: Maven could not fetch them")
    assert jars.installed(tmp_path / "jars") == []


def test_the_test_session_runs_with_the_installed_jars(spark):
    from livelake.config import load_settings
    from livelake.spark import delta_jars, delta_jars_present

    assert len(delta_jars(load_settings())) == len(jars.read_lock())
    assert delta_jars_present(spark)
    assert delta_jars(load_settings(delta_writer="delta-rs")) == []
    assert delta_jars(load_settings(spark_master="spark://127.0.0.1:7077")) == []


def test_without_jars_auto_commits_with_delta_rs_and_delta_spark_is_a_clear_error(tmp_path):
    script = textwrap.dedent(
        f"""
        from livelake.config import load_settings
        from livelake.lake import LakeError, open_lake
        from livelake.spark import get_spark
        cfg = load_settings(
            lake_root={str(tmp_path / "lake")!r}, spark_master="local[1]",
            delta_jars_dir={str(tmp_path / "no-jars")!r},
        )
        spark = get_spark(cfg)
        print(type(open_lake(spark, cfg)).__name__)
        try:
            open_lake(spark, cfg.model_copy(update={{"delta_writer": "delta-spark"}}))
        except LakeError as exc:
            print(exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    chosen, error = done.stdout.strip().splitlines()[-2:]
    assert chosen == "DeltaRsLake"
    assert error.startswith("delta_writer=delta-spark but io.delta.sql.DeltaSparkSessionExtension")
    assert "make install" in error
