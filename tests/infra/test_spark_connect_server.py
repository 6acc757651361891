"""The Kubernetes deployment of the Spark Connect server (infra/k8s/spark-connect-server.yaml)
says what the script and the settings say. No cluster here to apply it: this checks that it
parses and that its names, command, ports and settings fit together."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from livelake.config import Settings

INFRA = Path(__file__).resolve().parents[2] / "infra"
SCRIPT = INFRA / "spark" / "connect-server.sh"


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict]:
    documents = yaml.safe_load_all((INFRA / "k8s" / "spark-connect-server.yaml").read_text())
    return {document["kind"]: document for document in documents}


def spark_defaults(manifest: dict[str, dict]) -> dict[str, str]:
    text = manifest["ConfigMap"]["data"]["spark-defaults.conf"]
    lines = (line.split(None, 1) for line in text.splitlines() if line and line[0] != "#")
    return {key: value.strip() for key, value in lines}


def container(manifest: dict[str, dict]) -> dict:
    (only,) = manifest["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def test_it_is_a_config_a_single_driver_and_a_service(manifest):
    assert set(manifest) == {"ConfigMap", "Deployment", "Service"}
    spec = manifest["Deployment"]["spec"]
    assert (spec["replicas"], spec["strategy"]["type"]) == (1, "Recreate")
    namespaces = {document["metadata"]["namespace"] for document in manifest.values()}
    assert namespaces == {"livelake"}


def test_the_container_runs_the_script_from_the_image_on_a_kubernetes_master(manifest):
    workdir = re.search(r"^WORKDIR (\S+)$", (INFRA / "docker" / "Dockerfile").read_text(), re.M)
    assert "COPY infra/spark infra/spark" in (INFRA / "docker" / "Dockerfile").read_text()
    assert container(manifest)["command"] == [
        f"{workdir.group(1)}/{SCRIPT.relative_to(INFRA.parent)}"
    ]
    env = {item["name"]: item["value"] for item in container(manifest)["env"]}
    assert env["LIVELAKE_SPARK_MASTER"].startswith("k8s://")
    livelake_keys = {
        name.removeprefix("LIVELAKE_").lower() for name in env if name.startswith("LIVELAKE_")
    }
    assert livelake_keys <= set(Settings.model_fields)
    (mount,) = container(manifest)["volumeMounts"]
    assert env["SPARK_CONF_DIR"] == mount["mountPath"]
    assert "LIVELAKE_SPARK_CONNECT_HOST" not in env  # the script's 0.0.0.0 applies
    assert 'LIVELAKE_SPARK_CONNECT_HOST="${LIVELAKE_SPARK_CONNECT_HOST:-0.0.0.0}"' in (
        SCRIPT.read_text()
    )


def test_clients_and_executors_reach_the_ports_the_server_and_driver_listen_on(manifest):
    conf = spark_defaults(manifest)
    ports = {port["name"]: port["containerPort"] for port in container(manifest)["ports"]}
    assert ports == {
        "spark-connect": Settings.model_fields["spark_connect_port"].default,
        "driver": int(conf["spark.driver.port"]),
        "block-manager": int(conf["spark.driver.blockManager.port"]),
    }
    service = manifest["Service"]
    assert service["spec"]["selector"] == manifest["Deployment"]["spec"]["selector"]["matchLabels"]
    assert {p["name"]: p["port"] for p in service["spec"]["ports"]} == ports
    assert {p["targetPort"] for p in service["spec"]["ports"]} == set(ports)
    # Executors dial the driver by the headless Service's name, also before the pod is ready.
    name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
    assert conf["spark.driver.host"] == f"{name}.{namespace}.svc.cluster.local"
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"]
    volume = manifest["Deployment"]["spec"]["template"]["spec"]["volumes"][0]
    assert volume["configMap"]["name"] == manifest["ConfigMap"]["metadata"]["name"]
