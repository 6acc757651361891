#!/usr/bin/env bash
# One Spark Connect server whose driver runs against a cluster; every Airflow task, `livelake
# run` and backfill is its client (LIVELAKE_SPARK_REMOTE=sc://<this host>:<port>) and needs no
# JVM. It runs in the foreground (`livelake spark start --foreground`): run it under systemd,
# supervisord or as a container's command (infra/k8s/spark-connect-server.yaml); its log is
# this script's output. Every LIVELAKE_* setting of the lake (lake_root, pii_key, …) applies.
#
#   LIVELAKE_SPARK_MASTER=spark://master:7077 infra/spark/connect-server.sh
#
# Executors on the cluster must reach this host (Spark's driver address) and run the same
# Python environment at the same path; clients must reach its port.
set -euo pipefail

: "${LIVELAKE_SPARK_MASTER:?set LIVELAKE_SPARK_MASTER to the cluster: spark://host:7077, yarn, k8s://…}"
export LIVELAKE_SPARK_MASTER
export SPARK_CONF_DIR="${SPARK_CONF_DIR:-$(cd "$(dirname "$0")" && pwd)/standalone}"
# Clients come from other hosts: listen on every address (the port: spark_connect_port, 15002).
export LIVELAKE_SPARK_CONNECT_HOST="${LIVELAKE_SPARK_CONNECT_HOST:-0.0.0.0}"

exec livelake spark start --foreground
