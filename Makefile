# Alliance 8.7 Hub. The two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Every absolute link (e-mails from the web server and from the worker alike) is built on it.
BASE_URL ?= http://$(HOST):$(PORT)
PYTEST_ARGS ?=
# make test runs the suite on this many pytest-xdist workers (each with its own database, upload folders
# and browser-test server; see tests/conftest.py). 0 runs it in one process.
TEST_WORKERS ?= 2

.PHONY: run test bench translations compile-translations db-upgrade seed clean help

help:
	@echo "make run    - install, migrate, load demo data, serve http://$(HOST):$(PORT) and run the worker"
	@echo "make test   - install and run the whole test suite (browser tests need /usr/bin/chromium)"
	@echo "make bench  - run the benchmarks under bench/"
	@echo "make translations - extract, update and compile the message catalogs"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run pip only when the pinned lists change.
$(VENV)/.runtime: requirements.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@ $(VENV)/.runtime

# The .mo files are build output (not committed); compiled from the .po catalogs on every run.
compile-translations: $(VENV)/.runtime
	$(BIN)/pybabel compile -d app/translations

db-upgrade: $(VENV)/.runtime
	$(BIN)/flask db upgrade

seed: db-upgrade
	$(BIN)/flask seed-demo

run: $(VENV)/.runtime compile-translations seed
	@echo "Serving the Hub at http://$(HOST):$(PORT) with the worker (jobs, outbox) in its own process (Ctrl-C to stop)"
	BASE_URL=$(BASE_URL) $(BIN)/flask run-worker & WORKER_PID=$$!; trap 'kill $$WORKER_PID' EXIT INT TERM; \
	BASE_URL=$(BASE_URL) $(BIN)/flask run --host $(HOST) --port $(PORT) --no-reload

# lint-imports checks the layers of DESIGN.md §6 (contracts in pyproject.toml) before the suite runs.
# Random order: make test PYTEST_ARGS="-p randomly"; replay one with PYTEST_ARGS="-p randomly --randomly-seed=N".
test: $(VENV)/.dev compile-translations
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --cov=app --cov-report=term:skip-covered $(PYTEST_ARGS)

bench: $(VENV)/.dev compile-translations
	$(BIN)/python -m bench

translations: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 --no-location --sort-output --copyright-holder "Alliance 8.7 Hub contributors" \
	    --project "Alliance 8.7 Hub" -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) .pytest_cache .coverage htmlcov test-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
