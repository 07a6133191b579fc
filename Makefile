# Natero: `make demo` runs the app on its embedded default; `make test` runs the whole suite on PostgreSQL + Redis.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
PYTHON := .venv/bin/python
UV = $$(command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/natero
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Two workers: one per core of the reference machine.
PYTEST_ARGS ?= -n 2

.PHONY: help uv install install-dev browser demo run migrate test test-fast lint format bench check-compose screenshots

help:
	@echo "make demo    install, migrate, load demo data and run web + worker + beat (SQLite, no services)"
	@echo "make test    install test needs (incl. Chromium) and run the whole suite on PostgreSQL + Redis"
	@echo "make lint    ruff check + format check"
	@echo "make screenshots  seed a demo database of its own and save 1440x900 PNGs of the main pages in docs/screenshots/"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

install: uv
	$(UV) sync --frozen --no-dev

install-dev: uv
	$(UV) sync --frozen

browser:
	@command -v chromium >/dev/null 2>&1 && command -v docker-compose >/dev/null 2>&1 || \
		( $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium docker-compose )

migrate:
	$(PYTHON) manage.py migrate --noinput

demo: export DEBUG := true
demo: export SITE_URL := http://localhost:$(PORT)
demo: export PATH := $(CURDIR)/.venv/bin:$(PATH)
demo: install
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	@echo ""
	@echo "  Natero is starting at http://localhost:$(PORT)/  (Ctrl-C stops web, worker and beat)"
	@echo "  Log in with demo@natero.local / natero-demo-2026"
	@echo ""
	PORT=$(PORT) PYTHONUNBUFFERED=1 honcho start -f Procfile

run: demo

test: install-dev browser
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PYTHON) manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PYTHON) -m pytest $(PYTEST_ARGS)

test-fast:
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PYTHON) -m pytest -m "not e2e" $(PYTEST_ARGS)

lint:
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format:
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

# Its own SQLite database in a temporary folder (ACCOUNTS=n for more or fewer demo accounts).
ACCOUNTS ?= 150
screenshots: install-dev browser
	$(PYTHON) docs/screenshots.py --accounts $(ACCOUNTS)

check-compose:
	docker-compose -f docker-compose.yml config -q
