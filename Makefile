# Quick start: `make demo` and `make test`. Both set up .venv on first use and are
# no-ops for the setup part afterwards (the stamp file tracks pyproject.toml).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.stepscope-installed

.PHONY: setup demo test lint typecheck bench clean

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

test: setup lint typecheck
	$(PY) -m pytest -q

bench: setup
	$(PY) -m bench engine

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
