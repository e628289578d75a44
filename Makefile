# These commands set everything up from a fresh clone (Python 3.11+ on PATH as python3):
#   make run    creates .venv, installs sim, runs scenarios/retention.yaml
#   make test   creates .venv, installs sim with its test tools, runs ruff, mypy and the tests
#   make notebooks  creates .venv, installs sim with Jupyter, opens JupyterLab on notebooks/
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-quick typecheck golden evidence setup clean mutants notebooks

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "sim needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.x")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)
	@bash tools/system_deps.sh

run: $(STAMP)
	$(BIN)/sim run scenarios/retention.yaml --force --report

test: $(STAMP)
	@bash tools/system_deps.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto --dist loadscope

typecheck: $(STAMP)
	$(BIN)/mypy

# install Jupyter (the `notebooks` extra, pinned by constraints.txt) on first use and open
# JupyterLab on notebooks/ (it prints the address to open if no browser starts; as root,
# which Jupyter refuses unless told, with --allow-root);
#   make notebooks JUPYTER_ARGS='--no-browser --port 8899'   passes options to jupyter lab
JUPYTER_ARGS ?=
notebooks: $(STAMP)
	@$(BIN)/python -c 'import jupyterlab, ipykernel' 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[notebooks]'
	cd notebooks && ../$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(JUPYTER_ARGS)

# rewrite tests/golden/ after a change that is meant to move results (say why in the commit)
golden: $(STAMP)
	$(BIN)/python tools/regenerate_golden.py

# rewrite docs/evidence.md (and .csv, the figures, sim/data/effect_ranges.yaml) from the
# data in sim/data, after a change to the data or to sim/evidence/
evidence: $(STAMP)
	$(BIN)/python tools/regenerate_evidence.py

# the quick set only (under a minute on two cores): everything but the tests marked slow,
# spread over one pytest worker per core, a module (or class) to a worker so that its
# shared fixtures are built once
test-quick: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q -m "not slow" -n auto --dist loadscope

# mutation testing of sim/model/ and sim/scenario/distributions.py (not in CI; docs/mutants.md)
# prints killed / survived by file and the survivors. A full run takes hours:
#   make mutants MUTANTS_SAMPLE=200   a seeded random sample of 200 mutants instead
#   make mutants MUTANTS='names'      (re)test only these mutants (names or globs such as
#                                     'sim.model.workforce.*'), keeping the last run's others
#   make mutants MUTANTS_JOBS=2       mutants tested at once (default 1)
MUTANTS_JOBS ?= 1
mutants: $(STAMP)
	@$(BIN)/python -c 'import mutmut' 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[mutants]'
	$(if $(MUTANTS),,rm -rf mutants)
	$(BIN)/mutmut run --max-children $(MUTANTS_JOBS) $(MUTANTS) \
		$(if $(MUTANTS_SAMPLE),$$($(BIN)/python tools/mutants_report.py --sample $(MUTANTS_SAMPLE)))
	$(BIN)/python tools/mutants_report.py

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
