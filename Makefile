# livelake — the two commands a newcomer needs are `make demo` and `make test`.
# Both create .venv and install the pinned lock file themselves.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
# The scripts and styles of the Data Docs pages, pinned in npm's lock (jobs/quality/offline_docs.py).
DOCS_ASSETS := livelake/resources/docs_assets
# uv and npm trust the operating system's certificate store (corporate TLS proxies, custom
# CAs); node's own bundle does not know them.
export UV_SYSTEM_CERTS := 1
NPM := NODE_OPTIONS="--use-openssl-ca $${NODE_OPTIONS:-}" npm

.PHONY: install demo test test-slow test-integration test-object-store test-connect test-faults test-bench bench lint fmt lock airflow clean check-java help

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

check-java:
	@command -v java >/dev/null 2>&1 || [ -x "$${JAVA_HOME:-/nonexistent}/bin/java" ] || { echo "livelake needs Java 17 for Spark: install it (Debian: apt-get install openjdk-17-jre-headless) and retry."; exit 1; }

# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (CI images, containers)
# every process would otherwise compile the stack it imports again (here 18 s wall, 9 CPU s;
# compiled, about 9 s and 4).
$(STAMP): requirements.lock jars.lock pyproject.toml $(DOCS_ASSETS)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "livelake needs npm to install the Data Docs page assets (Debian: apt-get install npm) and retry."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { echo "livelake needs Python 3.11 (found: $$($(PYTHON) --version 2>&1 || echo none)); install it or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m livelake.jars install
	$(NPM) ci --prefix $(DOCS_ASSETS) --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP)  ## create .venv from the lock file

demo: check-java $(STAMP)  ## run the daily pipeline end to end on generated data (local Spark, lake in ./lake)
	$(BIN)/livelake demo

test: check-java $(STAMP)  ## run the test suite (unit + contract + DAG tests) on two pytest-xdist workers, a module per worker (the modules on the shared gold lake together: tests/conftest.py)
	$(BIN)/python -m pytest -q -m 'not integration and not bench and not slow and not faults and not connect' -n 2 --dist loadfile --durations=25; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

test-slow: check-java $(STAMP)  ## the multi-day pipeline tests (backfill, maintenance, real-log adapters into silver)
	$(BIN)/python -m pytest -q -m slow; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

# The lake on S3 and the Spark Connect suites (about 37 and 20 min on this 2-core machine) have
# targets of their own until the default run is under 10 minutes and CI has room for them.
HEAVY_INTEGRATION := tests/integration/test_lake_on_s3.py tests/integration/test_connect.py
test-integration: check-java $(STAMP)  ## real Airflow scheduler + Spark standalone cluster tests, and the fault-injection suite
	$(BIN)/python -m pytest -q -m 'integration or faults' $(HEAVY_INTEGRATION:%=--ignore=%) --durations=10

test-object-store: check-java $(STAMP)  ## a generated day and the lake contract on S3 (moto on 127.0.0.1), compared with local disk
	$(BIN)/python -m livelake.jars install --with object-store
	$(BIN)/python -m pytest -q -m integration tests/integration/test_lake_on_s3.py --durations=10

test-connect: check-java $(STAMP)  ## the lake contract, GE and a killed server over a real Spark Connect server
	$(BIN)/python -m pytest -q -m integration tests/integration/test_connect.py --durations=10

test-faults: check-java $(STAMP)  ## fault injection: kill -9 at stage boundaries and in commits, two writers, a truncated file, the PII scan
	$(BIN)/python -m pytest -q -m faults

test-bench: check-java $(STAMP)  ## the benchmark runner's heavy --quick sections, as tests
	$(BIN)/python -m pytest -q -m bench

bench: check-java $(STAMP)  ## run the benchmarks, write BENCHMARKS.md
	$(BIN)/python -m benchmarks.run

AIRFLOW_PORT ?= 8080
SPARK_CONNECT_PORT ?= 15002
# Tasks are clients of one local Spark Connect server (livelake spark start): no JVM and no
# Spark start-up per task. The trap stops the server when Airflow stops (Ctrl-C).
airflow: check-java $(STAMP)  ## Airflow 3 UI + scheduler on 127.0.0.1:8080 (AIRFLOW_HOME=./airflow_home, dags/), tasks on a local Spark Connect server
	@mkdir -p airflow_home
	$(BIN)/livelake spark start --port $(SPARK_CONNECT_PORT)
	@echo "Airflow UI: http://127.0.0.1:$(AIRFLOW_PORT)  login: admin  password: printed below on first start, then in airflow_home/simple_auth_manager_passwords.json.generated"
	@echo "Lake: $${LIVELAKE_LAKE_ROOT:-$(CURDIR)/lake}  landing: $${LIVELAKE_LANDING_ROOT:-$(CURDIR)/landing}  (Ctrl-C stops everything)"
	trap '$(BIN)/livelake spark stop' EXIT INT TERM; \
	LIVELAKE_SPARK_REMOTE=sc://127.0.0.1:$(SPARK_CONNECT_PORT) \
	PATH="$(CURDIR)/$(BIN):$$PATH" \
	AIRFLOW_HOME="$(CURDIR)/airflow_home" \
	AIRFLOW__CORE__DAGS_FOLDER="$(CURDIR)/dags" \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	AIRFLOW__API__HOST=127.0.0.1 AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
	AIRFLOW__API__BASE_URL=http://127.0.0.1:$(AIRFLOW_PORT) \
	AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$(AIRFLOW_PORT)/execution/ \
	LIVELAKE_LAKE_ROOT="$${LIVELAKE_LAKE_ROOT:-$(CURDIR)/lake}" \
	LIVELAKE_LANDING_ROOT="$${LIVELAKE_LANDING_ROOT:-$(CURDIR)/landing}" \
	LIVELAKE_PII_KEY="$${LIVELAKE_PII_KEY:-$$(cat .livelake/pii.key 2>/dev/null)}" \
	$(BIN)/airflow standalone

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

fmt: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

lock:  ## re-resolve requirements.lock from pyproject.toml and jars.lock (the Delta Spark jars; the S3A jars of the object-store group) with Maven
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
	$(BIN)/python -m livelake.jars lock

clean:
	rm -rf $(VENV) lake .pytest_cache airflow_home
