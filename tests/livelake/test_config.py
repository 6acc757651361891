"""Configuration: defaults, file, environment, and one-line errors."""

from __future__ import annotations

import pytest

from livelake.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("LIVELAKE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_local_setup(tmp_path):
    cfg = load_settings()
    assert cfg.spark_master == "local[*]"
    assert cfg.delta_writer == "auto"
    assert cfg.lake_root == str(tmp_path / "lake")
    assert cfg.is_local and cfg.lake_is_local


def test_environment_overrides_the_file(monkeypatch, tmp_path):
    (tmp_path / "livelake.toml").write_text(
        '[livelake]\nspark_master = "local[2]"\nlake_root = "/data/lake"\n'
    )
    monkeypatch.setenv("LIVELAKE_SPARK_MASTER", "spark://127.0.0.1:7077")
    cfg = load_settings()
    assert cfg.spark_master == "spark://127.0.0.1:7077"
    assert cfg.lake_root == "/data/lake"
    assert not cfg.is_local


def test_remote_lake_roots_pass_through_unchanged(monkeypatch):
    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", "s3://bucket/lake/")
    cfg = load_settings()
    assert cfg.lake_root == "s3://bucket/lake"
    assert not cfg.lake_is_local


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("LIVELAKE_DELTA_WRITER", "parquet", "delta_writer: Input should be 'auto', 'delta-rs'"),
        ("LIVELAKE_SPARK_MASTER", "mainframe", "spark_master: Value error, expected local[*]"),
        ("LIVELAKE_SHUFFLE_PARTITIONS", "0", "shuffle_partitions: Input should be greater"),
        ("LIVELAKE_SPARK_REMOTE", "localhost:15002", "spark_remote: Value error, expected sc://"),
        ("LIVELAKE_REPORTS_ROOT", "s3://bucket/reports", "reports_root: Value error, expected a"),
    ],
)
def test_an_invalid_value_fails_with_one_line_naming_the_key(monkeypatch, env, value, expected):
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"invalid config: {expected}")
    assert "\n" not in message


def test_an_unknown_key_in_the_file_is_refused(tmp_path):
    (tmp_path / "livelake.toml").write_text('[livelake]\nlake_rooot = "x"\n')
    with pytest.raises(ConfigError, match="lake_rooot"):
        load_settings()


def test_reports_go_to_the_reports_root_which_a_lake_on_s3_needs(monkeypatch, tmp_path):
    from livelake.config import settings
    from livelake.jobs.quality.gx_context import docs_dir, is_local

    monkeypatch.setenv("LIVELAKE_LAKE_ROOT", "s3://bucket/lake")
    settings.cache_clear()
    assert not is_local("s3://bucket/lake")
    with pytest.raises(ValueError, match=r"s3://bucket/lake is remote: set reports_root"):
        docs_dir("s3://bucket/lake")
    monkeypatch.setenv("LIVELAKE_REPORTS_ROOT", "reports")
    settings.cache_clear()
    assert is_local("s3://bucket/lake")
    assert docs_dir("s3://bucket/lake") == tmp_path / "reports" / "reports" / "data_docs"
    assert docs_dir("/data/lake") == tmp_path / "reports" / "reports" / "data_docs"
    settings.cache_clear()
