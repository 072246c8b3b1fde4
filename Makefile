# One task runner for developers, the README and CI. Every target creates or reuses .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The stamp is keyed by everything the install reads: a changed dependency or build recipe reinstalls.
INSTALL_INPUTS := pyproject.toml constraints.txt scripts/install-llama.sh
STAMP := $(VENV)/.installed-$(shell cat $(INSTALL_INPUTS) | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: run test lint bench eval install clean

$(STAMP): $(INSTALL_INPUTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	scripts/install-llama.sh $(PY)  # the embedded model's native code, built portably (one recipe)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## migrate, load the sample data (once), ingest the manuals and serve on http://$(HOST):$(PORT)
	$(VENV)/bin/sentient db upgrade
	$(VENV)/bin/sentient seed
	$(VENV)/bin/sentient ingest
	$(VENV)/bin/sentient serve --host $(HOST) --port $(PORT)

test: $(STAMP)  ## all tests, on SQLite and (when a server answers) PostgreSQL
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache  # the layering contracts in pyproject.toml

bench: $(STAMP)  ## timings against baselines measured in the same run
	$(PY) -m bench.run

eval: $(STAMP)  ## the golden set against the configured warehouse (seeded first if empty)
	$(VENV)/bin/sentient db upgrade
	$(VENV)/bin/sentient seed
	$(VENV)/bin/sentient eval

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
