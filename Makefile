# Two commands matter: `make run` and `make test`. Each sets up everything it needs first.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3
PORT   ?= 8000
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

.PHONY: run test site preview check-content lint format bench clean

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build the static site into site/ (fails on a broken link or anchor).
site: $(STAMP)
	$(BIN)/mkdocs build --strict

## Build the site and serve it with the forms and the staff dashboard at http://$(HOST):$(PORT)
run: site
	$(BIN)/flask --app intake_server db upgrade
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile - \
		'intake_server:create_app()'

## Live-reloading preview for editors at http://127.0.0.1:8001
preview: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001 --watch clinic.yml --watch site_templates

## Lint, then every test (browser and PostgreSQL tests included).
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) site instance .pytest_cache
