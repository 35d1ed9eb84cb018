# Two commands do all the set-up on a fresh machine (see README.md):
#   make run    - create the environment and run the default experiment (results and a figure)
#   make test   - create the environment and run the tests
# Python 3.12 is found as python3.12 on PATH or under pyenv (.python-version pins 3.12).
# With uv on the PATH the environment is installed from uv.lock (the versions CI tests); without it, pip
# installs from pyproject.toml.

PYTHON ?= $(shell command -v python3.12 2>/dev/null || ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null | tail -n 1)
UV ?= $(shell command -v uv 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
# numba's on-disk cache lives outside the repository
export NUMBA_CACHE_DIR ?= $(HOME)/.cache/drugmarket/numba

.PHONY: run test test-quick screenshot env docs clean

$(VENV)/.installed: pyproject.toml uv.lock
	@test -n "$(PYTHON)" || { echo "error: Python 3.12 not found (install it, e.g. 'pyenv install 3.12')"; exit 2; }
ifneq ($(UV),)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --extra test --python $(PYTHON)
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
endif
	touch $@

env: $(VENV)/.installed

# the documentation site: docs/*.md and the notebooks of docs/notebooks/, run at the tiny preset
$(VENV)/.docs-installed: $(VENV)/.installed
ifneq ($(UV),)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --inexact --extra test --extra docs --python $(PYTHON)
else
	$(BIN)/pip install --quiet -e ".[test,docs]"
endif
	touch $@

docs: $(VENV)/.docs-installed
	$(BIN)/sphinx-build -q -b html docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

run: $(VENV)/.installed
	$(BIN)/drugmarket run --seeds 4 --out results/status-quo --overwrite

test: $(VENV)/.installed
	$(BIN)/pytest -q

test-quick: $(VENV)/.installed
	$(BIN)/pytest -q -m "not slow"

# retake the README's screenshot of the app (docs/img/app.png) in the browser test
screenshot: $(VENV)/.installed
	DRUGMARKET_README_SHOT=1 $(BIN)/pytest -q tests/test_app_browser.py

clean:
	rm -rf $(VENV) results .pytest_cache docs/_build docs/jupyter_execute
