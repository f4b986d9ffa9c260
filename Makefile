# cnnlab: two commands do everything.
#   make lab    set up (once) and open the course in JupyterLab
#   make test   set up (once) and run every test: unit tests, doctests, nbval over the notebooks
# Set-up is idempotent: a stamp file in .venv records that the install is current;
# it is redone only when pyproject.toml changes or the GPU/CPU choice changes.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
comma := ,

# The CUDA build of TensorFlow where nvidia-smi sees a GPU, the CPU build elsewhere.
GPU := $(shell nvidia-smi -L 2>/dev/null | grep -q '^GPU' && echo gpu)
EXTRAS := test$(if $(GPU),$(comma)gpu)
STAMP := $(VENV)/.cnnlab-installed-$(if $(GPU),gpu,cpu)

LAB_HOST ?= 127.0.0.1
LAB_PORT ?= 8888
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=
# The browser tests (tests/browser) need Debian's Chromium; `make test` runs them when it is
# installed and says so when it is not. `make test-browser` always runs them (and fails without it).
CHROMIUM ?= /usr/bin/chromium
BROWSER_TESTS := $(if $(wildcard $(CHROMIUM)),,--ignore=tests/browser)
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900

.PHONY: install lab test test-unit test-browser test-notebooks notebooks student data clean help

help:
	@echo "make lab        set up and open the course in JupyterLab"
	@echo "make test       set up and run every test (quick mode, offline)"
	@echo "make test-browser  only the browser tests (JupyterLab in Chromium)"
	@echo "make notebooks  re-run every notebook in normal mode and save its outputs"
	@echo "make student    write the course without the worked solutions into student/ (for teachers)"
	@echo "make data       download MNIST and Fashion-MNIST into the cache (once, online)"

install: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "cnnlab needs Python 3.10 or newer; run: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing cnnlab and its dependencies ($(if $(GPU),GPU,CPU) TensorFlow) into $(VENV) ..."
	$(BIN)/python -m pip install --quiet --editable ".[$(EXTRAS)]"
	@rm -f $(VENV)/.cnnlab-installed-*
	@touch $@

lab: install
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=$(LAB_HOST) --ServerApp.port=$(LAB_PORT) $(ROOT_FLAG) $(LAB_ARGS)

# Tests never download: CNNLAB_OFFLINE=1 forbids it, and tests/conftest.py refuses any
# connection that leaves this machine. Data comes from $$CNNLAB_DATA_DIR or the cache (make data).
test: install
	@$(if $(BROWSER_TESTS),echo "NOTE: $(CHROMIUM) not found: the browser tests are not run (apt-get install chromium).")
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest \
	  cnnlab tests notebooks --doctest-modules $(NBVAL) $(BROWSER_TESTS) $(PYTEST_ARGS)

test-unit: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest cnnlab tests --doctest-modules --ignore=tests/browser $(PYTEST_ARGS)

test-browser: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

test-notebooks: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest notebooks $(NBVAL) $(PYTEST_ARGS)

notebooks: install
	CNNLAB_QUICK=0 $(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

# The notebooks without the cells tagged `solution` (exercises 1-6), for teachers to hand out.
student: install
	$(BIN)/python tools/make_student.py --out student notebooks/*.ipynb

data: install
	$(BIN)/python -m cnnlab fetch

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
