# CRM Casebook. Two commands: `make lab` opens the workbook, `make test` runs every test.
# Both create .venv and install everything on first use (Python 3.11+ and make are all you need).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OPEN   ?= notebooks/00-what-is-crm.ipynb
NB     ?= notebooks/*.ipynb exercises/*.ipynb
export PYTHONHASHSEED := 0

.PHONY: help lab test execute bench my-exercises clean

help:
	@echo "make lab      open the workbook in JupyterLab (OPEN=notebooks/<chapter>.ipynb to pick one)"
	@echo "make test     run every test: unit, doctests, notebooks (nbval), browser"
	@echo "make execute  re-run notebooks in place and store their outputs (NB=<files> to pick)"
	@echo "make bench    run the benchmarks in benchmarks/"
	@echo "make my-exercises  copy the problem sets, solutions removed, to my-exercises/ (never overwrites)"
	@echo "make clean    remove .venv"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CRM Casebook needs Python 3.11 or newer, found " + sys.version.split()[0] + ": install one and run  make PYTHON=python3.12 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(OPEN)

test: $(STAMP)
	$(BIN)/python -m pytest

execute: $(STAMP)
	CASEKIT_HOME=$$(mktemp -d) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False $(NB)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

my-exercises: $(STAMP)
	@mkdir -p my-exercises
	@for f in exercises/*.ipynb; do name=$${f##*/}; \
	  if [ -e "my-exercises/$$name" ]; then echo "kept my-exercises/$$name (your work: delete it for a fresh copy)"; \
	  else $(BIN)/casekit release "$$f" --out my-exercises >/dev/null && echo "wrote my-exercises/$$name"; fi; \
	done

clean:
	rm -rf $(VENV)
