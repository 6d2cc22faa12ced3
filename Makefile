# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
TORCH_CPU := torch==2.13.0

.PHONY: setup demo test lint bench docs clean

# Everything: tszoo, its tests' tools and the optional extras (MLflow, ONNX, docs).
setup: $(VENV)/.installed-all

# Plain venv + pip: pip finds the CPU build of torch 2.13.0 on disk; any looser
# spec would pull a multi-GB CUDA build, so torch goes in first, pinned.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install --quiet $(TORCH_CPU)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-all: $(VENV)/.installed
	$(PIP) install --quiet -e ".[dev,mlflow,onnx,docs]"
	touch $@

# The main job: every registered model on a bundled dataset (BasicMotions, 6 channels),
# saved with its results and report under runs/<UTC time>-compare/. It needs tszoo
# alone, so a fresh machine installs no extras before it.
demo: $(VENV)/.installed
	$(VENV)/bin/tszoo compare --data BasicMotions

test: setup
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/ruff format --check --quiet .
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) benchmarks/windowing.py
	$(PY) benchmarks/study_table.py --set inception_time.n_ensemble=1

# The documentation site into site/: strict, so a broken link, anchor or docstring
# reference fails. `.venv/bin/mkdocs serve` serves it while you edit.
docs: setup
	$(PY) -c "import mkdocs, material, mkdocstrings_handlers.python" 2>/dev/null || \
		$(PIP) install --quiet -e ".[docs]"
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) build site *.egg-info src/*.egg-info .pytest_cache .ruff_cache
