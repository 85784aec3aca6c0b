# senotarget: one entry point for local work and CI. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The main job runs on the configured ChEMBL release (--chembl-db, SENOTARGET_CHEMBL_DB, a config
# file, or a chembl_downloader download). When none is configured and the shared extract sits
# beside this repository, `make run` points the run at it.
SHARED_DB := ../shared/chembl/chembl_senotarget.sqlite
CHEMBL_DB ?=
ifeq ($(strip $(CHEMBL_DB)$(SENOTARGET_CHEMBL_DB)$(SENOTARGET_CONFIG)),)
  ifneq ($(wildcard $(SHARED_DB)),)
    CHEMBL_DB := $(SHARED_DB)
  endif
endif
RUN_ARGS ?=

RUN_DIR ?=
# `make install` also installs Debian's chromium for the browser test of report.html, with sudo
# when not root; without apt-get it says so and the browser test skips.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help install chromium postgresql run refresh report test lint typecheck bench bench-scale bench-peer clean

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(STAMP) chromium postgresql ## Create .venv, install senotarget with its test and lint tools, chromium and postgresql

chromium: ## Install Debian's chromium (headless browser for tests/test_browser.py) if missing
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "chromium: $$(command -v chromium)"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-dejavu-core >/dev/null && echo "chromium: installed"; \
	else \
	  echo "chromium: no apt-get here; install chromium to run the browser test" >&2; \
	fi

postgresql: ## Install Debian's postgresql server (tests/test_postgres.py starts its own) if missing
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "postgresql: $$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    postgresql >/dev/null && echo "postgresql: installed"; \
	else \
	  echo "postgresql: no apt-get here; install postgresql to run the PostgreSQL tests" >&2; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: install ## Rank the default panel (auto source) into reports/<run-id>/
	$(BIN)/senotarget run $(if $(CHEMBL_DB),--chembl-db $(CHEMBL_DB)) $(RUN_ARGS)

refresh: install ## Rerun the configured panels if the ChEMBL release, panel or settings changed
	$(BIN)/senotarget refresh $(if $(CHEMBL_DB),--chembl-db $(CHEMBL_DB)) $(RUN_ARGS)

report: install ## Re-render report.html and exports of the latest run (or RUN_DIR=reports/<id>)
	$(BIN)/senotarget report $(RUN_DIR)

test: install ## Run the test suite (real-data tests skip without ../shared)
	$(BIN)/python -m pytest

lint: install ## ruff (lint + format check), mypy --strict and the import contracts (lint-imports)
	$(BIN)/ruff check senotarget tests benchmarks
	$(BIN)/ruff format --check senotarget tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

typecheck: install ## mypy --strict only
	$(BIN)/mypy

bench: install ## Benchmarks on ../shared/chembl; writes benchmarks/results.json
	$(BIN)/python -m benchmarks.run --db $(SHARED_DB)

bench-scale: install ## Scale table: 1x-100x extract on SQLite and PostgreSQL, Dask, CAPRICHO (results.json)
	$(BIN)/python -m benchmarks.run --db $(SHARED_DB) --only scale

bench-peer: install ## The 1x runs (cold, cold on a release's own chemistry, warm) against CAPRICHO (results.json)
	$(BIN)/python -m benchmarks.run --db $(SHARED_DB) --only scale-peer

clean: ## Remove the venv, caches and reports (keeps data/cache/.gitkeep)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find data/cache -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
