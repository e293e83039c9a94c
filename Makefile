# One task runner. A fresh machine needs only Python 3.11+: every target sets up what it uses.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo demo-next test chromium lint bench golden clean

$(VENV)/.installed: pyproject.toml
	@echo "Setting up Python packages in $(VENV) (a few minutes the first time)…"
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed testkit/pyproject.toml
	@echo "Adding the test and lint tools to $(VENV) (a minute or two the first time)…"
	$(PIP) -e '.[test,lint]' -e ./testkit
	touch $@

# The digest's browser test renders HTML in Debian's headless Chromium. It is installed
# only where that can work: as root (CI), where a failed install stops `make test`, or with
# passwordless sudo. Elsewhere the test is skipped, saying how to install it.
CHROMIUM := /usr/bin/chromium
APT := env DEBIAN_FRONTEND=noninteractive apt-get -q
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Chromium for the digest's browser test (apt-get)…"; \
	  $(APT) install -y chromium >/dev/null 2>&1 \
	  || { $(APT) update >/dev/null && $(APT) install -y chromium >/dev/null; } \
	  || { echo "make: could not install Chromium with apt-get as root (see above)." >&2; exit 1; }; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "Installing Chromium for the digest's browser test (sudo apt-get)…"; \
	  sudo -n $(APT) install -y chromium >/dev/null 2>&1 \
	  || { sudo -n $(APT) update >/dev/null && sudo -n $(APT) install -y chromium >/dev/null; } \
	  || echo "Could not install Chromium with sudo: the digest's browser test will be skipped."; \
	else \
	  echo "Chromium is not installed, and installing it needs root: the digest's browser test"; \
	  echo "will be skipped. To run it: sudo apt-get install chromium, then make test again."; \
	fi

## make demo: build the demo network workbook and run the weekly job on it
demo: $(VENV)/.installed
	@echo "Building the demo network in demo/: a workbook, its form responses and four past weeks…"
	rm -rf demo
	$(BIN)/sheetsync --config demo/sheetsync.toml init --backend local --workbook demo/network.xlsx --demo --history 4
	@echo "Running the weekly job on it…"
	$(BIN)/sheetsync --config demo/sheetsync.toml run weekly
	@$(MAKE) --no-print-directory -s demo-next

# What to type after `make demo` (README.md shows the same lines: tests/test_docs.py).
demo-next:
	@echo
	@echo "The demo is ready: open demo/network.xlsx. To try sheetsync's commands on it:"
	@echo
	@echo "    . .venv/bin/activate                      # puts sheetsync on your PATH"
	@echo "    export SHEETSYNC_CONFIG=demo/sheetsync.toml"
	@echo "    sheetsync check"
	@echo "    sheetsync run weekly --dry-run"
	@echo "    sheetsync digest --preview"

## make test: the whole suite (pytest exits non-zero, 5 included, when nothing ran)
test: $(VENV)/.installed-dev chromium
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

## make bench: the weekly job at sizes S, M and L; the hourly job at L; dedupe quality and speed; the matching solver
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/hourly_bench.py
	$(BIN)/python bench/google_requests.py
	$(BIN)/python bench/dedupe_bench.py
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/history_bench.py

clean:
	rm -rf $(VENV) demo bench/out test-artifacts digest-preview
