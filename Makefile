# The two set-up commands: `make demo` and `make test`. Both create .venv when missing and install
# everything they need into it (Python packages, spaCy model, Kafka broker jars, kcat/prometheus).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install system-deps jars demo test lint typecheck unit integration e2e schemas train-policy clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@# setuptools' editable-install notice (a UserWarning) is the only output of a good install.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) jars

system-deps:
	@bash scripts/install-system-deps.sh

jars: $(STAMP)
	$(BIN)/newsflow broker fetch

demo: install
	$(BIN)/newsflow demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

train-policy: $(STAMP)
	$(BIN)/python -m bench.train_policy

schemas: $(STAMP)
	$(BIN)/newsflow schemas export

test: install system-deps lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: install system-deps
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

e2e: install system-deps
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

clean:
	-$(BIN)/newsflow broker stop
	rm -rf $(VENV) .newsflow .pytest_cache .mypy_cache .ruff_cache
