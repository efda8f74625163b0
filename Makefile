# The two set-up commands of the README: `make app` and `make test`.
# Both create .venv with the machine's python3 and install everything into it, once: a later
# `make app` finds the stamp newer than pyproject.toml and starts at once, without pip.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: app test install install-test eval-civic bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -e . > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q --disable-pip-version-check -e ".[test]" > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Install, index the sample corpus if needed, and serve the chat on http://127.0.0.1:7860
app: install
	$(BIN)/python app.py

## Install the test dependencies and run every test (the real model and the browser tests included)
test: install-test
	$(BIN)/python -m pytest

## The foundation's acceptance eval (see EVALS.md)
eval-civic: install
	$(BIN)/python -m evals run --dataset ../shared/data/eval/civic_dev.jsonl \
		--corpus ../shared/data/corpus/civic.jsonl --out data/runs/civic-hybrid
