# Quick start: `make demo` and `make test` each bootstrap .venv on a fresh machine
# (Python >= 3.10 with pip; uv is used when present) and then run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
UV := $(shell command -v uv 2>/dev/null)

.PHONY: venv test lint types matrix demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
ifdef UV
	$(UV) pip install --python $(BIN)/python -q -e '.[dev]'
else
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
endif
	touch $(STAMP)

venv: $(STAMP)

# The whole test suite, lint and types.
test: $(STAMP)
	$(BIN)/python -m pytest
	$(MAKE) lint types

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks scripts noxfile.py
	$(BIN)/ruff format --check src tests examples benchmarks scripts noxfile.py

types: $(STAMP)
	$(BIN)/mypy

# The test suite against every supported pytest (8.0, 8.3, 9.2).
matrix: $(STAMP)
	$(BIN)/nox -s tests

# The example suite under pytest-xdist, with its fixture report in reports/.
demo: $(STAMP)
	mkdir -p reports
	$(BIN)/python -m pytest examples/demo -n auto -p no:cacheprovider \
		--fixture-perf-json reports/fixture-perf.json
	@echo "JSON report: reports/fixture-perf.json"

clean:
	rm -rf $(VENV) .nox reports build dist .mypy_cache .ruff_cache .pytest_cache
