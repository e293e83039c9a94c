# One task runner. A fresh machine needs only Python 3.11+: every target sets up what it uses.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint bench golden clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed testkit/pyproject.toml
	$(PIP) -e '.[test,lint]' -e ./testkit
	touch $@

# The digest's browser test renders HTML in Debian's headless Chromium.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	command -v apt-get >/dev/null && (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	  || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) \
	  || sudo apt-get install -y -q chromium

## make demo: build the demo network workbook and run the weekly job on it
demo: $(VENV)/.installed
	rm -rf demo
	$(BIN)/sheetsync --config demo/sheetsync.toml init --backend local --workbook demo/network.xlsx --demo --history 4
	$(BIN)/sheetsync --config demo/sheetsync.toml run weekly

## make test: the whole suite (pytest exits non-zero, 5 included, when nothing ran)
test: $(VENV)/.installed-dev $(CHROMIUM)
	$(BIN)/python -m pytest

## make golden: write tests/golden/ anew from the demo, when a change of behaviour is meant
golden: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/test_golden_demo.py --update-golden -q
	git status --short tests/golden

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(PIP) -e '.[bench]'
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check sheetsync testkit tests bench
	$(BIN)/ruff format --check sheetsync testkit tests bench
	$(BIN)/mypy

## make bench: the weekly job at sizes S, M and L; dedupe quality and speed; the matching solver
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/google_requests.py
	$(BIN)/python bench/dedupe_bench.py
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/history_bench.py

clean:
	rm -rf $(VENV) demo bench/out test-artifacts digest-preview
