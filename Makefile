# CRM Casebook. Two commands: `make lab` opens the workbook, `make test` runs every test.
# Both create .venv and install everything on first use (Python 3.11+ and make are all you need).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
BOOK_STAMP := $(VENV)/.installed-book
OPEN   ?= notebooks/00-what-is-crm.ipynb
PORT   ?= 8888
IP     ?= localhost
NB     ?= notebooks/*.ipynb exercises/*.ipynb
export PYTHONHASHSEED := 0

.PHONY: help lab test check execute bench my-exercises book clean

help:
	@echo "make lab      open the workbook in JupyterLab (OPEN=notebooks/<chapter>.ipynb to pick one;"
	@echo "              NO_BROWSER=1 for SSH/WSL/headless: open the printed link; PORT=8888 IP=localhost)"
	@echo "make test     run every test: unit, doctests, notebooks (nbval), browser"
	@echo "make check    the quick loop while you change casekit: every test but the slow and browser"
	@echo "              ones and the notebooks (under a minute on a quiet machine)"
	@echo "make execute  re-run notebooks in place and store their outputs (NB=<files> to pick)"
	@echo "make bench    run the benchmarks in benchmarks/"
	@echo "make my-exercises  copy the problem sets, solutions removed, to my-exercises/ (中文: my-exercises/zh/; never overwrites)"
	@echo "make book     build the static book (no Jupyter needed to read it): open book/_build/html/index.html"
	@echo "make clean    remove .venv"

# students get the workbook only (make lab); the test tools come with make test
$(LAB_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CRM Casebook needs Python 3.11 or newer, found " + sys.version.split()[0] + ": install one and run  make PYTHON=python3.12 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $(LAB_STAMP)

$(STAMP): $(LAB_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,hub]'
	@touch $(STAMP)

# the static book: Sphinx + myst-nb + sphinx-book-theme (the [book] extra), built offline
$(BOOK_STAMP): $(LAB_STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[book]'
	@touch $(BOOK_STAMP)

# Lab serves the whole workbook (chapters reach their problem sets) and opens OPEN; the
# link it prints opens OPEN too, for a browser on another machine (SSH, WSL, containers)
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/$(OPEN) \
	  --port=$(PORT) --ip=$(IP) $(if $(NO_BROWSER),--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root)

# the classroom tests' proxy and the book's widget manager come from npm (package.json)
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

test: $(STAMP) $(BOOK_STAMP) $(if $(shell command -v npm),$(NODE_STAMP))
	$(BIN)/python -m pytest

# the maintainer's loop: no notebooks (nbval), nothing marked slow or browser
check: $(STAMP) $(BOOK_STAMP)
	$(BIN)/python -m pytest tests casekit -q -m "not slow and not browser"

# the student-path tool before (start cell, problem-set intro) and after (what Lab would
# write on save: kernel name, numbers, no widget state), so opening a notebook leaves no diff
execute: $(LAB_STAMP)
	$(BIN)/python tools/student_path.py $(NB)
	CASEKIT_WARM=0 CASEKIT_HOME=$$(mktemp -d) $(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False $(NB)
	$(BIN)/python tools/student_path.py $(NB)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

my-exercises: $(LAB_STAMP)
	@mkdir -p my-exercises/zh
	@for f in exercises/*.ipynb zh/exercises/*.ipynb; do name=$${f##*/}; \
	  dir=my-exercises$$(case "$$f" in zh/*) echo /zh;; esac); \
	  if [ -e "$$dir/$$name" ]; then echo "kept $$dir/$$name (your work: delete it for a fresh copy)"; \
	  else $(BIN)/casekit release "$$f" --out "$$dir" >/dev/null && echo "wrote $$dir/$$name"; fi; \
	done

book: $(BOOK_STAMP)
	$(BIN)/python -m sphinx -b html -q book book/_build/html
	$(BIN)/python -m sphinx -b html -q -c book -D language=zh_CN book/zh book/_build/html/zh
	@echo "The book: open book/_build/html/index.html in a browser (中文版: book/_build/html/zh/index.html)"

clean:
	rm -rf $(VENV)
