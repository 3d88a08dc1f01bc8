# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install lint run test test-unit test-integration bench clean-data

$(PY):
	@echo "== creating $(VENV) with $$($(PYTHON) --version 2>&1)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@echo "== installing Conezia and its dependencies into $(VENV) (the first time takes a minute or two)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --progress-bar off -e '.[test]'
	@touch $(STAMP)
	@echo "== installed"

install: $(STAMP)

## Start the embedded PostgreSQL under ./var (or use CONEZIA_DATABASE_URL), migrate, serve on 127.0.0.1:8000
run: install
	$(VENV)/bin/conezia run

## ruff, and mypy (strict on the core)
lint: install
	@echo "== ruff"
	$(VENV)/bin/ruff check .
	@echo "== mypy"
	$(PY) tools/typecheck.py
	@echo "== the generated synchronous embedding API is up to date"
	$(PY) tools/generate_sync_api.py --check

## Lint, then unit, contract and integration tests (integration tests start their own embedded PostgreSQL)
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: install
	$(PY) -m pytest tests/unit tests/contract -m "not integration" $(PYTEST_ARGS)

test-integration: install
	$(PY) -m pytest -m integration $(PYTEST_ARGS)

## Benchmark the real server against two baselines; writes bench/results/latest.json
bench: install
	$(PY) -m bench.run

clean-data:
	rm -rf var
