# One task runner. A fresh machine needs only Python 3.11+: every target sets up what it uses.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo demo-next test chromium libreoffice lint bench golden clean

$(VENV)/.installed: pyproject.toml
	@echo "Setting up Python packages in $(VENV) (a few minutes the first time)…"
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed testkit/pyproject.toml
	@echo "Adding the test and lint tools to $(VENV) (a minute or two the first time)…"
	$(PIP) -e '.[test,lint]' -e ./testkit
	touch $@

# Two tests run a real program over what sheetsync writes: the digest's browser test
# renders HTML in Debian's headless Chromium, and the workbook check opens the demo
# workbook in LibreOffice. Each program is installed only where that can work: as root
# (CI), where a failed install stops `make test`, or with passwordless sudo. Elsewhere
# its test is skipped, saying how to install it (in CI, set CI=1, it fails instead).
CHROMIUM := /usr/bin/chromium
SOFFICE := /usr/bin/soffice
APT := env DEBIAN_FRONTEND=noninteractive apt-get -q

# $(call apt_install,PROGRAM,PACKAGE,NAME,WHAT FOR): install PACKAGE unless PROGRAM is there.
define apt_install
	@if [ -x "$(1)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing $(3) for $(4) (apt-get)…"; \
	  $(APT) install -y $(2) >/dev/null 2>&1 \
	  || { $(APT) update >/dev/null && $(APT) install -y $(2) >/dev/null; } \
	  || { echo "make: could not install $(3) with apt-get as root (see above)." >&2; exit 1; }; \
	elif command -v sudo >/dev/null && command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
	  echo "Installing $(3) for $(4) (sudo apt-get)…"; \
	  sudo -n $(APT) install -y $(2) >/dev/null 2>&1 \
	  || { sudo -n $(APT) update >/dev/null && sudo -n $(APT) install -y $(2) >/dev/null; } \
	  || echo "Could not install $(3) with sudo: $(4) will be skipped."; \
	else \
	  echo "$(3) is not installed, and installing it needs root: $(4)"; \
	  echo "will be skipped. To run it: sudo apt-get install $(2), then make test again."; \
	fi
endef

chromium:
	$(call apt_install,$(CHROMIUM),chromium,Chromium,the digest's browser test)

libreoffice:
	$(call apt_install,$(SOFFICE),libreoffice-calc-nogui,LibreOffice,the workbook check)

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
test: $(VENV)/.installed-dev chromium libreoffice
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
	$(BIN)/mypy --platform win32 --cache-dir .mypy_cache/win32  # as Windows' Python runs it
	$(BIN)/mypy --platform darwin --cache-dir .mypy_cache/darwin  # and a Mac's

## make bench: the weekly job (first run, unchanged re-run) and the hourly job at sizes S, M and L, with the aims of issue 22; dedupe quality and speed; the matching solver
bench: $(VENV)/.installed-bench
	$(BIN)/python bench/run_bench.py
	$(BIN)/python bench/google_requests.py
	$(BIN)/python bench/dedupe_bench.py
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/history_bench.py

clean:
	rm -rf $(VENV) demo bench/out test-artifacts digest-preview
