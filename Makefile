# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install browser lint run test test-unit test-integration bench table-cost clean-data

$(PY):
	@echo "== creating $(VENV) with $$($(PYTHON) --version 2>&1)"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	@echo "== installing Conezia and its dependencies into $(VENV) (the first time takes a minute or two)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --progress-bar off -e '.[test]'
	@touch $(STAMP)
	@echo "== installed"

install: $(STAMP) browser

## Debian's chromium and chromedriver, for the test that loads /docs in a real browser
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "== installing Debian's chromium and chromium-driver (apt-get), for the documentation page's browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null && \
		echo "== installed $$(chromium --version 2>/dev/null)"; \
	else \
		echo "== chromium and chromedriver are missing and this is not root on Debian:" \
			"install them (sudo apt-get install chromium chromium-driver) or the browser test fails"; \
	fi

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

## Lines each table costs in every layer (migration, core, adapters, HTTP, embedding, tests); see tools/table_cost.py
table-cost: install
	$(PY) tools/table_cost.py

clean-data:
	rm -rf var
