"""The session factory's object-store half: S3A jars and settings for a lake on S3."""

from __future__ import annotations

import pytest

from livelake import jars
from livelake.config import load_settings
from livelake.spark import JarsMissingError, object_store_jars, s3a_settings

MOTO = {
    "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    "AWS_ACCESS_KEY_ID": "key",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_REGION": "us-east-1",
}


def test_s3a_reaches_the_endpoint_and_region_the_aws_variables_name_by_path():
    assert s3a_settings(MOTO) == {
        "spark.hadoop.fs.s3a.endpoint": "http://127.0.0.1:5000",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",
    }


def test_s3a_settings_never_copy_the_credentials():
    assert not {"key", "secret"} & set(s3a_settings(MOTO).values())


def test_an_s3_only_endpoint_and_virtual_hosted_style_win():
    environ = {
        "AWS_ENDPOINT_URL": "http://other:1",
        "AWS_ENDPOINT_URL_S3": "https://s3.example.com",
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": "true",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    assert s3a_settings(environ) == {
        "spark.hadoop.fs.s3a.endpoint": "https://s3.example.com",
        "spark.hadoop.fs.s3a.path.style.access": "false",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "true",
        "spark.hadoop.fs.s3a.endpoint.region": "eu-central-1",
    }


def test_on_aws_itself_s3a_needs_only_the_region():
    assert s3a_settings({"AWS_REGION": "us-west-2"}) == {
        "spark.hadoop.fs.s3a.endpoint.region": "us-west-2"
    }


def test_only_a_local_session_that_reaches_s3_loads_the_object_store_jars(tmp_path, monkeypatch):
    monkeypatch.setattr(jars, "default_dir", lambda group=jars.DELTA: tmp_path / group)
    assert object_store_jars(load_settings(lake_root=str(tmp_path / "lake"))) == []
    on_cluster = load_settings(lake_root="s3://b/lake", spark_master="spark://127.0.0.1:7077")
    assert object_store_jars(on_cluster) == []
    with pytest.raises(JarsMissingError, match=r"install --with object-store"):
        object_store_jars(load_settings(lake_root="s3://b/lake"))
    (tmp_path / jars.OBJECT_STORE).mkdir()
    (tmp_path / jars.OBJECT_STORE / "hadoop-aws-3.5.0.jar").touch()
    assert [p.name for p in object_store_jars(load_settings(lake_root="s3a://b/lake"))] == [
        "hadoop-aws-3.5.0.jar"
    ]
    landing_on_s3 = load_settings(lake_root=str(tmp_path / "lake"), landing_root="s3://b/in")
    assert len(object_store_jars(landing_on_s3)) == 1
