# Two commands matter (see README.md):
#   make serve  the main job: build the site and serve it at http://127.0.0.1:8000
#   make test   the whole test gate: lint, types, unit and property tests, packaging,
#               every documentation snippet and its output, the strict site build
# Each sets up its own virtual environment in .venv from pinned versions.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help serve site run chromium test bench lighthouse dist clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lstm-explained needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[keras,docs,dev,torch,jax]'
	@touch $@

export NO_MKDOCS_2_WARNING := 1

serve: $(STAMP)  ## main job: build the site and serve it at http://127.0.0.1:8000
	SITE_URL=http://127.0.0.1:8000/ $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

site: $(STAMP)  ## build the site into site/ (strict: any warning fails)
	$(BIN)/mkdocs build --strict

run: $(STAMP)  ## the CLI on the article's network, by hand, beside Keras
	$(BIN)/lstm-explained --explain --keras

CHROMIUM := /usr/bin/chromium

# The browser tests drive Debian's Chromium; install it through apt when missing (as root,
# which CI is). Playwright's own browser download is never used.
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "note: $(CHROMIUM) is missing; browser tests will be skipped (CI=true fails them)." >&2; \
	  echo "      install it with: sudo apt-get install chromium" >&2; \
	fi

test: $(STAMP) chromium  ## the whole gate (a plain pytest runs the same checks)
	$(BIN)/python -m pytest

bench: $(STAMP)  ## speed: the engine against Keras, and the gate's time by part
	$(BIN)/python benchmarks/bench_forward.py
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_stepper.py

lighthouse: $(STAMP) chromium  ## Lighthouse scores and weight of every page (needs npm)
	$(BIN)/python benchmarks/lighthouse.py

dist: $(STAMP)  ## build the wheel and sdist into dist/ and check their metadata
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

clean:  ## remove the virtual environment and build output
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
