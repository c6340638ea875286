# Quick start: `make run` (set up, generate a demo delivery if none, run everything),
# `make test`, `make ui`. Only Python >= 3.11 and make are needed; dependencies
# are installed into .venv at the exact versions of constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CSENET_LANDING_DIR ?= data/landing
export CSENET_WAREHOUSE_DIR ?= data/warehouse
export CSENET_CORRECTIONS_DIR ?= data/corrections
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
DEMO_PEOPLE ?= 3000
DEMO_SEED ?= 7
UI_HOST ?= 127.0.0.1
UI_PORT ?= 3000
# A demo delivery is generated into the folder that holds the landing folder.
DEMO_OUT := $(patsubst %/,%,$(dir $(CSENET_LANDING_DIR)))

.PHONY: install run test test-fast ui generate summary bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python >= 3.11 is needed (found $$($(PYTHON) --version)); run e.g. make PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(DAGSTER_HOME)/dagster.yaml

$(DAGSTER_HOME)/dagster.yaml: dagster_home/dagster.yaml
	mkdir -p -m 700 $(DAGSTER_HOME)
	chmod 700 $(DAGSTER_HOME)
	cp dagster_home/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# Materialise every asset for the newest complete delivery, then print the summary.
run: install
	@if ! ls $(CSENET_LANDING_DIR)/*/manifest.json >/dev/null 2>&1; then \
		if [ "$$(basename $(CSENET_LANDING_DIR))" != "landing" ]; then \
			echo "No delivery in $(CSENET_LANDING_DIR); a demo delivery can only be generated when its name is 'landing'."; exit 1; \
		fi; \
		echo "No delivery in $(CSENET_LANDING_DIR): generating a synthetic demo delivery ($(DEMO_PEOPLE) people)"; \
		$(BIN)/csenet generate --out $(DEMO_OUT) --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) || exit 1; \
	fi
	$(BIN)/csenet run

# A synthetic delivery (and its ground truth) whether or not one exists.
generate: install
	$(BIN)/csenet generate --out $(DEMO_OUT) --people $(DEMO_PEOPLE) --seed $(DEMO_SEED)

summary: install
	$(BIN)/csenet summary

# Two pytest-xdist workers (the CI machine has two cores). Tests of the shared 20,000-person
# run are kept on one worker (tests/conftest.py), so that run is made once. TEST_WORKERS=0
# runs the suite in one process.
TEST_WORKERS ?= 2
TEST_PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)

test: install
	$(BIN)/pytest -q $(TEST_PARALLEL)

test-fast: install
	$(BIN)/pytest -q $(TEST_PARALLEL) -m "not slow and not browser"

# The Dagster UI (and its daemon: the delivery sensor) on this machine only.
ui: install
	umask 077 && $(BIN)/dg dev --workspace workspace.yaml --host $(UI_HOST) --port $(UI_PORT)

bench: install
	$(BIN)/python benchmarks/run_benchmarks.py

clean:
	rm -rf data/warehouse .dagster_home
