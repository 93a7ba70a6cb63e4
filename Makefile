PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test test-postgres setup setup-dev bench translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime
setup-dev: $(VENV)/.dev

## make run: set up, migrate, create roles, seed demo data, serve on http://127.0.0.1:8080
run: setup
	$(BIN)/python run.py

## make test: set up and run the whole suite (browser tests included)
test: setup-dev
	$(BIN)/python -m pytest

test-postgres: setup-dev
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest

bench: setup-dev
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/workflow.py
	$(BIN)/python bench/lists.py
	$(BIN)/python bench/intake.py

translations: setup-dev
	PYTHONPATH=. $(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 -k lazy_pgettext:1c,2 -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations
	$(BIN)/pybabel compile -d app/translations

clean:
	rm -rf $(VENV) instance .pytest_cache
