# The README's two commands live here: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: demo test lint typecheck lint-template unit bench clean

$(STAMP): pyproject.toml requirements-dev.txt layers/wxengage/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

## make demo: set up, boot the local stack, play a follower story through the WeChat sandbox.
demo: $(STAMP)
	$(PY) -m wxengage_local.demo

## make test: set up, lint, type-check, lint the template and run the whole offline suite.
test: $(STAMP) lint typecheck lint-template unit

unit: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy layers/wxengage/wxengage cli/wxengage_cli infra/wxengage_local functions

lint-template: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml

## make bench: every benchmark (each against its named baseline); all figures in bench/results.json.
bench: $(STAMP)
	$(PY) bench/run_all.py bench/results.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
