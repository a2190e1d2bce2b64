# One-command set-up: every target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser run test lint bench docs notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

## headless Chromium for the report test (Debian package; skipped with a note where apt is not available)
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium could not be installed: the report browser test will be skipped"

## the main job on the example, as a quick preview: optimize, compare the plan with the hand
## roster (paired differences), write the report; three lines say where and what (README)
run: $(STAMP)
	$(BIN)/workbench headline scenarios/global-retail.toml --quick --workers 2

## the test suite (lint and types first)
test: $(STAMP) browser lint
	$(BIN)/pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

notebooks: $(STAMP)
	$(BIN)/jupyter lab notebooks/

docs: $(STAMP)
	$(BIN)/python -m scenarios.docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
