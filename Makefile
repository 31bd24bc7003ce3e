# The two commands: `make demo` and `make test`. Both install into .venv first if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_UI ?= 1
BENCH_QUICK ?= 0
export DAGSTER_HOME := $(CURDIR)/.dagster_home
# The BigQuery emulator lives in its own venv (never in .venv); the tests skip, saying why, without it.
EMULATOR_VENV := .bqemulator
EMULATOR_REQUIREMENTS := ai_usage_analytics_tests/bigquery/emulator-requirements.txt
EMULATOR_STAMP := $(EMULATOR_VENV)/.installed
BQEMULATOR_PORT ?= 9050

.PHONY: install chromium emulator bqemulator test demo bench ui clean

install: $(STAMP)

$(STAMP): setup.py pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

# The dashboard browser tests drive Debian's chromium; installed here when missing and we are root.
chromium:
	@test -x /usr/bin/chromium || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && \
	  echo "Installing chromium for the dashboard browser tests (apt)..." && \
	  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: the dashboard browser tests will be skipped"

emulator: $(EMULATOR_STAMP)

$(EMULATOR_STAMP): $(EMULATOR_REQUIREMENTS)
	@echo "Installing the BigQuery emulator into $(EMULATOR_VENV) (once; log in $(EMULATOR_VENV)/install.log)"
	@( test -x $(EMULATOR_VENV)/bin/python || $(PYTHON) -m venv $(EMULATOR_VENV) ) \
	  && $(EMULATOR_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
	       -r $(EMULATOR_REQUIREMENTS) > $(EMULATOR_VENV)/install.log 2>&1 \
	  && touch $@ \
	  || echo "BigQuery emulator could not be installed (see $(EMULATOR_VENV)/install.log): its tests will be skipped"

# The emulator in the foreground on 127.0.0.1:$(BQEMULATOR_PORT), for running the pipeline against it by hand.
bqemulator: $(EMULATOR_STAMP)
	$(EMULATOR_VENV)/bin/python ai_usage_analytics_tests/bigquery/emulator_launcher.py --port $(BQEMULATOR_PORT)

test: install chromium emulator $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/pytest

# The simulator runs inside the demo process, so the UI it starts (unless DEMO_UI=0) can reach it too.
demo: install $(DAGSTER_HOME)/dagster.yaml
	DEMO_UI=$(DEMO_UI) $(BIN)/python -m ai_usage_analytics.demo

# Timings, vendor requests against the minimum, rows and peak memory per scenario; BENCH_QUICK=1 runs a tenth of the size.
bench: install $(DAGSTER_HOME)/dagster.yaml
	BENCH_QUICK=$(BENCH_QUICK) $(BIN)/python -m ai_usage_analytics.bench

ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf data .dagster_home $(EMULATOR_VENV)
