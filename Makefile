# cnnlab: two commands do everything.
#   make lab    set up (once) and open the course in JupyterLab
#   make test   set up (once) and run every test: unit tests, doctests, nbval over the notebooks
# Set-up is idempotent: a stamp file in .venv records which extras are installed and current;
# the install is redone only when pyproject.toml changes, the GPU/CPU choice changes, or a
# target needs extras the venv lacks (`make test` after `make lab` adds the test tools).

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
comma := ,

# The Pythons TensorFlow 2.21 has wheels for, newest first. Keep in step with requires-python in
# pyproject.toml (tests/test_make_lab.py checks). When $(PYTHON) is another version, the newest
# python3.X of these on PATH builds the venv instead.
SUPPORTED_PYTHONS := 3.13 3.12 3.11 3.10
PYTHON_RANGE := $(lastword $(SUPPORTED_PYTHONS))–$(firstword $(SUPPORTED_PYTHONS))

# The CUDA build of TensorFlow where nvidia-smi sees a GPU, the CPU build elsewhere.
GPU := $(shell nvidia-smi -L 2>/dev/null | grep -q '^GPU' && echo gpu)
DEVICE := $(if $(GPU),gpu,cpu)
# `make lab` needs JupyterLab (the lab extra); the tests need the test tools too (the test extra).
LAB_EXTRAS := lab$(if $(GPU),$(comma)gpu)
TEST_EXTRAS := lab$(comma)test$(if $(GPU),$(comma)gpu)
# One stamp per set of extras: an install of lab,test also makes the lab stamp (it is a superset).
LAB_STAMP := $(VENV)/.cnnlab-installed-lab-$(DEVICE)
TEST_STAMP := $(VENV)/.cnnlab-installed-lab-test-$(DEVICE)

# Prints the Python to make the venv with: $(PYTHON) if its version is supported, else the newest
# supported python3.X on PATH (saying so on stderr); fails with one line if there is none.
define PICK_PYTHON
version() { "$$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }; \
supported() { case " $(SUPPORTED_PYTHONS) " in *" $$1 "*) return 0;; esac; return 1; }; \
have=$$(version "$(PYTHON)"); \
if supported "$$have"; then echo "$(PYTHON)"; exit 0; fi; \
for minor in $(SUPPORTED_PYTHONS); do \
  if command -v "python$$minor" >/dev/null 2>&1 && supported "$$(version "python$$minor")"; then \
    echo "$(PYTHON) is $${have:+Python }$${have:-not installed}; using python$$minor (cnnlab needs Python $(PYTHON_RANGE))" >&2; \
    echo "python$$minor"; exit 0; \
  fi; \
done; \
echo "cnnlab needs Python $(PYTHON_RANGE) (TensorFlow 2.21 has wheels for those); this machine has $${have:+$(PYTHON) = }$${have:-no $(PYTHON)}. Install one, or run: make PYTHON=python3.12 lab" >&2; \
exit 1
endef

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
# The tests run in parallel, one worker per core (at most 4), each test file whole on one worker
# (a notebook's cells run in order in one kernel; a file's module fixtures are made once).
# In the order collected: tests/conftest.py puts the files with slow or browser tests first, so
# that no worker is left alone with one at the end (xdist would order files by their number of tests).
WORKERS ?= auto
PARALLEL := $(if $(filter 0 1,$(WORKERS)),,-n $(WORKERS) --maxprocesses=4 --dist loadfile --no-loadscope-reorder)
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900

.PHONY: install install-lab which-python lab test test-unit test-reliability test-slow test-browser test-notebooks notebooks student data clean help

help:
	@echo "make lab        set up and open the course in JupyterLab"
	@echo "make test       set up and run every test (quick mode, offline)"
	@echo "make test-unit  only the unit tests and doctests (no reliability, slow, notebook or browser tests)"
	@echo "make test-reliability  only tests/reliability (bad input, hostile files, faults, properties)"
	@echo "make test-slow  only the slow tests (every way in, whole notebooks in fresh kernels and venvs)"
	@echo "make test-notebooks  only nbval over the notebooks"
	@echo "make test-browser  only the browser tests (JupyterLab in Chromium)"
	@echo "make notebooks  re-run every notebook in normal mode and save its outputs"
	@echo "make student    write the course without the worked solutions into student/ (for teachers)"
	@echo "make data       list and download everything the notebooks need into the cache (once, online)"

# Everything: JupyterLab and the test tools. `install-lab`: what `make lab` needs.
install: $(TEST_STAMP)

install-lab: $(LAB_STAMP)

# The Python that would make the venv (see PICK_PYTHON); tests/test_make_lab.py runs it.
which-python:
	@$(PICK_PYTHON)

$(BIN)/python:
	@python=$$($(PICK_PYTHON)) && \
	  echo "$$python -m venv $(VENV)" && $$python -m venv $(VENV) && \
	  $(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing cnnlab, JupyterLab and their dependencies ($(if $(GPU),GPU,CPU) TensorFlow) into $(VENV) ..."
	$(BIN)/python -m pip install --quiet --editable ".[$(LAB_EXTRAS)]"
	@rm -f $(VENV)/.cnnlab-installed-*
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "Installing cnnlab, JupyterLab, the test tools and their dependencies ($(if $(GPU),GPU,CPU) TensorFlow) into $(VENV) ..."
	$(BIN)/python -m pip install --quiet --editable ".[$(TEST_EXTRAS)]"
	@rm -f $(VENV)/.cnnlab-installed-*
	@touch $@ $(LAB_STAMP)

lab: install-lab
	$(BIN)/jupyter lab --notebook-dir=notebooks --ServerApp.ip=$(LAB_HOST) --ServerApp.port=$(LAB_PORT) $(ROOT_FLAG) $(LAB_ARGS)

# Tests never download: CNNLAB_OFFLINE=1 forbids it, and tests/conftest.py refuses any
# connection that leaves this machine. Data comes from $$CNNLAB_DATA_DIR or the cache (make data).
test: install
	@$(if $(BROWSER_TESTS),echo "NOTE: $(CHROMIUM) not found: the browser tests are not run (apt-get install chromium).")
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest \
	  cnnlab tests notebooks --doctest-modules $(NBVAL) $(BROWSER_TESTS) $(PARALLEL) $(PYTEST_ARGS)

# The parts of `make test`, for a quicker answer while working (benchmarks/test_suite_time.py times each).
test-unit: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest cnnlab tests --doctest-modules --ignore=tests/browser \
	  --ignore=tests/reliability -m "not slow" $(PARALLEL) $(PYTEST_ARGS)

test-reliability: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest tests/reliability $(PARALLEL) $(PYTEST_ARGS)

test-slow: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest tests --ignore=tests/browser --ignore=tests/reliability \
	  -m slow $(PARALLEL) $(PYTEST_ARGS)

test-browser: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

test-notebooks: install
	CNNLAB_QUICK=1 CNNLAB_OFFLINE=1 $(BIN)/python -m pytest notebooks $(NBVAL) $(PARALLEL) $(PYTEST_ARGS)

notebooks: install
	CNNLAB_QUICK=0 $(BIN)/python tools/run_notebooks.py notebooks/*.ipynb

# The notebooks without the cells tagged `solution` (exercises 1-6), for teachers to hand out.
student: install
	$(BIN)/python tools/make_student.py --out student notebooks/*.ipynb

data: install-lab
	$(BIN)/python -m cnnlab fetch

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
