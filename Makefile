# The README's two commands live here: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The SAM CLI lives in its own virtualenv: it pins boto3, samtranslator and click exactly.
SAM_VENV ?= .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-stamp
# `sam build` without a container needs a local Python equal to the functions' runtime.
LOCAL_RUNTIME = python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY ?= 0

.PHONY: demo test lint typecheck lint-template unit bench build clean browser

$(STAMP): pyproject.toml requirements-dev.txt layers/wxengage/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# About 40 s once (pinned wheels, bytecode compiled so every sam run starts fast); -qq: errors only.
$(SAM_STAMP): requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -qq --disable-pip-version-check -r requirements-sam.txt
	touch $@

## make demo: set up, boot the local stack, play a follower story through the WeChat sandbox.
demo: $(STAMP)
	$(PY) -m wxengage_local.demo

## make test: set up, lint, type-check, lint the template and run the whole offline suite.
# Two passes on the machine's cores: the two virtualenvs install side by side (lint and type
# checks start as soon as theirs is ready), then the suite gets every core to itself.
test: browser
	$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck lint-template
	$(MAKE) --no-print-directory unit

# The console's browser tests drive a real headless Chromium through its driver (Debian:
# chromium, chromium-driver; fonts-noto-cjk draws the Chinese in screenshots). As root on
# Debian they are installed here; elsewhere this says what to install. In CI (CI=true) the
# browser tests fail, never skip, when the browser is missing.
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(BROWSER_PACKAGES) for the console's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	else \
	    echo "the console's browser tests need Chromium and chromedriver:"; \
	    echo "  Debian/Ubuntu: sudo apt-get install $(BROWSER_PACKAGES)"; \
	    echo "  elsewhere: install Chromium and its driver, then set WXENGAGE_CHROMIUM and WXENGAGE_CHROMEDRIVER"; \
	fi

unit: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy layers/wxengage/wxengage cli/wxengage_cli infra/wxengage_local functions

lint-template: $(STAMP) $(SAM_STAMP)
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint

## make build: the deployment bundle as `sam build` makes it (no container), and its sizes as JSON.
build: $(STAMP) $(SAM_STAMP)
	PYTHON_RUNTIME=$(LOCAL_RUNTIME) PYTHON=$(abspath $(SAM_VENV))/bin/python \
	    $(SAM) build --parameter-overrides PythonRuntime=$(LOCAL_RUNTIME)
	$(PY) infra/package_size.py .aws-sam/build

## make bench: every benchmark (each against its named baseline); all figures in bench/results.json.
bench: $(STAMP)
	$(PY) bench/run_all.py bench/results.json

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
