# Collaboration Evidence Workbench: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# axe-core and vnu-jar for the browser tests, pinned by package-lock.json (never vnu-jar's install
# script: it would download Java; the jar is in the package)
NODE_STAMP := node_modules/.installed
JOBS   ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
# make lab: PORT and LAB_ARGS pass through to JupyterLab, e.g. make lab PORT=8890 LAB_ARGS="--no-browser"
PORT     ?= 8888
LAB_ARGS ?=
# the project's named Jupyter kernel; KERNEL_SCOPE=--user installs it for a JupyterLab installed elsewhere
KERNEL_NAME    := workbench
KERNEL_DISPLAY := Collaboration Evidence Workbench
KERNEL_SCOPE   ?= --sys-prefix

.PHONY: demo test test-generic-blas lab kernel setup evidence build pdf validate bench lock clean

## demo: set up (if needed), rebuild the synthetic demo evidence, build every brief; print the index path and the time taken
demo: $(STAMP)
	@start=$$(date +%s); \
	$(BIN)/workbench demo-data && $(BIN)/workbench validate && $(BIN)/workbench build --jobs $(JOBS); \
	code=$$?; echo "make demo: finished in $$(( $$(date +%s) - start )) s (exit code $$code)"; exit $$code

## test: set up (if needed), then the whole test suite: unit, notebooks (nbval), executed templates, and
## every built page in headless Chromium (needs /usr/bin/chromium, java and npm: `.ci/run` installs them)
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

## test-generic-blas: the numerically sensitive tests (analysis, notebooks) again under OpenBLAS's
## generic x86-64 kernel, which rounds products differently from the CPU's own: numbers must not move
test-generic-blas: $(STAMP)
	OPENBLAS_CORETYPE=Prescott $(BIN)/python -m pytest tests/analysis notebooks/explore

## lab: install the named kernel, then open JupyterLab on the project (PORT=, LAB_ARGS= pass through)
lab: kernel
	$(BIN)/jupyter lab --notebook-dir=. --port=$(PORT) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## kernel: install the kernel "Collaboration Evidence Workbench" (this .venv's Python) into .venv;
## KERNEL_SCOPE=--user installs it where any JupyterLab of this user finds it
kernel: $(STAMP)
	$(BIN)/python -m ipykernel install $(KERNEL_SCOPE) --name $(KERNEL_NAME) --display-name "$(KERNEL_DISPLAY)"

## setup: create .venv and install the project with its pinned dependencies (and the npm test tools)
setup: $(STAMP) $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (Debian: apt-get install -y nodejs npm), or run .ci/run"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

$(STAMP): pyproject.toml requirements/lock.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[test]'
	@touch $(STAMP)

evidence: $(STAMP)
	$(BIN)/workbench demo-data

build: $(STAMP)
	$(BIN)/workbench build --jobs $(JOBS)

## pdf: build (if needed) and print every brief to an A4 PDF beside its HTML (headless /usr/bin/chromium)
pdf: $(STAMP)
	$(BIN)/workbench build --jobs $(JOBS) --pdf

validate: $(STAMP)
	$(BIN)/workbench validate

## bench: speed against peers (run on demand, never in CI)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[test,bench]'
	$(BIN)/python benchmarks/estimators.py

## lock: re-resolve requirements/lock.txt from pyproject.toml in a scratch venv
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[test,bench]'
	{ head -2 requirements/lock.txt; .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^workbench'; } > requirements/lock.new
	mv requirements/lock.new requirements/lock.txt && rm -rf .lock-venv

clean:
	rm -rf reports/briefs reports/notebooks reports/failed reports/index.html reports/manifest.json reports/.workbench reports/.artefacts
