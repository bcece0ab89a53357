# Knowledge Hubs Portal — the two commands are `make run` and `make test`.
SHELL := /bin/sh
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test bench lint messages clean-data backup restore

help:
	@echo "make run    set up everything and serve the portal with demo data at http://127.0.0.1:8000"
	@echo "make test   set up everything and run every test"
	@echo "make bench  run the benchmarks and print their table"
	@echo "make lint   ruff check"
	@echo "make backup  write backups/portal-<time>.tar.gz: database, media files, manifest (BACKUP_DIR=…)"
	@echo "make restore FILE=…  restore a backup into an empty database and media folder, and verify it"
	@echo "make messages  extract and compile translations (needs GNU gettext)"

# The virtual environment is rebuilt only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@PY_BASE=$$(bin/find-python) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		echo "Creating $(VENV) with $$PY_BASE"; rm -rf $(VENV); "$$PY_BASE" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m config.run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --maxprocesses 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(BIN)/ruff check .

messages: $(STAMP)
	$(PY) manage.py makemessages --all --ignore '.venv/*' --ignore '.data/*' --ignore 'staticfiles/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

# The embedded PostgreSQL is started (and stopped again) as for any manage.py command.
backup: $(STAMP)
	$(PY) manage.py backup $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

# RESTORE_ARGS=--replace replaces a database that is not empty, after backing it up.
restore: $(STAMP)
	@if [ -z "$(FILE)" ]; then echo "Say which backup: make restore FILE=backups/portal-….tar.gz"; exit 2; fi
	$(PY) manage.py restore "$(FILE)" $(RESTORE_ARGS)

clean-data:
	rm -rf .data
