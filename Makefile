# The two commands of the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.edge-sdk-installed
# onnx2tf shells out to `onnxsim`, which lives in the venv's bin
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: setup python-deps system-deps demo lint test test-fast bench clean

setup: python-deps system-deps

python-deps: $(STAMP)

# (top-level __init__.py files too: the editable install maps each top-level package once)
$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml $(wildcard */__init__.py)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $(STAMP)

# The real adb client (profiling phones) and Chromium (HTML report tests), from Debian.
system-deps:
	@missing=""; \
	command -v adb >/dev/null 2>&1 || missing="$$missing adb"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing system packages:$$missing (run: sudo apt-get install$$missing); their tests will skip"; \
	  fi; \
	fi

demo: setup
	bash examples/demo.sh

# The static gate, before any test runs: ruff (bug-finding rules) and mypy on the packages; both
# configured in pyproject.toml. Fix what they report file by file (`ruff check --fix FILE`).
LINTED := edge_sdk converters runtime_harness devices tools

lint: setup
	$(PY) -m ruff check $(LINTED)
	$(PY) -m mypy

test: lint
	$(PY) -m pytest -q

test-fast: lint
	$(PY) -m pytest -q -m "not slow"

bench: setup
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit $$?; done

clean:
	rm -rf demo-out bench/out .pytest_cache .edge-sdk-cache examples/.edge-sdk-cache
