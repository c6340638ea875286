# Quick start: `make run` (set up, generate a demo delivery if none, run everything),
# `make test`, `make ui`. Only Python >= 3.11 and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CSENET_LANDING_DIR ?= data/landing
export CSENET_WAREHOUSE_DIR ?= data/warehouse
export CSENET_CORRECTIONS_DIR ?= data/corrections
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DEMO_PEOPLE ?= 3000

.PHONY: install run test test-fast ui generate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml: dagster_home/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster_home/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

run: install
	@if ! ls $(CSENET_LANDING_DIR)/*/manifest.json >/dev/null 2>&1; then \
		echo "No delivery in $(CSENET_LANDING_DIR): generating a synthetic demo delivery"; \
		$(BIN)/csenet generate --out data --people $(DEMO_PEOPLE) --seed 7; \
	fi
	$(BIN)/csenet run

test: install
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow and not browser"

ui: install
	$(BIN)/dg dev --workspace workspace.yaml --host 127.0.0.1 --port 3000

bench: install
	$(BIN)/python benchmarks/run_benchmarks.py

clean:
	rm -rf data/warehouse .dagster_home
