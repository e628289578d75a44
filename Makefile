# Two commands set everything up from a fresh clone (Python 3.11+ on PATH as python3):
#   make run    creates .venv, installs sim, runs scenarios/retention.yaml
#   make test   creates .venv, installs sim with its test tools, runs ruff and the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-quick setup clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sim needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/sim run scenarios/retention.yaml --force

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# the quick set only (under a minute): everything but the tests marked slow
test-quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -m "not slow"

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
