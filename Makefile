# The L2 Loss — the two commands are `make book` and `make test`; everything else is for authors.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ASSIGNMENTS := $(notdir $(wildcard solutions/[0-9]*))

# nbgrader runs alembic from PATH; kernels and BLAS run single-threaded so stored outputs match everywhere.
export PATH := $(BIN):$(PATH)
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1


.PHONY: venv help book book-offline pdf publish-setting test lint notebooks exercises book-render site-test frameworks-test grade bench clean lock

help:
	@echo "make book       build the website into _build/html (executes notebooks through the cache; needs no network)"
	@echo "make pdf        the whole course as one PDF, _build/pdf/l2-loss.pdf (stored outputs, Chromium)"
	@echo "make publish-setting  after editing publish.yml: rewrite the chapters' install cells"
	@echo "make test       the whole suite: lint, unit/property/doctests, nbval, exercise sync, grading, book"
	@echo "make notebooks  re-execute chapter and solution notebooks in place (after editing them)"
	@echo "make exercises  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make grade ASSIGNMENT=01_definition SUBMISSIONS=folder-or.zip [OUT=dir]  grade a class"
	@echo "           [DB_URL=postgresql://...] [SCHEDULER=tcp://host:8786 | WORKERS=n]  one gradebook, Dask workers"
	@echo "make venv       only create .venv (e.g. on a grading worker machine)"
	@echo "make bench      benchmarks into benchmarks/RESULTS.md (BENCH_ARGS=--with-make-test adds make test)"
	@echo "make frameworks-test  check the ledger against real PyTorch/Keras/TensorFlow (downloads ~2 GB)"
	@echo "make clean      remove _build and caches (keeps .venv)"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# jsonschema imports rfc3987-syntax when it is present and builds a grammar (1.4-1.7 s in every process that
	@# imports nbformat: each nbgrader command, nbval worker and book build). Nothing here validates IRI formats;
	@# it comes only through an optional extra (jsonschema[format-nongpl] of jupyter-events), so it is removed.
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	@# Build matplotlib's font cache now, not inside a notebook's first output.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

venv: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going

# Lint, unit/property/doctests, strict nbval, exercise sync, grading, the book build and the browser tests.
# Each notebook is executed once (by nbval); see tools/test_pipeline.py for the stages.
test: $(STAMP)
	$(BIN)/python tools/test_pipeline.py

lint: $(STAMP)
	$(BIN)/ruff check .

# Formulas render with no network: MathJax 3 is served from the site (tools/offline_mathjax.py, files from the
# PyPI package django-static-mathjax). The old name of the offline build is kept as an alias.
book-offline: book

# The book, rendering the outputs nbval has just validated instead of executing them again.
book-render: $(STAMP)
	$(BIN)/python tools/book_config.py --render-only _build/.config-render.yml
	$(BIN)/jupyter-book build . -W -n --keep-going --config _build/.config-render.yml

# The PDF edition: a single-page HTML build of the whole table of contents (stored outputs), printed by the
# system Chromium once MathJax has typeset every formula. Needs Debian's chromium package.
pdf: $(STAMP)
	$(BIN)/python tools/book_config.py --render-only _build/.config-render.yml
	$(BIN)/jupyter-book build . -W -n --keep-going --builder singlehtml --config _build/.config-render.yml
	$(BIN)/python tools/print_pdf.py _build/singlehtml/intro.html _build/pdf/l2-loss.pdf

# After editing publish.yml: the install cell of every chapter notebook, from the setting (tests check it).
publish-setting: $(STAMP)
	$(BIN)/python tools/course_publish.py --write

# axe-core for the accessibility tests, from npm (pinned in tests/site/package-lock.json; not committed).
AXE := tests/site/node_modules/axe-core/axe.min.js
$(AXE): tests/site/package.json tests/site/package-lock.json
	cd tests/site && npm ci --no-audit --no-fund --silent
	touch $@

# Every page of the built site in the system Chromium, with the network blocked (screenshots:
# _build/screenshots; axe-core's findings: _build/axe).
site-test: $(STAMP) $(AXE)
	$(BIN)/pytest -rs tests/site

notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py

exercises: $(STAMP)
	@for a in $(ASSIGNMENTS); do \
	    $(BIN)/nbgrader generate_assignment "$$a" --force --no-db --log-level=WARN || exit 1; \
	done

# Grade a class: a folder of submissions or an LMS zip -> grades.csv, gradebook, feedback, summary.html.
grade: $(STAMP)
	@test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade ASSIGNMENT=01_definition SUBMISSIONS=folder-or.zip [OUT=dir] [DB_URL=postgresql://...] [SCHEDULER=tcp://host:8786 | WORKERS=n]"; exit 2; }
	$(BIN)/python -m l2course.grade $(ASSIGNMENT) $(SUBMISSIONS) $(if $(OUT),--out $(OUT)) $(if $(DB_URL),--db-url $(DB_URL)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(WORKERS),--workers $(WORKERS))

# Benchmarks (a measuring script, not tests); rewrites benchmarks/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

# The convention ledger and the regularization table checked against the real PyTorch, Keras and TensorFlow.
# Not part of `make test`: the frameworks' wheels are gigabytes. Uses its own environment.
FW_VENV := .venv-frameworks
frameworks-test:
	$(PYTHON) -m venv $(FW_VENV)
	$(FW_VENV)/bin/python -m pip install --quiet -r requirements.txt torch==2.13.0 tensorflow-cpu==2.21.0
	$(FW_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(FW_VENV)/bin/pytest -p no:cacheprovider -rs tests/test_frameworks*.py tests/test_conventions.py

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache .grading tests/site/node_modules
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

lock:
	rm -rf /tmp/l2course-lock && $(PYTHON) -m venv /tmp/l2course-lock
	/tmp/l2course-lock/bin/pip install --quiet -r requirements.in
	/tmp/l2course-lock/bin/pip freeze --exclude l2course > requirements.txt
