# make run  — create .venv, install pinned dependencies, migrate, load the demo if empty, serve.
# make test — ruff, the migrations check and the whole suite (SQLite); test-postgres adds PostgreSQL.
# Both test passes first run `make browser` (Debian's chromium for the end-to-end test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt pyproject.toml | sha1sum | cut -c1-12)
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint test-sqlite test-postgres install clean browser

# `make test SKIP_SPARK=1` skips the Spark backend tests (a JVM per test worker, about a minute
# each); they run whenever Java 17 is there, and always under CI=true.
ifdef SKIP_SPARK
export JINGZHUN_SKIP_SPARK := 1
endif

$(STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: $(STAMP)
	$(BIN)/jingzhun setup
	$(BIN)/jingzhun serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/jingzhun makemigrations --check --dry-run

# Chromium for the end-to-end test (tests/e2e), from the Debian packages: Playwright drives the
# system's binary, nothing is downloaded. Installed when root (or with passwordless sudo);
# otherwise a notice, and the browser test skips itself, except under CI=true, where it fails.
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = "0" ]; then \
		apt-get update && apt-get install -y chromium chromium-driver; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
		sudo -n apt-get update && sudo -n apt-get install -y chromium chromium-driver; \
	else \
		echo "NOTICE: chromium is not installed and cannot be installed as $$(id -un) (as root: apt-get install chromium chromium-driver): the browser test will be skipped."; \
	fi

test-sqlite: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

test: lint test-sqlite

# The same suite on PostgreSQL. Without a reachable server the pass is skipped with a notice,
# except under CI=true, where it must run.
test-postgres: $(STAMP) browser
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -n 2 -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(PG_URL) is not reachable, and CI=true requires the PostgreSQL pass." >&2; exit 1; \
	else \
		echo "NOTICE: PostgreSQL at $(PG_URL) not reachable: PostgreSQL pass skipped."; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
