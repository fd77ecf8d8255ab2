# vnfil: `make dev` runs the embedded stack; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser dev test test-sqlite test-postgresql bench bench-scale demo lint clean

$(STAMP): pyproject.toml tests/js/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	cd tests/js && npm ci --no-audit --no-fund --silent
	@touch $(STAMP)

install: $(STAMP)

# Only the tests need a browser (Debian's chromium, driven by Playwright); `make dev` does not.
browser:
	@test -x /usr/bin/chromium || { command -v apt-get >/dev/null && \
		{ apt-get install -y -qq chromium >/dev/null 2>&1 || \
		  { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; } ; } || \
		echo "warning: could not install Debian's chromium; the browser test will be skipped"

dev: install
	$(BIN)/python infra/dev.py

test: install browser
	$(BIN)/python -m pytest

test-sqlite: install browser
	$(BIN)/python -m pytest --db sqlite

test-postgresql: install browser
	$(BIN)/python -m pytest --db postgresql

bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.ledger

# Issue 14: each endpoint at 100, 10,000 and 1,000,000 cases on PostgreSQL (long; not part
# of `make bench`). Options through ARGS, e.g. ARGS="--db sqlite" or ARGS="--sizes 100,10000".
bench-scale: install
	$(BIN)/python -m bench.scale $(ARGS)

demo: install
	$(BIN)/vnfil demo

lint: install
	$(BIN)/ruff check vnfil workflows activities api tests infra bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
