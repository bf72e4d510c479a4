# The README's commands. Everything installs itself on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
NODE_X12 := build/node-x12/node_modules/node-x12/package.json
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

# `make dev` serves on 127.0.0.1 only.
.PHONY: help install demo dev test lint typecheck pytest bench bench-check chaos node-x12 browser-deps screenshots clean

help:
	@echo "make demo   every flow of five demo customers through Dagster against the bundled simulators"
	@echo "make dev    the simulators plus dagster dev on http://127.0.0.1:3000 (sensors and schedules on)"
	@echo "make test   install, then ruff, mypy and the whole pytest suite"
	@echo "make screenshots  the analyst's guide screenshots (docs/screenshots/), by the browser test"
	@echo "make bench  X12 reader / typed parse / writer benchmark (50 MB and 500 MB files) and the inbound"
	@echo "           pipeline benchmark (1,000 documents limits off; 100 with Cleo's 5 req/s per path), a report"
	@echo "make bench-check  the same, failing when a target is missed"
	@echo "make chaos  kill -9, fault storms, bad input, concurrency: the reliability table (CHAOS_ARGS=--quick ...)"

$(STAMP): pyproject.toml setup.py edi_assets/x12/_native/split.c edi_assets/translate/_native/render.c
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# node-x12 reads our output in strict mode in the interop tests; skipped (with a message) without npm.
node-x12:
	@if command -v npm >/dev/null 2>&1; then \
	  [ -f $(NODE_X12) ] || npm install --silent --prefix build/node-x12 --no-audit --no-fund --install-links ./tests/interop; \
	else echo "npm not found: the node-x12 interop tests will be skipped"; fi

# Headless Chromium and its driver for the browser test (Debian's packages), installed where missing when we are root
# or have sudo; elsewhere the browser test is skipped with a message. In CI (CI=true) a failed install fails the build.
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	else \
	  if [ "$$(id -u)" = 0 ]; then as_root=; elif sudo -n true 2>/dev/null; then as_root=sudo; else as_root=none; fi; \
	  if [ "$$as_root" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium and chromium-driver (apt-get) for the browser test"; \
	    $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	    { $$as_root apt-get update -qq && \
	      $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	    { echo "could not install chromium: the browser test will be skipped"; [ "$$CI" != true ]; }; \
	  elif [ "$$CI" = true ]; then echo "chromium is missing and cannot be installed (no root, sudo or apt-get)"; exit 1; \
	  else echo "chromium not found and not installable here (no root, sudo or apt-get): the browser test will be skipped"; \
	  fi; \
	fi

# The analyst's guide screenshots (docs/screenshots/*.png), taken by the browser test over a fresh demo run.
screenshots: install browser-deps
	$(BIN)/pytest -q tests/browser --screenshots -p no:cacheprovider

lint: install
	$(BIN)/ruff check edi_assets simulators tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install node-x12 browser-deps
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/pytest -q

test: lint typecheck pytest

demo: install
	$(BIN)/python -W ignore::Warning -m edi_assets.cli demo

# The simulators (with the Web Connector's schedule) and `dagster dev` on 127.0.0.1:3000: sensors and schedules run.
dev: install
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m simulators up --base-port 8710 --partner-delay-scale 0.1 --web-connector & sims=$$!; \
	  trap "kill $$sims $$qbwc 2>/dev/null" EXIT; \
	  $(BIN)/edi dev-setup && { $(BIN)/edi qbwc serve --port 8000 & qbwc=$$!; } && \
	  EDI_CLEO_URL=http://127.0.0.1:8710 EDI_QAD_URL=http://127.0.0.1:8711 EDI_ACUMATICA_URL=http://127.0.0.1:8712 \
	  EDI_IFS_URL=http://127.0.0.1:8713 $(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

bench: install
	$(BIN)/python -m benchmarks.x12_bench --also-500
	$(BIN)/python -m benchmarks.pipeline_bench

bench-check: install
	$(BIN)/python -m benchmarks.x12_bench --also-500 --check
	$(BIN)/python -m benchmarks.pipeline_bench --check

# The reliability harness (tests/reliability): PostgreSQL scenarios too when EDI_TEST_POSTGRES_URL is set.
chaos: install
	$(BIN)/python -m tests.reliability.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) build .dagster_home .mypy_cache .ruff_cache .pytest_cache
