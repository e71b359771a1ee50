# Two commands matter (see README.md):
#   make run    the main job: the CLI on the article's toy network, checked against Keras
#   make test   the whole test gate: lint, types, unit and property tests, packaging
# Each sets up its own virtual environment in .venv from pinned versions.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help run test bench dist clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lstm-explained needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[keras,dev]'
	@touch $@

run: $(STAMP)  ## main job: the article's network, by hand, beside Keras
	$(BIN)/lstm-explained --explain --keras

test: $(STAMP)  ## the whole gate (a plain pytest runs the same checks)
	$(BIN)/python -m pytest

bench: $(STAMP)  ## speed: traced forward vs an untraced loop vs Keras
	$(BIN)/python benchmarks/bench_forward.py

dist: $(STAMP)  ## build the wheel and sdist into dist/ and check their metadata
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

clean:  ## remove the virtual environment and build output
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
