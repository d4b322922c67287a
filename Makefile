# Quick start: `make demo` and `make test`. Both set up .venv on first use and are
# no-ops for the setup part afterwards (the stamp file tracks pyproject.toml).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stepscope-installed
# Arize Phoenix, a real OTLP backend for tests/otel/test_phoenix.py, in a virtualenv of
# its own: its ~140 packages (pandas, SQLAlchemy, FastAPI, ...) stay out of the one
# stepscope is tested in. Installed on first use (~1 min, ~850 MB); `make test PHOENIX=0`
# leaves it out (its tests are then skipped).
PHOENIX ?= 1
PHOENIX_VENV := .venv-phoenix
PHOENIX_VERSION := 20.26.1
PHOENIX_STAMP := $(PHOENIX_VENV)/.phoenix-$(PHOENIX_VERSION)
ifeq ($(PHOENIX),0)
WITH_PHOENIX := STEPSCOPE_PHOENIX=off
else
WITH_PHOENIX := STEPSCOPE_PHOENIX=$(PHOENIX_VENV)/bin/phoenix
TEST_NEEDS := $(PHOENIX_STAMP)
endif

.PHONY: setup demo test test-otel lint typecheck bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/stepscope demo

lint: setup
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy

test: setup lint typecheck $(TEST_NEEDS)
	$(WITH_PHOENIX) $(PY) -m pytest -q

# The OpenTelemetry export's tests alone, Arize Phoenix's included.
test-otel: setup $(PHOENIX_STAMP)
	STEPSCOPE_PHOENIX=$(PHOENIX_VENV)/bin/phoenix $(PY) -m pytest -q tests/otel

$(PHOENIX_STAMP):
	@test -x $(PHOENIX_VENV)/bin/python || $(PYTHON) -m venv $(PHOENIX_VENV)
	$(PHOENIX_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PHOENIX_VENV)/bin/python -m pip install --quiet 'arize-phoenix==$(PHOENIX_VERSION)'
	@touch $@

bench: setup
	$(PY) -m bench engine

clean:
	rm -rf $(VENV) $(PHOENIX_VENV) .pytest_cache .ruff_cache build *.egg-info
