# Quick start: `make demo` and `make test` each bootstrap .venv on a fresh machine
# (Python >= 3.10 with pip; uv is used when present) and then run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
EXAMPLE_STAMP := $(VENV)/.installed-questionbank
EXAMPLE := examples/questionbank
UV := $(shell command -v uv 2>/dev/null)

.PHONY: venv test test-slow test-plugins test-browser lint types matrix demo reproduce bench bench-quick guard dist-check docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
ifdef UV
	$(UV) pip install --python $(BIN)/python -q -e '.[dev]'
else
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
endif
	touch $(STAMP)

# The example backend's own dependencies (FastAPI, SQLAlchemy, httpx), not the plugin's.
$(EXAMPLE_STAMP): $(STAMP) $(EXAMPLE)/requirements.txt
ifdef UV
	$(UV) pip install --python $(BIN)/python -q -r $(EXAMPLE)/requirements.txt
else
	$(BIN)/python -m pip install -q --disable-pip-version-check -r $(EXAMPLE)/requirements.txt
endif
	touch $(EXAMPLE_STAMP)

venv: $(STAMP)

# The whole test suite, lint and types.
test: $(STAMP)
	$(BIN)/python -m pytest
	$(MAKE) lint types

# The tests marked slow (left out of `make test`).
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

# The fault matrix's cases with other plugins (rerunfailures, randomly, timeout,
# time-machine, pytest-django), in a nox session that installs them.
test-plugins: $(STAMP)
	$(BIN)/nox -s plugins

# The HTML report in a browser (the tests marked browser): Debian's Chromium
# (/usr/bin/chromium) driven by Playwright, installed into the venv when missing. No
# browser is downloaded (never `playwright install`).
test-browser: $(STAMP)
	$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install -q playwright
	$(BIN)/python -m pytest -m browser

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks scripts noxfile.py
	$(BIN)/ruff format --check src tests examples benchmarks scripts noxfile.py

types: $(STAMP)
	$(BIN)/mypy

# The test suite against every supported pytest (8.0, 8.3, 9.2).
matrix: $(STAMP)
	$(BIN)/nox -s tests

# The example backend's suite under pytest-xdist, with its fixture report in reports/.
demo: $(EXAMPLE_STAMP)
	mkdir -p reports
	$(BIN)/python -m pytest $(EXAMPLE) -n auto --fixture-perf-json=reports/fixture-perf.json --fixture-perf-html=reports/fixture-perf.html
	@echo "JSON report: reports/fixture-perf.json, HTML report: reports/fixture-perf.html"

# The seed's flaky test before (per-process tracker) and after (this plugin).
RUNS ?= 20
reproduce: $(EXAMPLE_STAMP)
	$(BIN)/python $(EXAMPLE)/reproduce_flake.py --runs $(RUNS) -n 4

# Overhead, micro, scale and transfer benchmarks (figures in benchmarks/RESULTS.md).
# `make bench-quick` runs each in a small mode, so that CI keeps the scripts working.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/overhead.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/micro.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/scale.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/transfer.py $(BENCH_ARGS)

bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick
	$(MAKE) guard

# The overhead guard: instructions on/off under callgrind (valgrind), serial and -n 2;
# fails when a ratio exceeds its bound (benchmarks/guard.py).
guard: $(STAMP)
	$(BIN)/python benchmarks/guard.py

# The built sdist and wheel: twine check, contents, and the wheel installed with only
# pytest under the lowest and highest supported Python and pytest (nox -s dist wheel).
dist-check: $(STAMP)
	$(BIN)/nox -s dist wheel

# The documentation site (MkDocs + Material) in site/, built with --strict: a warning (a
# broken link or anchor, a page left out of the nav) fails it. Its own venv, .venv-docs.
# NO_MKDOCS_2_WARNING silences Material's banner about its end of life (not a build warning).
DOCS_VENV := .venv-docs
DOCS_STAMP := $(DOCS_VENV)/.installed-docs

$(DOCS_STAMP): docs/requirements.txt
	$(PYTHON) -m venv $(DOCS_VENV)
ifdef UV
	$(UV) pip install --python $(DOCS_VENV)/bin/python -q -r docs/requirements.txt
else
	$(DOCS_VENV)/bin/python -m pip install -q --disable-pip-version-check -r docs/requirements.txt
endif
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict --site-dir=site

clean:
	rm -rf $(VENV) $(DOCS_VENV) .nox reports build dist site .mypy_cache .ruff_cache .pytest_cache
