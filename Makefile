# SecureBank: `make run` serves, `make test` tests. Both set everything up on a fresh machine
# (Python 3.11 and make are all they need) and are fast the second time.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
HOST   ?= 0.0.0.0
PORT   ?= 5000
# Development defaults; set DEBUG=0 and SECRET_KEY (and the other secrets) for production.
export DEBUG ?= 1

.PHONY: run test setup migrate lint manage clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput -v 0

run: migrate
	$(PY) manage.py bootstrap
	@echo "SecureBank on http://$(HOST):$(PORT)  (API docs: http://localhost:$(PORT)/api/docs/)"
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# make manage CMD="deposit alice 500"
manage: setup
	$(PY) manage.py $(CMD)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
