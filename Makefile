# Two commands matter (see README.md):
#   make serve  the main job: build the site and serve it at http://127.0.0.1:8000
#   make test   the whole test gate: lint, types, unit and property tests, packaging,
#               every documentation snippet and its output, the strict site build
# Both install into .venv from pinned versions (constraints.txt), each only what it needs.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --quiet -c constraints.txt
# Two stamps, one environment: `make serve` installs only what the site needs (the docs
# tools and Keras, which the notebook runs at build time); `make test` adds the rest of
# the gate (PyTorch, JAX, ONNX, Flax, linters). Either may come first.
SERVE_EXTRAS := keras,docs
TEST_EXTRAS := keras,docs,dev,torch,jax,onnx,flax
SERVE_STAMP := $(VENV)/.serve-stamp
TEST_STAMP := $(VENV)/.test-stamp

.DEFAULT_GOAL := help
.PHONY: help serve site run chromium test check update-output screenshots lint bench lighthouse dist clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lstm-explained needs Python 3.11 or newer; set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --quiet --upgrade pip

# -qq keeps pip to errors; the line before says what is happening.
# make serve installs with uv (itself installed by pip, from constraints.txt): about a
# fifth of pip's time for TensorFlow and the docs tools (CONTRIBUTING.md has the figures).
# uv does not read pip's settings (a mirror, a company index, a local wheel directory);
# where it cannot reach what it needs, pip installs instead, only slower.
# INSTALLER=pip skips uv altogether. make test installs with pip: PyTorch's CPU build is
# found through pip's settings, and uv would fetch PyPI's CUDA build (several GB).
INSTALLER ?= uv
UV := $(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -c constraints.txt

$(SERVE_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	@echo "installing the site's tools into $(VENV) (first run only; about a minute)"
	@if [ "$(INSTALLER)" = uv ] && $(PIP) uv && $(UV) -e '.[$(SERVE_EXTRAS)]'; then :; \
	else \
	  [ "$(INSTALLER)" = pip ] || echo "uv could not install the site's tools; installing them with pip (a few minutes)"; \
	  $(PIP) -e '.[$(SERVE_EXTRAS)]'; \
	fi
	@touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	@echo "installing the test gate's tools into $(VENV) (first run only; several minutes)"
	@$(PIP) -e '.[$(TEST_EXTRAS)]'
	@# the keras2 extra's tf-keras without its dependency: it names `tensorflow`, which pip
	@# would install over tensorflow-cpu; tf-keras runs on tensorflow-cpu as it is
	@$(PIP) --no-deps tf-keras
	@touch $@

# Set here once; everything make runs (mkdocs, mike, pytest and what it spawns) inherits.
# Material for MkDocs prints an end-of-life banner on every mkdocs command without it.
export NO_MKDOCS_2_WARNING := 1

PORT ?= 8000

serve: $(SERVE_STAMP)  ## main job: build the site and serve it at http://127.0.0.1:8000
	SITE_URL=http://127.0.0.1:$(PORT)/ $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(PORT)

site: $(SERVE_STAMP)  ## build the site into site/ (strict: any warning fails)
	$(BIN)/mkdocs build --strict

run: $(SERVE_STAMP)  ## the CLI on the article's network, by hand, beside Keras
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

test: $(TEST_STAMP) chromium  ## the whole gate (a plain pytest runs the same checks)
	$(BIN)/python -m pytest -n auto

# The inner loop, within a minute: what `make test` checks that needs no framework, no
# site and no browser. mypy keeps its cache in .mypy_cache (the gate's mypy test too).
CHECK_TESTS := tests --ignore=tests/docs --ignore=tests/repo -m "not (keras or torch or backends or onnx or flax)"

check: $(TEST_STAMP)  ## the inner loop (under a minute): ruff, mypy and the unit tests without Keras, site or browser
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q $(CHECK_TESTS)

update-output: $(TEST_STAMP)  ## rerun every snippet in docs/ and rewrite its Output block
	$(BIN)/python -m pytest -q docs --update-output

screenshots: $(TEST_STAMP) chromium  ## full-page screenshots of every page at 375px and 1280px into build/screenshots/
	LSTM_EXPLAINED_SCREENSHOTS=1 $(BIN)/python -m pytest -q -n auto tests/docs/test_browser.py tests/docs/test_stepper.py tests/docs/test_stepper_gru.py -k "fits_and_reads or phone"

lint: $(TEST_STAMP)  ## what pre-commit runs: ruff, mypy, actionlint, zizmor
	$(BIN)/pre-commit run --all-files

bench: $(TEST_STAMP)  ## speed: the engine against Keras, and the gate's time by part
	$(BIN)/python benchmarks/bench_forward.py
	$(BIN)/python benchmarks/bench_trace.py
	$(BIN)/python benchmarks/bench_list.py
	$(BIN)/python benchmarks/bench_gate.py
	$(BIN)/python benchmarks/bench_stepper.py

lighthouse: $(TEST_STAMP) chromium  ## Lighthouse scores and weight of every page (needs npm)
	$(BIN)/python benchmarks/lighthouse.py

dist: $(TEST_STAMP)  ## build the wheel and sdist into dist/ and check their metadata
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	$(BIN)/python -m twine check --strict dist/*

clean:  ## remove the virtual environment and build output
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
