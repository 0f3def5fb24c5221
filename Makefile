# Nodewise: `make book` builds the HTML book, `make test` runs the test suite (both install what they need).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SECTIONS := $(basename $(notdir $(wildcard notebooks/*.ipynb)))
EXECUTED := $(SECTIONS:%=book/%.ipynb)
LIB := $(shell find lib -name '*.py')
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install book pdf screenshots test section paper sweep bench clean help

help:
	@echo "make book | make pdf | make screenshots | make test | make section S=<name> P=\"key=value ...\" [PUBLISH=1] | make paper [S=<name>] | make sweep S=<name> GRID=\"key=v1,v2\" | make bench | make clean"
	@echo "sections: $(SECTIONS)"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)

# A section is re-executed only when its notebook or the library changed (papermill, profile default).
book/%.ipynb: notebooks/%.ipynb $(LIB) $(STAMP)
	$(BIN)/python -m lib.runner $* --publish

# EDITION=student builds the same pages without the exercises' solutions, into _build/student/html.
book: $(EXECUTED) $(STAMP)
	$(BIN)/python -m scripts.vendor_assets
ifeq ($(EDITION),student)
	NODEWISE_EDITION=student $(BIN)/jupyter-book build . --path-output _build/student -n -W --keep-going
	@echo "The student edition: $(CURDIR)/_build/student/_build/html/index.html"
else
	$(BIN)/jupyter-book build . -n -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"
endif

# The whole book as one PDF (_build/nodewise.pdf), printed from the HTML build by headless Chromium.
pdf: book
	$(BIN)/python -m scripts.book_pdf

# Full-page screenshots of every page at 1400 and 400 px (_build/screenshots/), to compare builds by eye.
screenshots: book
	$(BIN)/python -m scripts.book_screenshots

test: $(STAMP)
	$(BIN)/python -m scripts.vendor_assets
	NODEWISE_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadscope

# A run of one section into runs/<section>/<run-id>/ (PUBLISH=1: into the book instead). S, P, GRID and MEASURE
# reach the shell only through the environment, never pasted into a recipe, and $(value ...) keeps make from
# expanding a $ in them: P="sigma=(0.5, 2.0) seed=3" arrives unchanged, and S='data; touch x' is only a wrong name.
export NODEWISE_S = $(value S)
export NODEWISE_P = $(value P)
export NODEWISE_GRID = $(value GRID)
export NODEWISE_MEASURE = $(value MEASURE)
unexport S P GRID MEASURE PUBLISH REFERENCE  # command-line variables are exported, expanded, by default

section: $(STAMP)
	@test -n "$$NODEWISE_S" || { echo "usage: make section S=<name> P=\"key=value ...\" [PUBLISH=1]; sections: $(SECTIONS)"; exit 2; }
	@$(BIN)/python -m lib.runner "$$NODEWISE_S" --params "$$NODEWISE_P" $(if $(value PUBLISH),--publish)

# The papers' full scale (profile "paper") of one section, or of every section in the book's order, into
# runs/<section>/<run-id>/ with progress bars and ETAs. A killed run continues where it stopped: finished networks
# come from the model cache, the one in training from its checkpoint (lib/checkpoint.py). REFERENCE=1 commits each
# finished run as the section's reference run, results/reference/<section>.json (lib/reference.py).
paper: $(STAMP)
	@set -f; sections="$$NODEWISE_S"; test -n "$$sections" || sections="$$($(BIN)/python -c 'from lib.studies import SECTIONS; print(*SECTIONS)')"; \
	for s in $$sections; do \
	  $(BIN)/python -m lib.runner "$$s" --params "profile=paper $$NODEWISE_P" || exit $$?; \
	  $(if $(value REFERENCE),$(BIN)/python -m lib.reference "$$s" "$$(ls -td "runs/$$s"/*/ | head -1)" || exit $$?;) done

# One step (at most BUDGET seconds, default 540) of the `paper` profile of every section without a fresh reference,
# most claims per projected hour first, CUDA graphs on a GPU; writes results/reference/ and packs what to bring back
# into $OUT (else runs/gpu/<time>/). On the device itself: python3 -m scripts.paper_gpu (README, "GPU session").
.PHONY: paper-gpu
paper-gpu: export NODEWISE_BUDGET = $(value BUDGET)
paper-gpu: $(STAMP)
	@$(BIN)/python -m scripts.paper_gpu $${NODEWISE_BUDGET:+--budget-s "$$NODEWISE_BUDGET"}

# A parameter grid as papermill runs on Dask (a LocalCluster, or $$NODEWISE_SCHEDULER): GRID="seed=0,1 sigma=0.5,1.0"
sweep: $(STAMP)
	@test -n "$$NODEWISE_S" -a -n "$$NODEWISE_GRID" || { echo "usage: make sweep S=<name> GRID=\"key=v1,v2 ...\" [P=\"key=value ...\"] [MEASURE=key]"; exit 2; }
	@$(BIN)/python -m lib.sweep "$$NODEWISE_S" --grid "$$NODEWISE_GRID" --params "$$NODEWISE_P" $${NODEWISE_MEASURE:+--measure "$$NODEWISE_MEASURE"}

# The engine against the plain loop on the training-dynamics slice, then every section's `paper` engine calls timed
# for a few steps each and projected to their epoch caps (benchmarks/results.json, benchmarks/paper_workloads.json).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/paper_workloads.py --steps 10 --plain

clean:
	rm -rf _build book/*.ipynb results
