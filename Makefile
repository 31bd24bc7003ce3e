# The two commands: `make demo` and `make test`. Both install into .venv first if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_UI ?= 1
BENCH_QUICK ?= 0
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install chromium test demo bench ui clean

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

test: install chromium $(DAGSTER_HOME)/dagster.yaml
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
	rm -rf data .dagster_home
